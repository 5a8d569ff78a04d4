import type { Emit } from './events';
import { PaceLearner } from './pace';
import { Ramp } from './ramp';
import type { Admission } from './release-queue';
import type { BackoffStore, HeardRefusal, PaceState } from './store';

/** The first round of the first-contact ramp; 2 when an outage ends, 1 after a refusal that taught nothing. */
const RAMP_START = 4;

/**
 * How fast an origin's requests may go when no word of the server holds them: the first-contact
 * ramp, until an answer teaches the pace in force (a refusal's window, another process' share of
 * it) or the server declares its limits; then the pace, grown by successes, cut by refusals.
 */
export class LanePace {
  /** The first-contact ramp, while it limits; undefined once a pace or a declared limit does. */
  ramp: Ramp | undefined;
  /** This lane learned the pace in force (and dropped its ramp for it). */
  private paced = false;
  private readonly learner: PaceLearner;

  constructor(
    private readonly key: string,
    private readonly label: string,
    /** False: neither ramp nor pace, requests go as fast as the other limits allow. */
    readonly enabled: boolean,
    private readonly store: BackoffStore,
    private readonly emit: Emit,
  ) {
    // Processes sharing a store each ramp on their own: from one, so that together they start small.
    this.ramp = enabled ? new Ramp(this.rampStart) : undefined;
    this.learner = new PaceLearner(this.shared);
  }

  private get shared(): boolean {
    return this.store.prepare !== undefined;
  }

  private get rampStart(): number {
    return this.shared ? 1 : RAMP_START;
  }

  /** The pace in force, when pacing. */
  get inForce(): PaceState | undefined {
    return this.enabled ? this.store.pace(this.key) : undefined;
  }

  /** The pace in force, as a request is admitted: when the one this lane learned is gone, the ramp limits again. */
  current(): PaceState | undefined {
    const pace = this.inForce;
    if (!pace && this.paced) this.gone();
    return pace;
  }

  /**
   * The pace this lane learned is gone from the store (a shared store's copy expired, Redis lost it,
   * the processes whose lessons made it died): the ramp limits again, from the start, never "no limit".
   */
  private gone(): void {
    this.paced = false;
    this.ramp ??= new Ramp(this.rampStart);
  }

  /** A request may go past cooldown, outage and declared limits: a token of the pace, or how long until one. */
  take(pace: PaceState, now: number, held: number, go: Admission): Admission | Promise<Admission> {
    const taken = this.store.take(this.key, 'pace', 1, { capacity: pace.capacity, refillPerMs: 0, periodMs: pace.periodMs }, now, held);
    const verdict = (t: Awaited<typeof taken>): Admission => (t.ok ? go : Math.max(1, t.waitMs));
    return taken instanceof Promise ? taken.then(verdict) : verdict(taken);
  }

  /** A request leaves: its ramp round (-1 for none: a probe, or no ramp). */
  sent(probe: boolean, now: number): number {
    if (this.enabled) this.learner.sent(now, this.store.pace(this.key));
    return probe || !this.ramp ? -1 : this.ramp.send(now);
  }

  /** A request of ramp round `round` (sent at `sentAt`) is answered. */
  settled(round: number, sentAt: number, now: number, ok: boolean): void {
    if (round >= 0 && this.ramp) this.ramp.settle(round, sentAt, now, ok);
  }

  /** The server declared its limits: they, not the ramp, hold requests back. */
  declared(): void {
    this.ramp = undefined;
  }

  /** An outage is over: ramp up again rather than flood the origin. */
  recovered(): void {
    if (this.enabled) this.ramp = new Ramp(2);
  }

  succeeded(sentAt: number, now: number): void {
    if (!this.enabled) return;
    const pace = this.learner.succeeded(sentAt, now, this.store.pace(this.key));
    if (pace !== undefined) this.set(pace);
  }

  /** A rate limit of a request sent at `sentAt`, with the server's wait or none. */
  limited(wait: number | undefined, sentAt: number, now: number): void {
    if (!this.enabled) return;
    const pace = this.learner.limited(wait, sentAt, now, this.store.pace(this.key));
    if (pace) {
      this.set(pace);
      this.ramp = undefined; // the server said how much it takes: the pace, not the ramp, limits
    } else if (!this.store.pace(this.key)) {
      // Refused with nothing admitted to learn from: after the cooldown, start again from one.
      this.ramp = new Ramp(1);
    }
  }

  /** Another process' refusal with the server's wait: this lane teaches its share of that window. */
  heard(refusal: HeardRefusal): void {
    const pace = this.learner.limited(refusal.until - refusal.at, -Infinity, refusal.at, this.store.pace(this.key));
    if (pace) {
      this.set(pace);
      this.ramp = undefined;
    }
    // With nothing of that window to teach, the ramp goes on as it was: only a refusal of its own restarts it.
  }

  /** Records a pace, and says so. */
  private set(pace: PaceState): void {
    this.paced = true;
    this.store.setPace(this.key, pace, { windowStart: this.learner.windowStart, lessonAt: this.learner.lessonAt });
    this.emit?.({ type: 'pace', key: this.label, capacity: pace.capacity, periodMs: pace.periodMs });
  }
}
