import { MAX_DELAY, type Clock } from '../clock';
import type { Emit, HoldReason } from './events';
import { PaceLearner } from './pace';
import type { QuotaReading, RequestCost } from '../quota/types';
import { DeclaredQuotas, type QuotaSnapshot } from './quotas';
import { Ramp } from './ramp';
import type { BucketSpec } from './bucket';
import type { BackoffStore, PaceState } from './store';

export interface LaneSettings {
  readonly cooldown: boolean;
  readonly pacing: boolean;
  /** Consecutive unknown outcomes that start probing, and the gap between probes (ms). */
  readonly probing: { readonly threshold: number; readonly interval: number } | undefined;
  /** The longest cooldown a wait that cannot be meant (beyond `SANE_WAIT`) sets, ms: attach's maxRetryAfter. */
  readonly insaneWaitCap: number;
}

/**
 * The longest wait a server can mean, ms: Binance bans for up to three days. A longer one
 * (a reset header read in the wrong unit, an epoch in microseconds) holds the origin for
 * `insaneWaitCap` only, never for years.
 */
export const SANE_WAIT = 7 * 24 * 3600_000;

/** One request let out to the origin: given back exactly once, by the transport that took it. */
export interface Ticket {
  readonly lane: Lane;
  readonly sentAt: number;
  readonly probe: boolean;
  /** The first-contact ramp's round it went out in, or -1. */
  readonly round: number;
  /** What it spends against the limits the origin declares. */
  readonly cost: RequestCost | undefined;
  settled: boolean;
}

/**
 * How an attempt ended, as far as the origin's health goes: `success` is any answer
 * that is neither a rate limit nor an unknown outcome (a 404 proves the server is up);
 * `neutral` is no answer that says anything (connection refused, cancel).
 */
export type LaneResult =
  | { readonly kind: 'success' }
  | { readonly kind: 'rate-limited'; readonly wait: number | undefined; readonly status?: number }
  | { readonly kind: 'unknown'; readonly wait: number | undefined; readonly status?: number }
  | { readonly kind: 'neutral'; readonly wait: number | undefined; readonly status?: number };

/** One key's state, as `backoffSnapshot` shows it. */
export interface BackoffSnapshot {
  /** The origin, or a fingerprint of what the `key` option returned. */
  readonly key: string;
  /** How long requests are still held by a cooldown, ms (0: none). */
  readonly coolingMs: number;
  /** The pace learned after a rate limit: requests per window, or undefined. */
  readonly pace: PaceState | undefined;
  /** During an outage only probes go out. */
  readonly probing: boolean;
  /** Unknown outcomes in a row. */
  readonly failures: number;
  /** Requests waiting to leave. */
  readonly held: number;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
  /** The first-contact ramp still limits how many go at once. */
  readonly ramping: boolean;
  /** Tokens left in the current window of the learned pace, or undefined with no pace. */
  readonly paceTokens: number | undefined;
  /** Tokens left in the retry budget, or undefined when the budget is off. */
  readonly budgetTokens: number | undefined;
  /** The limits the server declares, as this process counts them now. */
  readonly quotas: readonly QuotaSnapshot[];
}

/** A held request, as the lane sees it. */
export interface Waiter {
  /** What it will spend against the limits the origin declares. */
  readonly cost?: RequestCost;
  release(ticket: Ticket): void;
  /** The origin will cool down for `cooling` ms more: a waiter that may not wait that long gives up. */
  outwaited?(cooling: number, now: number): void;
  /** Set by `abandon`: skipped when its turn comes (removing it from the middle costs O(n)). */
  gone?: boolean;
}

/** Whether a request may go now: GO, GO as the probe, wait UNTIL_SETTLED, or wait that many ms (> 0). A number: this runs per request. */
type Admission = number;
const GO = 0;
const GO_PROBE = -2;
const UNTIL_SETTLED = -1;
/** Requests released in one turn of the event loop: a cooldown that held 30,000 must not stall it. */
const RELEASE_BATCH = 128;
/** A probe unanswered this long (ms, at least 4 probe intervals) no longer keeps the next one back. */
const PROBE_STALL = 1000;
/** Abandoned waiters are swept out of the queue once they are this many, and half of it. */
const COMPACT_AT = 64;
const NO_READINGS: readonly QuotaReading[] = Object.freeze([]);
/** The first round of the first-contact ramp; 2 when an outage ends, 1 after a refusal that taught nothing. */
const RAMP_START = 4;
/** A 429 that says nothing of how long holds its origin this long, doubling while they go on (ms). */
const HINTLESS_WAIT = 1000;
const HINTLESS_MAX = 32_000;

/**
 * The requests to one origin: which may go now, which wait, and what their
 * answers teach about the origin (cooldown, pace, outage).
 */
export class Lane {
  private inFlight = 0;
  private ramp: Ramp | undefined;
  /** The probe in flight during an outage, if any. */
  private probe: Ticket | undefined = undefined;
  private nextProbeAt = 0;
  private queue: Waiter[] = [];
  /** Released in this turn of the event loop; reset by a timer at the next one. */
  private releasedInTurn = 0;
  private turnTimer = false;
  /** The end of the longest cooldown the held requests have been checked against, epoch ms. */
  private checkedUntil = 0;
  /** Held requests let out, ever: a pump's count of them, for the `released` event. */
  private releasedTotal = 0;
  /** Abandoned waiters still in the queue. */
  private gone = 0;
  private timer: unknown;
  private timerAt = Infinity;
  private pumping = false;
  private again = false;
  private readonly learner: PaceLearner;
  private readonly quotas = new DeclaredQuotas();
  /** When the last 429 without a wait backed the origin off, and for how long (ms; 0: none lately). */
  private hintAt = -Infinity;
  private hintWait = 0;
  /** After a 429 without a wait, one probe goes before the others. */
  private probeFirst = false;
  private preparing: Promise<void> | undefined;
  /** When a request last went out, epoch ms: an idle lane can be dropped. */
  lastUsed: number;

  constructor(
    readonly key: string,
    private readonly settings: LaneSettings,
    private readonly store: BackoffStore,
    private readonly clock: Clock,
    private readonly emit: Emit = undefined,
    /** How events name this key. */
    readonly label: string = key,
  ) {
    this.ramp = settings.pacing ? new Ramp(RAMP_START) : undefined;
    this.learner = new PaceLearner();
    this.lastUsed = clock.now();
    const preparing = store.prepare?.(key);
    if (preparing instanceof Promise) {
      // A store that cannot load the key must not stall requests: go on with what it has.
      this.preparing = preparing.then(
        () => this.prepared(),
        () => this.prepared(),
      );
    }
  }

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

  /** Nothing in flight, nothing held, nothing learned that still holds requests back, since `since`. */
  idleSince(since: number, now: number): boolean {
    return this.inFlight === 0 && this.held === 0 && this.lastUsed < since && this.coolingFor(now) === 0 && !this.probing;
  }

  /** The fast path: a ticket now, or undefined when the request must be held. */
  tryEnter(now: number, cost?: RequestCost): Ticket | undefined {
    // While paced, every request takes a token through the queue: a store's take may be
    // asynchronous, and one started here could not be awaited, nor given back in time.
    if (this.held > 0 || (this.settings.pacing && this.store.pace(this.key))) return undefined;
    const admission = this.admitUnpaced(now);
    if (admission !== GO && admission !== GO_PROBE) return undefined;
    if (this.quotas.known && this.quotas.wait(cost, now) !== 0) return undefined;
    return this.enter(admission === GO_PROBE, now, cost);
  }

  /** Queues a request; `release` is called with its ticket when it may go. */
  hold(waiter: Waiter): void {
    this.queue.push(waiter);
    this.emit?.({ type: 'held', key: this.label, reason: this.holdCode(this.clock.now()), held: this.held });
    void this.pump();
  }

  /** What holds requests back now. */
  private holdCode(now: number): HoldReason {
    if (this.preparing) return 'loading';
    if (this.coolingFor(now) > 0) return 'cooldown';
    if (this.probing || this.probeFirst) return 'probe';
    if (this.quotaHolds(now)) return 'quota';
    if (this.settings.pacing && this.store.pace(this.key)) return 'pace';
    return 'ramp';
  }

  snapshot(now: number, budget: BucketSpec | undefined): BackoffSnapshot {
    const breaker = this.store.breaker(this.key);
    const pace = this.store.pace(this.key);
    const tokens = (bucket: 'pace' | 'budget', spec: BucketSpec) => this.store.tokens?.(this.key, bucket, spec, now);
    return {
      key: this.label,
      coolingMs: this.coolingFor(now),
      pace: this.store.pace(this.key),
      probing: breaker.probing,
      failures: breaker.failures,
      held: this.held,
      inFlight: this.inFlight,
      ramping: this.ramp !== undefined,
      paceTokens: pace && tokens('pace', { capacity: pace.capacity, refillPerMs: 0, periodMs: pace.periodMs }),
      budgetTokens: budget && tokens('budget', budget),
      quotas: this.quotas.describe(now),
    };
  }

  /** Records a pace (undefined: forgets it), and says so. */
  private setPace(pace: PaceState | undefined): void {
    this.store.setPace(this.key, pace);
    this.emit?.({ type: 'pace', key: this.label, capacity: pace?.capacity, periodMs: pace?.periodMs });
  }

  /** Records the outage state, and says so when probing starts or ends. */
  private setBreaker(failures: number, probing: boolean, was: boolean): void {
    this.store.setBreaker(this.key, { failures, probing });
    if (probing !== was) this.emit?.({ type: 'probing', key: this.label, probing, failures });
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

  /** Only the first-contact ramp holds requests back: no cooldown, pace, outage or store loading. */
  onlyRamping(now: number): boolean {
    return this.ramp !== undefined && !this.preparing && this.coolingFor(now) === 0 && !this.probing && !this.probeFirst
      && !this.quotaHolds(now)
      && !(this.settings.pacing && this.store.pace(this.key));
  }

  /** What holds requests back now, in words, for the error of one that gave up waiting. */
  holdReason(now: number): string {
    if (this.preparing) return 'while the shared store loaded the state of';
    if (this.coolingFor(now) > 0) return 'while cooling down';
    if (this.probing) return 'while probing an outage of';
    if (this.probeFirst) return 'while a probe tried again after a rate limit of';
    if (this.quotaHolds(now)) return 'while waiting for a limit declared by';
    if (this.settings.pacing && this.store.pace(this.key)) return 'while pacing requests after a rate limit of';
    return 'while ramping up on first contact with';
  }

  /** A ticket now, whatever holds the others back: for a request the ramp alone held past its deadline. */
  force(now: number, cost?: RequestCost): Ticket {
    return this.enter(false, now, cost);
  }

  /** A limit the server declared is spent: a request of one unit would wait. */
  private quotaHolds(now: number): boolean {
    return this.quotas.known && this.quotas.wait(undefined, now) !== 0;
  }

  get held(): number {
    return this.queue.length - this.gone;
  }

  get active(): number {
    return this.inFlight;
  }

  settle(ticket: Ticket, result: LaneResult, readings: readonly QuotaReading[] = NO_READINGS): void {
    if (ticket.settled) return;
    ticket.settled = true;
    this.inFlight--;
    this.quotas.answered(ticket.cost, readings, this.clock.now());
    // The server's word first: once it declares its limits, they, not the ramp, hold requests back.
    if (readings.length > 0) this.ramp = undefined;
    // Idle is judged in minutes: the send time will do, and the clock is read only when needed.
    this.lastUsed = ticket.sentAt;
    if (ticket === this.probe) this.probe = undefined;
    if (ticket.round >= 0 && this.ramp) this.ramp.settle(ticket.round, ticket.sentAt, this.clock.now(), result.kind === 'success');
    try {
      if (result.kind === 'success') this.succeeded(ticket);
      else this.refused(ticket, result, this.clock.now());
    } finally {
      if (this.held > 0) void this.pump();
    }
  }

  private refused(ticket: Ticket, result: Exclude<LaneResult, { kind: 'success' }>, now: number): void {
    const wait = result.wait === undefined || result.wait <= SANE_WAIT ? result.wait : Math.min(this.settings.insaneWaitCap, SANE_WAIT);
    if (result.kind === 'rate-limited') this.rateLimited(wait, ticket, now);
    else if (result.kind === 'unknown') this.failed(ticket, now);
    const cooling = wait ?? (result.kind === 'rate-limited' && this.settings.cooldown ? this.hintless(ticket, now) : undefined);
    if (cooling !== undefined && this.settings.cooldown) {
      this.store.setCooldown(this.key, now + cooling);
      this.emit?.({ type: 'cooldown', key: this.label, waitMs: cooling, status: result.status });
    }
  }

  /**
   * A 429 that names no wait: the origin backs off as one, doubling while they go on, and
   * then one probe goes before the rest. Once for the requests that were already out.
   */
  private hintless(ticket: Ticket, now: number): number | undefined {
    if (ticket.sentAt < this.hintAt) return undefined;
    // A quiet spell twice the last wait long starts the backoff again from the first step.
    if (now - this.hintAt > 2 * this.hintWait) this.hintWait = 0;
    this.hintWait = Math.min(HINTLESS_MAX, this.hintWait === 0 ? HINTLESS_WAIT : this.hintWait * 2);
    this.hintAt = now;
    this.probeFirst = true;
    return this.hintWait;
  }

  private succeeded(ticket: Ticket): void {
    const breaker = this.store.breaker(this.key);
    // The origin is back: ramp up again rather than flood it.
    if (breaker.probing && this.settings.pacing) this.ramp = new Ramp(2);
    if (breaker.failures > 0 || breaker.probing) this.setBreaker(0, false, breaker.probing);
    // The probe after a 429 with no wait went through: the others may follow, and the next such 429
    // backs off from the first step again (the pace, cut at each, is what converges on the limit).
    if (this.probeFirst && ticket.sentAt >= this.hintAt) {
      this.probeFirst = false;
      this.hintWait = 0;
    }
    if (!this.settings.pacing) return;
    const pace = this.learner.succeeded(ticket.sentAt, this.clock.now(), this.store.pace(this.key));
    if (pace !== undefined) this.setPace(pace);
  }

  private rateLimited(wait: number | undefined, ticket: Ticket, now: number): void {
    if (!this.settings.pacing) return;
    const pace = this.learner.limited(wait, ticket.sentAt, now, this.store.pace(this.key));
    if (pace) {
      this.setPace(pace);
      this.ramp = undefined; // the server said how much it takes: the pace, not the ramp, limits
    } else if (!this.store.pace(this.key)) {
      // Refused with nothing admitted to learn from: after the cooldown, start again from one.
      this.ramp = new Ramp(1);
    }
  }

  private failed(ticket: Ticket, now: number): void {
    const probing = this.settings.probing;
    if (!probing) return;
    const breaker = this.store.breaker(this.key);
    const failures = breaker.failures + 1;
    const open = breaker.probing || failures >= probing.threshold;
    if (open && (ticket.probe || !breaker.probing)) this.nextProbeAt = now + probing.interval;
    this.setBreaker(failures, open, breaker.probing);
  }

  /** Cooldown, outage and ramp: whether a request may go, before any pace. */
  private admitUnpaced(now: number): Admission {
    if (this.preparing) return UNTIL_SETTLED;
    const cooling = this.coolingFor(now);
    if (cooling > 0) return cooling;
    if (this.store.breaker(this.key).probing) {
      // A probe that hangs is not waited for forever: after a while the next one goes.
      const stall = Math.max(PROBE_STALL, 4 * (this.settings.probing?.interval ?? 0));
      if (this.probe && now < this.probe.sentAt + stall) return this.probe.sentAt + stall - now;
      if (now < this.nextProbeAt) return this.nextProbeAt - now;
      return GO_PROBE;
    }
    if (this.probeFirst) {
      if (this.probe && now < this.probe.sentAt + PROBE_STALL) return this.probe.sentAt + PROBE_STALL - now;
      if (this.probe) return UNTIL_SETTLED;
      return GO_PROBE;
    }
    return this.ramp ? this.ramp.wait(now) : GO;
  }

  private admit(now: number, cost: RequestCost | undefined): Admission | Promise<Admission> {
    const go = this.admitUnpaced(now);
    if (go !== GO && go !== GO_PROBE) return go;
    if (this.quotas.known) {
      const wait = this.quotas.wait(cost, now);
      if (wait !== 0) return wait < 0 ? UNTIL_SETTLED : Math.max(1, wait);
    }
    const pace = this.settings.pacing ? this.store.pace(this.key) : undefined;
    if (!pace) return go;
    const taken = this.store.take(this.key, 'pace', 1, { capacity: pace.capacity, refillPerMs: 0, periodMs: pace.periodMs }, now);
    const verdict = (t: Awaited<typeof taken>): Admission => (t.ok ? go : Math.max(1, t.waitMs));
    return taken instanceof Promise ? taken.then(verdict) : verdict(taken);
  }

  private enter(probe: boolean, now: number, cost: RequestCost | undefined): Ticket {
    this.inFlight++;
    this.lastUsed = now;
    if (this.settings.pacing) this.learner.sent(now, this.store.pace(this.key));
    this.quotas.spend(cost);
    const round = probe || !this.ramp ? -1 : this.ramp.send(now);
    const ticket: Ticket = { lane: this, sentAt: now, probe, round, cost, settled: false };
    if (probe) this.probe = ticket;
    return ticket;
  }

  /**
   * A cooldown longer than any the held requests were checked against (a later, longer 429, or one
   * another process shared): those that may not wait that long give up now, not at its end.
   */
  private checkWaits(now: number): void {
    const cooling = this.coolingFor(now);
    if (cooling === 0 || now + cooling <= this.checkedUntil) return;
    this.checkedUntil = now + cooling;
    for (const waiter of this.queue.slice()) if (!waiter.gone) waiter.outwaited?.(cooling, now);
  }

  /** Counts a release against this turn's batch; the count starts again at the next turn. */
  private released(): void {
    this.releasedInTurn++;
    if (this.turnTimer) return;
    this.turnTimer = true;
    this.clock.setTimeout(() => {
      this.turnTimer = false;
      this.releasedInTurn = 0;
      if (this.held > 0) void this.pump();
    }, 0);
  }

  /**
   * Releases queued requests while the origin allows, at most a batch a turn of the event
   * loop, then waits for a timer or a settle.
   */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    const before = this.releasedTotal;
    try {
      do {
        this.again = false;
        while (this.dropGone() > 0) {
          // Settles call pump too: the batch is counted for the whole turn, not for one call.
          if (this.releasedInTurn >= RELEASE_BATCH) return;
          const now = this.clock.now();
          const cost = this.queue[0].cost;
          const admitted = this.admitted(now, cost);
          const admission = typeof admitted === 'number' ? admitted : await admitted;
          if (admission !== GO && admission !== GO_PROBE) {
            if (admission > 0) this.wakeIn(admission);
            this.checkWaits(now);
            break;
          }
          if (this.dropGone() === 0) break;
          const waiter = this.queue.shift() as Waiter;
          this.released();
          this.releasedTotal++;
          waiter.release(this.enter(admission === GO_PROBE, now, waiter.cost));
        }
        if (this.held === 0) this.clearTimer();
      } while (this.again);
    } finally {
      this.pumping = false;
      const released = this.releasedTotal - before;
      if (released > 0) this.emit?.({ type: 'released', key: this.label, released, held: this.held });
    }
  }

  /**
   * `admit`, never failing: a store that throws or rejects must not stall the origin, so the
   * request goes, as when a store cannot load a key. A store that answers at once costs no await.
   */
  private admitted(now: number, cost: RequestCost | undefined): Admission | Promise<Admission> {
    let admitted: Admission | Promise<Admission>;
    try {
      admitted = this.admit(now, cost);
    } catch {
      return GO;
    }
    return typeof admitted === 'number' ? admitted : admitted.catch(() => GO);
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
