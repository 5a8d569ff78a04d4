import { MAX_DELAY, type Clock } from '../clock';
import type { Ticket, Waiter } from './lane-types';
import type { Use } from './quotas';

/** Whether a request may go now: GO, GO as the probe, wait UNTIL_SETTLED, or wait that many ms (> 0). A number: this runs per request. */
export type Admission = number;
export const GO = 0;
export const GO_PROBE = -2;
export const UNTIL_SETTLED = -1;
/** Requests released in one turn of the event loop: a cooldown that held 30,000 must not stall it. */
const RELEASE_BATCH = 128;
/** How far past a held head a request may be let out. */
const LOOKAHEAD = 16;
/** Abandoned waiters are swept out of the queue once they are this many, and half of it. */
const COMPACT_AT = 64;

/** What the queue asks of its lane. */
export interface QueueOwner {
  /** Whether the request at the head, of `cost`, may go at `now`. */
  admit(now: number, use: Use): Admission | Promise<Admission>;
  /** A ticket for a request let out. */
  enter(probe: boolean, now: number, use: Use): Ticket;
  /** Whether a request of `cost` may go past a head held by a limit it does not spend of (a cancel behind an order). */
  overtakes(now: number, use: Use): boolean;
  /** The head may not go yet: the held requests are told if the wait grew past what they accept. */
  blocked(now: number): void;
  /** `released` requests went out in one pump; `held` are left. */
  released(released: number, held: number): void;
}

/**
 * The requests held at one origin, in order: let out while the lane admits the one at the
 * head, at most a batch a turn of the event loop, then woken by a timer or a settle.
 */
export class ReleaseQueue {
  private queue: Waiter[] = [];
  /** Abandoned waiters still in the queue. */
  private gone = 0;
  /** Released in this turn of the event loop; reset by a timer at the next one. */
  private releasedInTurn = 0;
  private turnTimer = false;
  private timer: unknown;
  private timerAt = Infinity;
  private pumping = false;
  private again = false;

  constructor(
    private readonly owner: QueueOwner,
    private readonly clock: Clock,
  ) {}

  get held(): number {
    return this.queue.length - this.gone;
  }

  push(waiter: Waiter): void {
    this.queue.push(waiter);
  }

  /** The waiters still held, for a look at each (a copy: a waiter may give up while looked at). */
  waiting(): Waiter[] {
    return this.queue.filter((w) => !w.gone);
  }

  /** Drops a waiter that gave up (abort, deadline); sweeps the queue once most of it gave up. */
  abandon(waiter: Waiter): void {
    if (waiter.gone) return;
    waiter.gone = true;
    this.gone++;
    if (this.gone >= COMPACT_AT && this.gone * 2 >= this.queue.length) {
      this.queue = this.queue.filter((w) => !w.gone);
      this.gone = 0;
    }
    if (this.held === 0) this.clearTimer();
  }

  /** Releases queued requests while the lane admits them, at most a batch a turn, then waits for a timer or a settle. */
  async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    let released = 0;
    try {
      do {
        this.again = false;
        released += await this.drain();
        if (this.held === 0) this.clearTimer();
      } while (this.again);
    } finally {
      this.pumping = false;
      if (released > 0) this.owner.released(released, this.held);
    }
  }

  /** Lets out what may go now; returns how many went. */
  private async drain(): Promise<number> {
    let released = 0;
    while (this.dropGone() > 0) {
      // Settles pump too: the batch is counted for the whole turn, not for one call.
      if (this.releasedInTurn >= RELEASE_BATCH) return released;
      const now = this.clock.now();
      const admitted = this.admitted(now, this.queue[0]);
      const admission = typeof admitted === 'number' ? admitted : await admitted;
      if (admission !== GO && admission !== GO_PROBE) {
        if (admission > 0) this.wakeIn(admission);
        this.owner.blocked(now);
        return released + this.overtake(now);
      }
      if (this.dropGone() === 0) return released;
      const waiter = this.queue.shift() as Waiter;
      this.countTurn();
      released++;
      waiter.release(this.owner.enter(admission === GO_PROBE, now, waiter));
    }
    return released;
  }

  /** Lets out those of the next few that go past a held head; returns how many went. */
  private overtake(now: number): number {
    let released = 0;
    for (let i = 1; i < this.queue.length && i <= LOOKAHEAD; i++) {
      const waiter = this.queue[i];
      if (waiter.gone || !this.owner.overtakes(now, waiter)) continue;
      this.queue.splice(i--, 1);
      this.countTurn();
      released++;
      waiter.release(this.owner.enter(false, now, waiter));
    }
    return released;
  }

  /**
   * The lane's admission, never failing: a store that throws or rejects must not stall the origin,
   * so the request goes, as when a store cannot load a key. A store that answers at once costs no await.
   */
  private admitted(now: number, use: Use): Admission | Promise<Admission> {
    let admitted: Admission | Promise<Admission>;
    try {
      admitted = this.owner.admit(now, use);
    } catch {
      return GO;
    }
    return typeof admitted === 'number' ? admitted : admitted.catch(() => GO);
  }

  /** Counts a release against this turn's batch; the count starts again at the next turn. */
  private countTurn(): void {
    this.releasedInTurn++;
    if (this.turnTimer) return;
    this.turnTimer = true;
    this.clock.setTimeout(() => {
      this.turnTimer = false;
      this.releasedInTurn = 0;
      if (this.held > 0) void this.pump();
    }, 0);
  }

  /** Drops abandoned waiters from the head of the queue; returns how many are held. */
  private dropGone(): number {
    while (this.gone > 0 && this.queue.length > 0 && this.queue[0].gone) {
      this.queue.shift();
      this.gone--;
    }
    if (this.queue.length === 0) this.gone = 0;
    return this.held;
  }

  private wakeIn(wait: number): void {
    // setTimeout fires at once past 2^31-1 ms: wake then, and look again.
    const ms = Math.min(wait, MAX_DELAY);
    const at = this.clock.now() + ms;
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.pump();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
