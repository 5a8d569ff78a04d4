import type { Clock } from '../clock';
import type { QuotaReading } from '../quota/types';
import { NO_READINGS } from '../quota/readers';
import type { BucketSpec } from './bucket';
import type { Emit, HoldReason } from './events';
import { HintlessBackoff } from './hintless';
import { LanePace } from './lane-pace';
import { COOLING, HELD_BY_LIMIT, SANE_WAIT, type BackoffSnapshot, type LaneResult, type LaneSettings, type Ticket, type Waiter } from './lane-types';
import { Outage } from './outage';
import { DeclaredQuotas, type Use } from './quotas';
import { GO, GO_PROBE, ReleaseQueue, UNTIL_SETTLED, type Admission } from './release-queue';
import type { BackoffStore, HeardRefusal } from './store';

export { SANE_WAIT } from './lane-types';
export type { BackoffSnapshot, LaneResult, LaneSettings, Ticket, Waiter } from './lane-types';

/** A rate limit that names a wait shorter than this (ms) is held as one that names none. */
const SUBSECOND = 1000;
const NO_USE: Use = Object.freeze({});

/** What holds a lane's requests back, first that applies first: an event's code, or the probe after a 429 that named no wait. */
type Holding = HoldReason | 'hintless';

/** Each, in words, for the error of a request that gave up waiting. */
const HOLD_WORDS: Readonly<Record<Holding, string>> = {
  loading: 'while the shared store loaded the state of',
  cooldown: 'while cooling down',
  probe: 'while probing an outage of',
  hintless: 'while a probe tried again after a rate limit of',
  quota: 'while waiting for a limit declared by',
  pace: 'while pacing requests after a rate limit of',
  ramp: 'while ramping up on first contact with',
};

/**
 * The requests to one origin: which may go now, which wait, and what their
 * answers teach about the origin (cooldown, pace, outage).
 */
export class Lane {
  private inFlight = 0;
  private readonly pace: LanePace;
  private readonly outage: Outage;
  private readonly queue: ReleaseQueue;
  /** The end of the longest cooldown the held requests have been checked against, epoch ms. */
  private checkedUntil = 0;
  private readonly quotas = new DeclaredQuotas();
  private readonly hintless = new HintlessBackoff();
  private preparing: Promise<void> | undefined;
  /** When a request last went out, epoch ms: an idle lane can be dropped. */
  lastUsed: number;
  /** Stops hearing of other processes' refusals (a shared store). */
  private readonly unlisten: (() => void) | undefined;

  constructor(
    readonly key: string,
    private readonly settings: LaneSettings,
    private readonly store: BackoffStore,
    private readonly clock: Clock,
    private readonly emit: Emit = undefined,
    /** How events name this key. */
    readonly label: string = key,
  ) {
    this.pace = new LanePace(key, label, settings.pacing, store, emit);
    this.outage = new Outage(key, label, settings.probing, store, emit);
    this.queue = new ReleaseQueue(
      {
        admit: (now, use) => this.admit(now, use),
        enter: (probe, now, use) => this.enter(probe, now, use),
        overtakes: (now, use) => this.overtakes(now, use),
        blocked: (now) => this.checkWaits(now),
        released: (released, held) => this.emit?.({ type: 'released', key: this.label, released, held }),
      },
      clock,
    );
    this.lastUsed = clock.now();
    // Another process refused with the server's wait: what this one sent in that window was admitted
    // too, its share of the lesson. Unless each process teaches its share, the pace is the refused one's.
    this.unlisten = settings.pacing ? store.onRefusal?.(key, (refusal) => this.heard(refusal)) : undefined;
    const preparing = store.prepare?.(key);
    if (preparing instanceof Promise) {
      // A store that cannot load the key must not stall requests: go on with what it has.
      this.preparing = preparing.then(
        () => this.prepared(),
        () => this.prepared(),
      );
    }
  }

  /** The lane is dropped: it hears of nothing more. */
  close(): void {
    this.unlisten?.();
  }

  /** Another process' refusal with the server's wait: this lane teaches its share of that window. */
  private heard(refusal: HeardRefusal): void {
    if (refusal.until <= this.clock.now()) return;
    this.pace.heard(refusal);
    if (this.held > 0) void this.queue.pump();
  }

  /** Resolves once the store has loaded this key's state; undefined when it has. */
  get ready(): Promise<void> | undefined {
    return this.preparing;
  }

  private prepared(): void {
    this.preparing = undefined;
    void this.queue.pump();
  }

  /** How long the origin is still cooling down, in ms. */
  coolingFor(now: number): number {
    return this.settings.cooldown ? Math.max(0, this.store.cooldownUntil(this.key) - now) : 0;
  }

  /**
   * How long the origin is still cooling down by a server's word, ms: 0 while the cooldown is the
   * backoff of ours after a 429 that named no wait (maxRetryAfter bounds waits servers ask for).
   */
  serverCoolingFor(now: number): number {
    const cooling = this.coolingFor(now);
    return cooling > 0 && now + cooling <= this.hintless.until ? 0 : cooling;
  }

  /** Only probes go out: retries need not wait on their own, the gate spaces them. */
  get probing(): boolean {
    return this.outage.probing;
  }

  /** Nothing in flight, nothing held, nothing learned that still holds requests back, since `since`. */
  idleSince(since: number, now: number): boolean {
    return this.inFlight === 0 && this.held === 0 && this.lastUsed < since && this.coolingFor(now) === 0 && !this.probing;
  }

  /** The fast path: a ticket now, or undefined when the request must be held. */
  tryEnter(now: number, use: Use = NO_USE): Ticket | undefined {
    // While paced, every request takes a token through the queue: a store's take may be
    // asynchronous, and one started here could not be awaited, nor given back in time.
    if (this.held > 0 || this.pace.current()) return undefined;
    const admission = this.admitUnpaced(now);
    if (admission !== GO && (admission !== GO_PROBE || this.outage.leased)) return undefined;
    if (this.quotas.known && this.quotas.wait(use, now) !== 0) return undefined;
    return this.enter(admission === GO_PROBE, now, use);
  }

  /** Queues a request; `release` is called with its ticket when it may go. */
  hold(waiter: Waiter): void {
    this.queue.push(waiter);
    if (this.emit) {
      const holding = this.holding(this.clock.now());
      this.emit({ type: 'held', key: this.label, reason: holding === 'hintless' ? 'probe' : holding, held: this.held });
    }
    void this.queue.pump();
  }

  /** What holds requests back now. */
  private holding(now: number): Holding {
    if (this.preparing) return 'loading';
    if (this.coolingFor(now) > 0) return 'cooldown';
    if (this.probing) return 'probe';
    if (this.hintless.probeFirst) return 'hintless';
    if (this.quotaHolds(now)) return 'quota';
    if (this.pace.inForce) return 'pace';
    return 'ramp';
  }

  snapshot(now: number, budget: BucketSpec | undefined): BackoffSnapshot {
    const breaker = this.store.breaker(this.key);
    const pace = this.store.pace(this.key);
    const tokens = (bucket: 'pace' | 'budget', spec: BucketSpec) => this.store.tokens?.(this.key, bucket, spec, now);
    return {
      key: this.label,
      coolingMs: this.coolingFor(now),
      pace,
      probing: breaker.probing,
      failures: breaker.failures,
      held: this.held,
      inFlight: this.inFlight,
      ramping: this.pace.ramp !== undefined,
      paceTokens: pace && tokens('pace', { capacity: pace.capacity, refillPerMs: 0, periodMs: pace.periodMs }),
      budgetTokens: budget && tokens('budget', budget),
      quotas: this.quotas.describe(now),
    };
  }

  /** Drops a waiter that gave up (abort, deadline). */
  abandon(waiter: Waiter): void {
    this.queue.abandon(waiter);
  }

  /**
   * Only a courtesy of ours holds requests back, not the server's word: the first-contact ramp, or
   * the backoff and probe after a 429 that named no wait (its length is ours). No cooldown a
   * server named, no pace, outage, declared limit or store loading.
   */
  heldByCourtesy(now: number): boolean {
    const cooling = this.coolingFor(now);
    const ours = cooling === 0 || now + cooling <= this.hintless.until;
    const courtesy = this.pace.ramp !== undefined || this.hintless.probeFirst;
    return courtesy && ours && !this.preparing && !this.probing && !this.quotaHolds(now) && !this.pace.inForce;
  }

  /** What holds requests back now, in words, for the error of one that gave up waiting. */
  holdReason(now: number): string {
    return HOLD_WORDS[this.holding(now)];
  }

  /** A ticket now, whatever holds the others back: for a request the ramp alone held past its deadline. */
  force(now: number, use: Use = NO_USE): Ticket {
    return this.enter(false, now, use);
  }

  /** How long the limits the server declared hold a request of `cost`, ms; 0 when they do not. */
  quotaWait(now: number, use: Use): number {
    return this.quotas.known ? Math.max(0, this.quotas.wait(use, now)) : 0;
  }

  /**
   * A request that fits every declared limit goes past a head held by one of them (a cancel that
   * spends no order behind an order that waits for the order count), when nothing else holds: no
   * cooldown, outage, ramp or pace, which hold every request alike.
   */
  private overtakes(now: number, use: Use): boolean {
    if (!this.quotas.known || this.pace.ramp || this.pace.inForce) return false;
    return this.admitUnpaced(now) === GO && this.quotas.wait(use, now) === 0;
  }

  /** Some limit the server declared is an endpoint's own: requests must say where they go. */
  get routed(): boolean {
    return this.quotas.routed;
  }

  /** A limit the server declared is spent: a request of one unit would wait. */
  private quotaHolds(now: number): boolean {
    return this.quotas.known && this.quotas.wait(NO_USE, now) !== 0;
  }

  get held(): number {
    return this.queue.held;
  }

  get active(): number {
    return this.inFlight;
  }

  settle(ticket: Ticket, result: LaneResult, readings: readonly QuotaReading[] = NO_READINGS, now = this.clock.now()): void {
    if (ticket.settled) return;
    ticket.settled = true;
    this.inFlight--;
    this.quotas.answered(ticket, readings, now);
    // The server's word first: once it declares its limits, they, not the ramp, hold requests back.
    if (readings.length > 0) this.pace.declared();
    // Idle is judged in minutes: the send time will do.
    this.lastUsed = ticket.sentAt;
    this.outage.settled(ticket);
    this.pace.settled(ticket.round, ticket.sentAt, now, result.kind === 'success');
    try {
      if (result.kind === 'success') this.succeeded(ticket, now);
      else this.refused(ticket, result, now);
    } finally {
      if (this.held > 0) void this.queue.pump();
    }
  }

  private refused(ticket: Ticket, result: Exclude<LaneResult, { kind: 'success' }>, now: number): void {
    const said = result.wait === undefined || result.wait <= SANE_WAIT ? result.wait : Math.min(this.settings.insaneWaitCap, SANE_WAIT);
    // A rate limit that says less than a second ("Retry-After: 0", a reset just past) names no window:
    // sent at once, the crowd behind it would only meet the same limit. It is held as one that names none.
    const wait = result.kind === 'rate-limited' && said !== undefined && said < SUBSECOND ? undefined : said;
    // The cooldown first: whatever the learning below does, the next request must not go into a ban.
    const cooling = wait ?? (result.kind === 'rate-limited' && this.settings.cooldown ? this.hintless.refused(ticket.sentAt, now) : undefined);
    if (cooling !== undefined && this.settings.cooldown) {
      this.store.setCooldown(this.key, now + cooling, { serverWait: wait !== undefined, at: now });
      this.emit?.({ type: 'cooldown', key: this.label, waitMs: cooling, status: result.status });
    }
    if (result.kind === 'rate-limited') this.pace.limited(wait, ticket.sentAt, now);
    else if (result.kind === 'unknown') this.outage.failed(ticket, now);
  }

  private succeeded(ticket: Ticket, now: number): void {
    // The origin is back: ramp up again rather than flood it.
    if (this.outage.probing) this.pace.recovered();
    this.outage.answered();
    this.hintless.succeeded(ticket.sentAt);
    this.pace.succeeded(ticket.sentAt, now);
  }

  /** Cooldown, outage and ramp: whether a request may go, before any pace. */
  private admitUnpaced(now: number): Admission {
    if (this.preparing) return UNTIL_SETTLED;
    const cooling = this.coolingFor(now);
    if (cooling > 0) return cooling;
    const outage = this.outage.admit(now);
    if (outage !== undefined) return outage;
    // After a 429 that named no wait one probe goes first; one that hangs is not waited for forever.
    if (this.hintless.probeFirst) return this.outage.probeWait(now) || GO_PROBE;
    return this.pace.ramp ? this.pace.ramp.wait(now) : GO;
  }

  private admit(now: number, use: Use): Admission | Promise<Admission> {
    const go = this.admitUnpaced(now);
    if (go !== GO && go !== GO_PROBE) return go;
    // One outage probe for every process sharing the store: the others wait for its answer.
    if (go === GO_PROBE && this.outage.leased) return this.outage.lease(now, () => this.admitPaced(now, use, go));
    return this.admitPaced(now, use, go);
  }

  /** Past cooldown, outage and ramp: the declared limits, then the pace. */
  private admitPaced(now: number, use: Use, go: Admission): Admission | Promise<Admission> {
    if (this.quotas.known) {
      const wait = this.quotas.wait(use, now);
      if (wait !== 0) return wait < 0 ? UNTIL_SETTLED : Math.max(1, wait);
    }
    const pace = this.pace.current();
    return pace ? this.pace.take(pace, now, this.held, go) : go;
  }

  private enter(probe: boolean, now: number, use: Use): Ticket {
    this.inFlight++;
    this.lastUsed = now;
    const round = this.pace.sent(probe, now);
    this.quotas.spend(use, now);
    const ticket: Ticket = { lane: this, sentAt: now, probe, round, cost: use.cost, route: use.route, settled: false };
    this.outage.sent(ticket);
    return ticket;
  }

  /**
   * A cooldown longer than any the held requests were checked against (a later, longer 429, or one
   * another process shared): those that may not wait that long give up now, not at its end.
   */
  private checkWaits(now: number): void {
    const cooling = this.serverCoolingFor(now);
    const limited = this.quotas.known ? this.quotas.longestHold(now) : 0;
    const longest = Math.max(cooling, limited);
    if (longest === 0 || now + longest <= this.checkedUntil) return;
    this.checkedUntil = now + longest;
    const what = limited > cooling ? HELD_BY_LIMIT : COOLING;
    for (const waiter of this.queue.waiting()) if (!waiter.gone) waiter.outwaited?.(longest, now, what);
  }

}
