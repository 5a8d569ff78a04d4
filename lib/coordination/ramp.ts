/**
 * The first-contact ramp, in rounds: a round of `size` requests goes out, and when
 * every one of a full round is answered without a rate limit or failure, the next
 * round is twice as large. Like TCP slow start, except that a round waits for its
 * answers, so a limit met mid-round overshoots by at most that round.
 */
export class Ramp {
  private size: number;
  private round = 0;
  private sent = 0;
  private answered = 0;
  private clean = true;

  constructor(initial: number, private readonly limit: number) {
    this.size = initial;
  }

  /** The ramp has grown to its limit: it no longer holds anything back. */
  get done(): boolean {
    return this.size >= this.limit;
  }

  canSend(): boolean {
    return this.sent < this.size;
  }

  /** Counts a request into the current round; returns the round's number. */
  send(): number {
    this.sent++;
    return this.round;
  }

  settle(round: number, ok: boolean): void {
    if (round !== this.round) return;
    this.answered++;
    if (!ok) this.clean = false;
    if (this.answered < this.sent) return;
    if (this.sent >= this.size && this.clean) this.size *= 2;
    this.round++;
    this.sent = 0;
    this.answered = 0;
    this.clean = true;
  }
}
