import {
  isAxiosError, type AxiosError, type AxiosAdapter, type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig,
} from 'axios';
import { attemptOf, verdictOn, type Attempt } from '../attempt';
import type { Clock } from '../clock';
import { isHeldError, type Coordinator, type CoreEvent } from '../coordinator';
import { fingerprint } from './events';
import { DEFAULT_STATUS_CODES } from '../options';
import { freshState } from '../state';
import type { BackoffState, ResolvedOptions } from '../types';
import type { AbortSignalLike } from '../wait';
import type { HeaderBag } from '../headers';
import { NO_READINGS, readQuotas } from '../quota/readers';
import type { QuotaReading } from '../quota/types';
import { holdRequest, type Deadline, type HoldContext } from './held';
import { holdDeadline, hookFailed, refusal } from './hold-limits';
import { renewing } from './renew';
import { Lane, type BackoffSnapshot, type LaneResult, type Ticket } from './lane';
import { COOLING, HELD_BY_LIMIT } from './lane-types';
import type { Use } from './quotas';
import type { ResolvedCoordination } from './settings';
import { countable, costOf, parseOrigin, routeOf } from './requests';
import { carry, transportCache, transportFor } from './transport';

/** Where an attached instance, or a `backoffAdapter`, keeps its gate: registered, for two copies of the package. */
export const GATE = Symbol.for('axios-backoff.gate');

/** A key unused for this long, with nothing learned that still holds, is dropped with its state (ms). */
export const IDLE_AFTER = 10 * 60_000;
const SUCCESS: LaneResult = Object.freeze({ kind: 'success' });
const NO_USE: Use = Object.freeze({});


const NEUTRAL: LaneResult = Object.freeze({ kind: 'neutral', wait: undefined });
/** The lane reads every status that says something of the server, whatever the caller retries. */
const LANE_STATUSES: ReadonlySet<number> = new Set(DEFAULT_STATUS_CODES);

/** What the origin's lane learns from an attempt. */
function laneResult(a: Attempt): LaneResult {
  const wait = a.failure.serverWait;
  const status = a.response?.status;
  if (a.outcome === 'rate-limited') return { kind: 'rate-limited', wait, status };
  if (a.outcome === 'unknown') return { kind: 'unknown', wait, status };
  return a.response ? SUCCESS : { kind: 'neutral', wait, status };
}


/**
 * The per-origin coordination of `attach`: one lane an origin (or `key`). The transport
 * takes a ticket from it when a request leaves and gives it back when the request is
 * answered; the retry core reaches it only through `Coordinator`.
 */
export class Gate implements Coordinator {
  private readonly lanes = new Map<string, Lane>();
  /** Keys this process spent retry tokens on: only their successes need to refill. */
  private readonly spent = new Set<string>();
  private readonly context: HoldContext;
  private lastSweep: number;
  /** Most requests of an instance share its baseURL: the last one's origin, kept at hand. */
  private lastBase: string | undefined = undefined;
  private lastBaseOrigin = 'relative';
  private readonly transports = transportCache();
  /** The last adapter wrapped and the last lane used: most requests of an instance share both. */
  private lastAdapter: unknown = undefined;
  private lastTransport: NonNullable<InternalAxiosRequestConfig['adapter']> | undefined = undefined;
  private lastLane: Lane | undefined = undefined;

  constructor(
    private readonly settings: ResolvedCoordination,
    /** The options of a request that carries none of its own (a config sent by other code). */
    private readonly defaults: ResolvedOptions,
    private readonly clock: Clock,
    cancel: (config: AxiosRequestConfig) => AxiosError,
  ) {
    this.context = {
      clock,
      cancel,
      send: (ticket, adapter, config) => carry(this, ticket, adapter, config),
      refuse: (config, cooling, now, key, what) => this.refuse(config, cooling, now, key, what),
    };
    this.lastSweep = clock.now();
  }

  /** The adapter a request resolves to, wrapped so that it leaves only when its origin allows. */
  transportFor(adapter: InternalAxiosRequestConfig['adapter']): NonNullable<InternalAxiosRequestConfig['adapter']> {
    if (adapter !== this.lastAdapter || !this.lastTransport) {
      this.lastTransport = transportFor(this, this.transports, adapter);
      this.lastAdapter = adapter;
    }
    return this.lastTransport;
  }

  /** protocol//host:port of where the request goes, without resolving anything. */
  originOf(config: AxiosRequestConfig): string {
    const own = config.url ? parseOrigin(config.url) : undefined;
    if (own) return own;
    const base = config.baseURL ?? '';
    if (base !== this.lastBase) {
      this.lastBase = base;
      this.lastBaseOrigin = parseOrigin(base) ?? 'relative';
    }
    return this.lastBaseOrigin;
  }

  private keyOf(config: AxiosRequestConfig): string {
    const key = this.settings.key ? this.settings.key(config) : this.originOf(config);
    if (typeof key !== 'string') throw new TypeError(`key(config) must return a string, got ${String(key)}`);
    return key;
  }

  laneFor(config: AxiosRequestConfig): Lane {
    const key = this.keyOf(config);
    if (this.lastLane?.key === key) return this.lastLane;
    let lane = this.lanes.get(key);
    if (!lane) {
      this.sweep();
      // A key the user chose may be an API key: events name it by a fingerprint.
      const label = this.settings.key ? fingerprint(key) : key;
      lane = new Lane(key, this.settings.lane, this.settings.store, this.clock, this.settings.emit, label);
      this.lanes.set(key, lane);
    }
    return (this.lastLane = lane);
  }

  /** Drops lanes idle for IDLE_AFTER, and their state in the store; at most once per half of that. */
  private sweep(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < IDLE_AFTER / 2) return;
    this.lastSweep = now;
    for (const [key, lane] of this.lanes) {
      if (!lane.idleSince(now - IDLE_AFTER, now)) continue;
      this.lanes.delete(key);
      lane.close();
      if (this.lastLane === lane) this.lastLane = undefined;
      this.spent.delete(key);
      this.settings.store.forget?.(key, now);
    }
  }

  /** Keys with state in this gate. */
  get size(): number {
    return this.lanes.size;
  }

  private optionsOf(config: AxiosRequestConfig): ResolvedOptions {
    return config.backoffState?.snapshot?.options ?? this.defaults;
  }

  /**
   * Sends `config` through `adapter` when its origin lets it out: at once when nothing holds
   * it back, else once it is released, within its own signal, cancel token, timeout and maxElapsed.
   */
  send(config: InternalAxiosRequestConfig, adapter: AxiosAdapter): Promise<AxiosResponse> {
    const lane = this.laneFor(config);
    const now = this.clock.now();
    const options = this.optionsOf(config);
    // The route costs a string a request: only where some limit is an endpoint's own.
    const cost = options.cost && costOf(options.cost, config);
    const use: Use = cost === undefined && !lane.routed ? NO_USE : { cost, route: lane.routed ? routeOf(config) : undefined };
    const ticket = lane.tryEnter(now, use);
    if (ticket) return carry(this, ticket, adapter, config);
    return this.hold(lane, config, adapter, options, config.backoffState ?? freshState(now), use);
  }

  private hold(
    lane: Lane,
    config: InternalAxiosRequestConfig,
    adapter: AxiosAdapter,
    options: ResolvedOptions,
    state: BackoffState,
    use: Use,
  ): Promise<AxiosResponse> {
    // A shared store may still be loading a ban: judge the wait on what it loads.
    const ready = lane.ready;
    if (ready) {
      return ready.then(() => {
        const ticket = lane.tryEnter(this.clock.now(), use);
        return ticket ? carry(this, ticket, adapter, config) : this.hold(lane, config, adapter, options, state, use);
      });
    }
    const now = this.clock.now();
    const cooling = lane.serverCoolingFor(now);
    const limited = lane.quotaWait(now, use);
    const what = limited > cooling ? HELD_BY_LIMIT : COOLING;
    const refused = refusal(config, Math.max(cooling, limited), now, lane.key, what, options, state);
    if (refused) return Promise.reject(refused);
    const signal = config.signal as AbortSignalLike | undefined;
    if (signal?.aborted) return Promise.reject(this.context.cancel(config));
    const token = config.cancelToken as { reason?: unknown } | undefined;
    if (token?.reason) return Promise.reject(token.reason);
    // Held long enough for its signature to expire, a request `resign` can renew is signed again as it leaves.
    const sender = renewing(adapter, options, state, this.clock, (hook, failure) => hookFailed(config, lane.key, hook, failure));
    let deadline: Deadline | undefined;
    try {
      deadline = holdDeadline(config, options, state, now, lane.key);
    } catch (failure) {
      return Promise.reject(hookFailed(config, lane.key, 'signedUntil', failure));
    }
    return holdRequest(this.context, lane, config, sender, deadline, use);
  }

  /** The error for a request held `cooling` ms more (a cooldown, or a declared limit, as `what` says) that may not wait that long. */
  private refuse(config: AxiosRequestConfig, cooling: number, now: number, key: string, what: string): AxiosError | undefined {
    return refusal(config, cooling, now, key, what, this.optionsOf(config), config.backoffState ?? freshState(now));
  }

  /**
   * What the transport's raw answer says of the origin: the status and headers as the
   * server sent them, whatever `validateStatus` and the interceptors make of them. An
   * answer the server may have acted on marks the request, for every later attempt.
   */
  resultOf(config: InternalAxiosRequestConfig, response: AxiosResponse | undefined, error: unknown, now = this.clock.now()): LaneResult {
    const options = this.optionsOf(config);
    const snapshot = config.backoffState?.snapshot;
    const verdict = verdictOn(response, options);
    if (response && response.status < 400 && (!verdict || verdict.kind === 'ok')) {
      if (snapshot) snapshot.acted = true;
      return SUCCESS;
    }
    // Not axios' error: the adapter itself failed (a bug, a bad option), which says nothing of the server;
    // nor does ours for a request it never sent (a hook that threw as a held request left, a gate within).
    if (!response && (!isAxiosError(error) || isHeldError(error))) return NEUTRAL;
    const parts = { config, response, error: isAxiosError(error) ? error : undefined, verdict };
    const a = attemptOf(parts, { ...options, statusCodes: LANE_STATUSES }, config.backoffState ?? freshState(0), now);
    if (a.outcome === 'unknown' && snapshot) snapshot.acted = true;
    return laneResult(a);
  }

  /** The limits the answer declares, as the request's reader reads them; none when it reads none. */
  readingsOf(config: InternalAxiosRequestConfig, response: AxiosResponse | undefined, now = this.clock.now()): readonly QuotaReading[] {
    const reader = this.optionsOf(config).quotas;
    if (!response || reader === false) return NO_READINGS;
    let readings: unknown;
    try {
      readings = (reader ?? readQuotas)(response.headers as HeaderBag, now);
    } catch {
      return NO_READINGS;
    }
    // A reader of the user's own: only readings that can be counted with.
    return Array.isArray(readings) && readings.length > 0 ? readings.filter(countable) : NO_READINGS;
  }

  /** The clock's time, for an answer's steps to share one reading. */
  now(): number {
    return this.clock.now();
  }

  release(ticket: Ticket, result: LaneResult, readings?: readonly QuotaReading[], config?: AxiosRequestConfig, now = this.clock.now()): void {
    // An endpoint's own limit, first declared: the request that read it says which endpoint.
    if (ticket.route === undefined && config !== undefined && readings?.some((r) => r.perRoute)) ticket.route = routeOf(config);
    ticket.lane.settle(ticket, result, readings, now);
  }

  spaces(config: AxiosRequestConfig): boolean {
    return this.laneFor(config).probing;
  }

  acquire(config: AxiosRequestConfig, timedOut: boolean): boolean | Promise<boolean> {
    const budget = this.settings.budget;
    if (!budget) return true;
    const cost = timedOut ? budget.timeoutCost : budget.retryCost;
    const spec = { capacity: budget.capacity, refillPerMs: 0 };
    const key = this.laneFor(config).key;
    this.spent.add(key);
    const taken = this.settings.store.take(key, 'budget', cost, spec, this.clock.now());
    const drawn = (t: Awaited<typeof taken>): boolean => {
      this.settings.emit?.({ type: 'budget', key: this.laneFor(config).label, cost, ok: t.ok });
      return t.ok;
    };
    return taken instanceof Promise ? taken.then(drawn) : drawn(taken);
  }

  observe(config: AxiosRequestConfig, event: CoreEvent): void {
    const emit = this.settings.emit;
    if (!emit) return;
    try {
      emit({ ...event, key: this.laneFor(config).label });
    } catch {
      // A key function that throws now says nothing here.
    }
  }

  /** What each key's state is now, for a look at what the library is doing. */
  snapshot(): BackoffSnapshot[] {
    const now = this.clock.now();
    const budget = this.settings.budget && { capacity: this.settings.budget.capacity, refillPerMs: 0 };
    return [...this.lanes.values()].map((lane) => lane.snapshot(now, budget));
  }

  /** AWS standard mode: a success earns 1 token, a successful retry that drew returns its cost. */
  refund(config: AxiosRequestConfig, drew: boolean): void {
    const budget = this.settings.budget;
    if (!budget || this.spent.size === 0) return;
    const key = this.keyOf(config);
    if (!this.spent.has(key)) return;
    const spec = { capacity: budget.capacity, refillPerMs: 0 };
    this.settings.store.give(key, 'budget', drew ? budget.retryCost : 1, spec, this.clock.now());
  }
}


