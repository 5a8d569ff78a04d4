import type { Clock } from '../clock';
import { PaceLearner } from './pace';
import { Ramp } from './ramp';
import type { BackoffStore } from './store';

export interface LaneSettings {
  readonly cooldown: boolean;
  readonly pacing: boolean;
  /** Consecutive unknown outcomes that start probing, and the gap between probes (ms). */
  readonly probing: { readonly threshold: number; readonly interval: number } | undefined;
  /** In-flight requests at which the first-contact ramp ends. */
  readonly rampLimit: number;
  /** A learned pace is forgotten after this long without a rate limit (ms). */
  readonly forgetPaceAfter: number;
}

/** One attempt let through the gate; settled exactly once. */
export interface Lease {
  readonly key: string;
  readonly sentAt: number;
  readonly probe: boolean;
  /** The ramp round it went out in, or -1. */
  readonly round: number;
  settled: boolean;
}

/**
 * How an attempt ended, as far as the origin's health goes: `success` is any answer
 * that is neither a rate limit nor an unknown outcome (a 404 proves the server is up);
 * `neutral` is no answer that says anything (connection refused, cancel).
 */
export type LaneResult =
  | { readonly kind: 'success' }
  | { readonly kind: 'rate-limited'; readonly wait: number | undefined }
  | { readonly kind: 'unknown'; readonly wait: number | undefined }
  | { readonly kind: 'neutral'; readonly wait: number | undefined };

/** A held request, as the lane sees it. */
export interface Waiter {
  release(lease: Lease): void;
  /** Set by `abandon`: skipped when its turn comes (removing it from the middle costs O(n)). */
  gone?: boolean;
}

/** Whether a request may go now: GO, GO as the probe, wait UNTIL_SETTLED, or wait that many ms (> 0). A number: this runs per request. */
type Admission = number;
const GO = 0;
const GO_PROBE = -2;
const UNTIL_SETTLED = -1;

/**
 * The requests to one origin: which may go now, which wait, and what their
 * answers teach about the origin (cooldown, pace, outage).
 */
export class Lane {
  private inFlight = 0;
  private ramp: Ramp | undefined;
  private probeInFlight = false;
  private nextProbeAt = 0;
  private readonly queue: Waiter[] = [];
  /** Abandoned waiters still in the queue. */
  private gone = 0;
  private timer: unknown;
  private timerAt = Infinity;
  private pumping = false;
  private again = false;
  private readonly learner: PaceLearner;

  constructor(
    readonly key: string,
    private readonly settings: LaneSettings,
    private readonly store: BackoffStore,
    private readonly clock: Clock,
  ) {
    this.ramp = settings.pacing ? new Ramp(1, settings.rampLimit) : undefined;
    this.learner = new PaceLearner(settings.forgetPaceAfter);
    const preparing = store.prepare?.(key);
    if (preparing instanceof Promise) {
      // A store that cannot load the key must not stall requests: go on with what it has.
      this.preparing = preparing.then(
        () => this.prepared(),
        () => this.prepared(),
      );
    }
  }

  private preparing: Promise<void> | undefined;

  /** Resolves once the store has loaded this key's state; undefined when it has. */
  get ready(): Promise<void> | undefined {
    return this.preparing;
  }

  private prepared(): void {
    this.preparing = undefined;
    void this.pump();
  }

  /** How long the origin is still cooling down, in ms. */
  coolingFor(now: number): number {
    return this.settings.cooldown ? Math.max(0, this.store.cooldownUntil(this.key) - now) : 0;
  }

  /** Only probes go out: retries need not wait on their own, the gate spaces them. */
  get probing(): boolean {
    return this.store.breaker(this.key).probing;
  }

  /** The fast path: a lease now, or undefined when the request must be held. */
  tryEnter(now: number): Lease | undefined {
    // While paced, every request takes a token through the queue: a store's take may be
    // asynchronous, and one started here could not be awaited, nor given back in time.
    if (this.held > 0 || (this.settings.pacing && this.store.pace(this.key))) return undefined;
    const admission = this.admitUnpaced(now);
    if (admission !== GO && admission !== GO_PROBE) return undefined;
    return this.enter(admission === GO_PROBE, now);
  }

  /** Queues a request; `release` is called with its lease when it may go. */
  hold(waiter: Waiter): void {
    this.queue.push(waiter);
    void this.pump();
  }

  /** Drops a waiter that gave up (abort, deadline). */
  abandon(waiter: Waiter): void {
    if (waiter.gone) return;
    waiter.gone = true;
    this.gone++;
    if (this.held === 0) this.clearTimer();
  }

  get held(): number {
    return this.queue.length - this.gone;
  }

  get active(): number {
    return this.inFlight;
  }

  settle(lease: Lease, result: LaneResult): void {
    if (lease.settled) return;
    lease.settled = true;
    this.inFlight--;
    if (lease.probe) this.probeInFlight = false;
    this.ramp?.settle(lease.round, result.kind === 'success');
    if (this.ramp?.done) this.ramp = undefined;
    if (result.kind === 'success') this.succeeded(lease);
    else this.refused(lease, result);
    if (this.held > 0) void this.pump();
  }

  private refused(lease: Lease, result: Exclude<LaneResult, { kind: 'success' }>): void {
    const now = this.clock.now();
    if (result.kind === 'rate-limited') this.rateLimited(result.wait, now);
    else if (result.kind === 'unknown') this.failed(lease, now);
    if (result.wait !== undefined && this.settings.cooldown) this.store.setCooldown(this.key, now + result.wait);
  }

  private succeeded(lease: Lease): void {
    const breaker = this.store.breaker(this.key);
    // The origin is back: ramp up again rather than flood it.
    if (breaker.probing && this.settings.pacing) this.ramp = new Ramp(2, this.settings.rampLimit);
    if (breaker.failures > 0 || breaker.probing) this.store.setBreaker(this.key, { failures: 0, probing: false });
    if (!this.settings.pacing) return;
    const pace = this.learner.succeeded(lease.sentAt, this.clock.now);
    if (pace !== undefined) this.store.setPace(this.key, pace ?? undefined);
  }

  private rateLimited(wait: number | undefined, now: number): void {
    if (!this.settings.pacing) return;
    const pace = this.learner.limited(wait, now);
    if (pace) {
      this.store.setPace(this.key, pace);
      this.ramp = undefined; // the server said how much it takes: the pace, not the ramp, limits
    } else if (!this.store.pace(this.key)) {
      // Refused with nothing admitted to learn from: after the cooldown, start again from one.
      this.ramp = new Ramp(1, this.settings.rampLimit);
    }
  }

  private failed(lease: Lease, now: number): void {
    const probing = this.settings.probing;
    if (!probing) return;
    const breaker = this.store.breaker(this.key);
    const failures = breaker.failures + 1;
    const open = breaker.probing || failures >= probing.threshold;
    if (open && (lease.probe || !breaker.probing)) this.nextProbeAt = now + probing.interval;
    this.store.setBreaker(this.key, { failures, probing: open });
  }

  /** Cooldown, outage and ramp: whether a request may go, before any pace. */
  private admitUnpaced(now: number): Admission {
    if (this.preparing) return UNTIL_SETTLED;
    const cooling = this.coolingFor(now);
    if (cooling > 0) return cooling;
    if (this.store.breaker(this.key).probing) {
      if (this.probeInFlight) return UNTIL_SETTLED;
      if (now < this.nextProbeAt) return this.nextProbeAt - now;
      return GO_PROBE;
    }
    return this.ramp && !this.ramp.canSend() ? UNTIL_SETTLED : GO;
  }

  private admit(now: number): Admission | Promise<Admission> {
    const go = this.admitUnpaced(now);
    if (go !== GO && go !== GO_PROBE) return go;
    const pace = this.settings.pacing ? this.store.pace(this.key) : undefined;
    if (!pace) return go;
    const taken = this.store.take(this.key, 'pace', 1, { capacity: pace.capacity, refillPerMs: 0, periodMs: pace.periodMs }, now);
    const verdict = (t: Awaited<typeof taken>): Admission => (t.ok ? go : Math.max(1, t.waitMs));
    return taken instanceof Promise ? taken.then(verdict) : verdict(taken);
  }

  private enter(probe: boolean, now: number): Lease {
    this.inFlight++;
    if (probe) this.probeInFlight = true;
    const round = probe || !this.ramp ? -1 : this.ramp.send();
    return { key: this.key, sentAt: now, probe, round, settled: false };
  }

  /** Releases queued requests while the origin allows, then waits for a timer or a settle. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (this.dropGone() > 0) {
          const now = this.clock.now();
          const admission = await this.admit(now);
          if (admission !== GO && admission !== GO_PROBE) {
            if (admission > 0) this.wakeIn(admission);
            break;
          }
          // Whoever was first may have left while an asynchronous store answered.
          if (this.dropGone() === 0) break;
          const waiter = this.queue.shift() as Waiter;
          waiter.release(this.enter(admission === GO_PROBE, now));
        }
        if (this.held === 0) this.clearTimer();
      } while (this.again);
    } finally {
      this.pumping = false;
    }
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

  private wakeIn(ms: number): void {
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
