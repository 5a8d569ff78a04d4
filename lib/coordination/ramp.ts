/** How long a request on first contact counts against the ramp before any answer told the round trip, ms. */
const FIRST_STALL = 250;
/** The least time a request counts against the ramp, and how many round trips it may take before it stops. */
const MIN_STALL = 50;
const STALL_RTTS = 4;

/**
 * The first-contact ramp, as TCP slow start: up to `window` requests in flight, and each
 * one answered cleanly widens the window by one, so it doubles every round trip, until
 * it reaches `limit` and the ramp is done. No request waits for the slowest answer: one
 * in flight for longer than a few round trips (250 ms before any answer) stops counting
 * against the window, so a hung request holds one place for a moment, never the origin.
 */
export class Ramp {
  private window: number;
  /** Send times of the requests that count against the window, oldest first. */
  private readonly open: number[] = [];
  private rtt = Infinity;

  constructor(initial: number, private readonly limit: number) {
    this.window = initial;
  }

  /** The ramp has grown to its limit: it no longer holds anything back. */
  get done(): boolean {
    return this.window >= this.limit;
  }

  private get stallAfter(): number {
    return this.rtt === Infinity ? FIRST_STALL : Math.max(MIN_STALL, STALL_RTTS * this.rtt);
  }

  /** 0 when a request may go at `now`; otherwise the ms until the oldest one in flight stops counting. */
  wait(now: number): number {
    const stall = this.stallAfter;
    while (this.open.length > 0 && this.open[0] + stall <= now) this.open.shift();
    return this.open.length < this.window ? 0 : this.open[0] + stall - now;
  }

  /** Counts a request sent at `sentAt` against the window. */
  send(sentAt: number): void {
    this.open.push(sentAt);
  }

  /** A request sent at `sentAt` was answered at `now`; `ok` when it was neither refused nor failed. */
  settle(sentAt: number, now: number, ok: boolean): void {
    if (ok) this.rtt = Math.min(this.rtt, Math.max(0, now - sentAt));
    const at = this.open.indexOf(sentAt);
    if (at < 0) return; // stalled: it no longer counts, and a late answer does not widen the window
    this.open.splice(at, 1);
    if (ok) this.window++;
  }
}
