/** How long a request on first contact is waited for before any answer told the round trip, ms. */
const FIRST_STALL = 250;
/** The least time a request is waited for, and how many round trips it may take before it is not. */
const MIN_STALL = 50;
const STALL_RTTS = 4;
/** The round size after which rounds grow by half instead of doubling. */
const SLOW_AFTER = 32;

/**
 * The requests of the current round still waited for, by send time: settling one is O(1) and
 * the oldest is found by walking send times in the order they were first used.
 */
class OpenRequests {
  private readonly bySentAt = new Map<number, number>();
  private order: number[] = [];
  private head = 0;

  get size(): number {
    return this.bySentAt.size;
  }

  add(sentAt: number): void {
    const count = this.bySentAt.get(sentAt);
    if (count === undefined) this.order.push(sentAt);
    this.bySentAt.set(sentAt, (count ?? 0) + 1);
  }

  /** Removes one sent at `sentAt`; false when none is open (it stalled, and was counted then). */
  remove(sentAt: number): boolean {
    const count = this.bySentAt.get(sentAt);
    if (count === undefined) return false;
    if (count === 1) this.bySentAt.delete(sentAt);
    else this.bySentAt.set(sentAt, count - 1);
    return true;
  }

  /** The earliest send time still open, or undefined. */
  oldest(): number | undefined {
    while (this.head < this.order.length && !this.bySentAt.has(this.order[this.head])) this.head++;
    return this.head < this.order.length ? this.order[this.head] : undefined;
  }

  /** Drops every request sent at `sentAt`; returns how many. */
  drop(sentAt: number): number {
    const count = this.bySentAt.get(sentAt) ?? 0;
    this.bySentAt.delete(sentAt);
    return count;
  }

  clear(): void {
    this.bySentAt.clear();
    this.order = [];
    this.head = 0;
  }
}

/**
 * The first-contact ramp, in rounds: a round of `size` requests goes out, and when every
 * one of a full round is answered without a rate limit or failure, the next round is twice
 * as large (half as large again past 32). Like TCP slow start, except that a round waits for its answers, so a limit met
 * mid-round overshoots by at most that round. It never ends in "no limit": it limits until a
 * rate limit teaches a pace. No round waits for its slowest answer: a request in flight for a
 * few round trips (250 ms before any answer) is no longer waited for, and the round it held
 * back ends (growing, when no answer in it was refused or failed).
 */
export class Ramp {
  private size: number;
  private round = 0;
  private sent = 0;
  private answered = 0;
  private clean = true;
  private readonly open = new OpenRequests();
  private rtt = Infinity;

  constructor(initial: number) {
    this.size = initial;
  }

  /** Requests a round may send: for a look at the ramp, and for tests. */
  get roundSize(): number {
    return this.size;
  }

  private get stallAfter(): number {
    return this.rtt === Infinity ? FIRST_STALL : Math.max(MIN_STALL, STALL_RTTS * this.rtt);
  }

  /** 0 when a request may go at `now`; otherwise the ms until the oldest one waited for stalls. */
  wait(now: number): number {
    if (this.sent < this.size) return 0;
    const stall = this.stallAfter;
    // Slow is not refused: a stalled request (a long poll, a server slow to answer) ends its
    // round's wait for it, and the round still grows when no answer refused or failed.
    for (let oldest = this.open.oldest(); oldest !== undefined && oldest + stall <= now; oldest = this.open.oldest()) {
      this.answered += this.open.drop(oldest);
    }
    this.nextRound();
    if (this.sent < this.size) return 0;
    const oldest = this.open.oldest();
    return oldest === undefined ? 0 : oldest + stall - now;
  }

  /** Counts a request sent at `sentAt` into the current round; returns the round's number. */
  send(sentAt: number): number {
    this.sent++;
    this.open.add(sentAt);
    return this.round;
  }

  /** The request of `round` sent at `sentAt` was answered at `now`; `ok` when it was neither refused nor failed. */
  settle(round: number, sentAt: number, now: number, ok: boolean): void {
    if (ok) this.rtt = Math.min(this.rtt, Math.max(0, now - sentAt));
    if (round !== this.round) return;
    if (!this.open.remove(sentAt)) return; // stalled: already counted, and a late answer changes nothing
    this.answered++;
    if (!ok) this.clean = false;
    this.nextRound();
  }

  private nextRound(): void {
    if (this.sent === 0 || this.answered < this.sent) return;
    // Past 32 a round grows by half: a limit met mid-round is overshot by a third of the round at most.
    if (this.sent >= this.size && this.clean) this.size = this.size < SLOW_AFTER ? this.size * 2 : Math.ceil(this.size * 1.5);
    this.round++;
    this.sent = 0;
    this.answered = 0;
    this.clean = true;
    this.open.clear();
  }
}
