/** How long a request on first contact is waited for before any answer told the round trip, ms. */
const FIRST_STALL = 250;
/** The least time a request is waited for, and how many round trips it may take before it is not. */
const MIN_STALL = 50;
const STALL_RTTS = 4;

/**
 * The first-contact ramp, in rounds: a round of `size` requests goes out, and when every
 * one of a full round is answered without a rate limit or failure, the next round is twice
 * as large. Like TCP slow start, except that a round waits for its answers, so a limit met
 * mid-round overshoots by at most that round. No round waits for its slowest answer: a
 * request in flight for a few round trips (250 ms before any answer) is no longer waited
 * for, and the round it held back ends (growing, when no answer in it was refused or failed).
 */
export class Ramp {
  private size: number;
  private round = 0;
  private sent = 0;
  private answered = 0;
  private clean = true;
  /** Send times of this round's requests still waited for, oldest first. */
  private readonly open: number[] = [];
  private rtt = Infinity;

  constructor(initial: number, private readonly limit: number) {
    this.size = initial;
  }

  /** The ramp has grown to its limit: it no longer holds anything back. */
  get done(): boolean {
    return this.size >= this.limit;
  }

  private get stallAfter(): number {
    return this.rtt === Infinity ? FIRST_STALL : Math.max(MIN_STALL, STALL_RTTS * this.rtt);
  }

  /** 0 when a request may go at `now`; otherwise the ms until the oldest one waited for stalls. */
  wait(now: number): number {
    const stall = this.stallAfter;
    // Slow is not refused: a stalled request (a long poll, a server slow to answer) ends its
    // round's wait for it, and the round still grows when no answer refused or failed.
    while (this.open.length > 0 && this.open[0] + stall <= now) {
      this.open.shift();
      this.answered++;
    }
    this.nextRound();
    if (this.sent < this.size) return 0;
    return this.open.length > 0 ? this.open[0] + stall - now : 0;
  }

  /** Counts a request sent at `sentAt` into the current round; returns the round's number. */
  send(sentAt: number): number {
    this.sent++;
    this.open.push(sentAt);
    return this.round;
  }

  /** The request of `round` sent at `sentAt` was answered at `now`; `ok` when it was neither refused nor failed. */
  settle(round: number, sentAt: number, now: number, ok: boolean): void {
    if (ok) this.rtt = Math.min(this.rtt, Math.max(0, now - sentAt));
    if (round !== this.round) return;
    const at = this.open.indexOf(sentAt);
    if (at < 0) return; // stalled: already counted, and a late answer changes nothing
    this.open.splice(at, 1);
    this.answered++;
    if (!ok) this.clean = false;
    this.nextRound();
  }

  private nextRound(): void {
    if (this.sent === 0 || this.answered < this.sent) return;
    if (this.sent >= this.size && this.clean) this.size *= 2;
    this.round++;
    this.sent = 0;
    this.answered = 0;
    this.clean = true;
  }
}
