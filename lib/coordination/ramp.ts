/** How long a request on first contact is waited for before any answer told the round trip, ms. */
const FIRST_STALL = 250;
/** The least time a request is waited for, and how many round trips it may take before it is not. */
const MIN_STALL = 50;
const STALL_RTTS = 4;
/** The round size after which rounds grow by half instead of doubling. */
const SLOW_AFTER = 32;

/** Rounds up to this many are kept in a plain list: most rounds are a few requests, and a list of a few is cheapest. */
const LIST_UP_TO = 64;

/**
 * The requests of the current round still waited for, by send time, oldest first: in a plain list
 * while the round is small, and counted by send time past that, so that settling one of
 * thousands is O(1).
 */
class OpenRequests {
  private list: number[] = [];
  private bySentAt: Map<number, number> | undefined = undefined;
  private head = 0;

  add(sentAt: number): void {
    const counts = this.bySentAt;
    if (!counts) {
      this.list.push(sentAt);
      if (this.list.length > LIST_UP_TO) this.count();
      return;
    }
    const count = counts.get(sentAt);
    if (count === undefined) this.list.push(sentAt);
    counts.set(sentAt, (count ?? 0) + 1);
  }

  /** Removes one sent at `sentAt`; false when none is open (it stalled, and was counted then). */
  remove(sentAt: number): boolean {
    const counts = this.bySentAt;
    if (!counts) {
      const list = this.list;
      const at = list.indexOf(sentAt);
      if (at < 0) return false;
      // Shifted by hand: splice allocates the array it removes, on every answer.
      for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i];
      list.pop();
      return true;
    }
    const count = counts.get(sentAt);
    if (count === undefined) return false;
    if (count === 1) counts.delete(sentAt);
    else counts.set(sentAt, count - 1);
    return true;
  }

  /** The earliest send time still open, or undefined. */
  oldest(): number | undefined {
    const counts = this.bySentAt;
    if (!counts) return this.list[0];
    while (this.head < this.list.length && !counts.has(this.list[this.head])) this.head++;
    return this.head < this.list.length ? this.list[this.head] : undefined;
  }

  /** Drops every request sent at `sentAt`; returns how many. */
  drop(sentAt: number): number {
    const counts = this.bySentAt;
    if (!counts) {
      const before = this.list.length;
      this.list = this.list.filter((t) => t !== sentAt);
      return before - this.list.length;
    }
    const count = counts.get(sentAt) ?? 0;
    counts.delete(sentAt);
    return count;
  }

  clear(): void {
    if (this.list.length > 0) this.list.length = 0;
    this.bySentAt = undefined;
    this.head = 0;
  }

  /** Past LIST_UP_TO: counts by send time, the list keeping each send time once, in order. */
  private count(): void {
    const counts = new Map<number, number>();
    for (const t of this.list) counts.set(t, (counts.get(t) ?? 0) + 1);
    this.list = [...counts.keys()];
    this.bySentAt = counts;
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
