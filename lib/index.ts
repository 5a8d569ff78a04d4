/**
 * Backoff and retry for axios that honours rate limits and never replays a request
 * the server may have acted on.
 *
 * @module axios-backoff
 */
import type { AxiosAdapter, AxiosInstance } from 'axios';
import { createBackoffAdapter, type BackoffAdapter, type BackoffAdapterOptions } from './adapter';
import { createAttach } from './attach';
import { GATE } from './coordination/gate';
import type { BackoffSnapshot } from './coordination/lane';
import type { BackoffOptions } from './coordination/settings';
import { createBackoff } from './interceptor';
import { refuseShared } from './options';
import type { RequestOptions, ResponseInterceptorPair } from './types';

export type { AdapterSpec, BackoffAdapter, BackoffAdapterOptions } from './adapter';
export { constant, decorrelatedJitter, exponential, linear } from './strategies';
export type { DecorrelatedJitterOptions, ExponentialOptions, LinearOptions } from './strategies';
export { DEFAULT_METHODS, DEFAULT_STATUS_CODES } from './options';
export { presets } from './presets';
export type { Preset, PresetOptions } from './presets';
export { resetWait } from './ratelimit-headers';
export { parseRetryAfter } from './headers';
export type { HeaderBag } from './headers';
export { backoffInfo } from './info';
export { readQuotas } from './quota/readers';
export { binanceQuotas, BINANCE_SPOT_RATE_LIMITS } from './quota/binance';
export type { BinanceInterval, BinanceRateLimit, BinanceRateLimitType } from './quota/binance';
export { binanceCost, binanceCosts } from './presets/binance-cost';
export { krakenQuotas, KRAKEN_COUNTER } from './quota/kraken';
export { krakenCost } from './presets/kraken-cost';
export type { KrakenTier } from './quota/kraken';
export type { QuotaReader, QuotaReading, RequestCost } from './quota/types';
export type { QuotaSnapshot } from './coordination/quotas';
export { memoryStore } from './coordination/store';
export type { BackoffStore, BreakerState, BucketName, CooldownHow, HeardRefusal, PaceHow, PaceState, TakeResult } from './coordination/store';
export type { BucketSpec } from './coordination/bucket';
export type { BackoffOptions, BudgetOptions, CoordinationOptions, ProbingOptions } from './coordination/settings';
export type {
  BackoffEvent, BudgetEvent, CooldownEvent, HeldEvent, HoldReason, Keyed, PaceEvent, ProbingEvent, ReleasedEvent,
} from './coordination/events';
export type { BackoffSnapshot } from './coordination/lane';
export type { CoreEvent, GiveUpEvent, RetryEvent } from './coordinator';
export type {
  BackoffErrorInfo, BackoffState, RequestOptions, RetryOptions, SharedOptionName, Classification, Classifier, Decision, GiveUpContext,
  Jitter, Outcome, ResponseInterceptorPair, RetryContext, ShouldRetryContext, StopReason, Strategy, StrategyContext,
} from './types';

/**
 * Installs backoff on an axios instance: a request side that records each request
 * as made and holds it while its server is rate-limiting or down, and the response
 * interceptor that retries. Returns a function that removes both.
 *
 * @example
 * ```ts
 * const api = axios.create({ baseURL: 'https://api.exchange.example' });
 * const detach = attach(api, { retries: 5, strategy: exponential({ initial: 200, max: 30_000 }) });
 * ```
 */
export function attach(instance: AxiosInstance, options?: BackoffOptions): () => void {
  return createAttach(instance, options);
}

/**
 * An axios adapter with the behaviour of `attach` (decision, waits, per-origin coordination, state
 * on the config), for clients whose axios instance is out of reach, such as most exchange SDKs.
 * Works with any axios 1.x copy. It retries below the interceptors: the client's signer does not
 * run again, so set `resign` to give a retry a fresh timestamp and signature. `options.adapter`
 * names the transport it wraps (default: axios' own). One adapter shares its coordination among
 * every instance that uses it.
 *
 * @example
 * ```ts
 * const client = new MainClient(keys, { adapter: backoffAdapter(presets.binance({ resign })) });
 * axios.defaults.adapter = backoffAdapter({ retries: 5 }); // clients that make instances on the fly
 * ```
 */
export function backoffAdapter(options?: BackoffAdapterOptions): BackoffAdapter {
  return createBackoffAdapter(options);
}

/**
 * What each server (or key) looks like to an attached instance or a `backoffAdapter` now: cooldown
 * left, learned pace, outage probing, held and in-flight requests. Empty for anything else.
 *
 * @example
 * ```ts
 * for (const origin of backoffSnapshot(api)) if (origin.coolingMs > 0) console.log(origin.key, 'cooling', origin.coolingMs);
 * ```
 */
export function backoffSnapshot(target: AxiosInstance | AxiosAdapter | BackoffAdapter): BackoffSnapshot[] {
  const gate = (target as { [GATE]?: { snapshot(): BackoffSnapshot[] } } | null)?.[GATE];
  return gate ? gate.snapshot() : [];
}

/**
 * The response interceptor pair, for `instance.interceptors.response.use(...backoff(instance))`:
 * retries without the request side, so without the coordination options (`store`, `pacing`…).
 *
 * @example
 * ```ts
 * api.interceptors.response.use(...backoff(api, { retries: 5 }));
 * ```
 */
export function backoff(instance: AxiosInstance, options?: RequestOptions): ResponseInterceptorPair {
  if (!instance || typeof instance.request !== 'function') {
    const got = instance === null ? 'null' : typeof instance;
    throw new TypeError(`backoff(instance, options): instance must be an axios instance (the one the pair is registered on), got ${got}; `
      + 'write instance.interceptors.response.use(...backoff(instance, options))');
  }
  refuseShared(options, (key) => `${key} needs the request side that attach installs: use attach(instance, options)`);
  const pair = createBackoff(instance, options);
  // `use(backoff(api))`, the spread forgotten, registers the pair as one success handler that
  // axios skips (it is not a function): nothing would ever be retried. Mend it, and say so.
  queueMicrotask(() => mendUnspread(instance, pair));
  return pair;
}

interface Handler {
  fulfilled?: unknown;
  rejected?: unknown;
}

function mendUnspread(instance: AxiosInstance, pair: ResponseInterceptorPair): void {
  const handlers = (instance.interceptors.response as { handlers?: Array<Handler | null> }).handlers;
  const handler = Array.isArray(handlers) ? handlers.find((h) => h?.fulfilled === pair) : undefined;
  if (!handler) return;
  [handler.fulfilled, handler.rejected] = pair;
  console.warn('axios-backoff: interceptors.response.use(backoff(api)) registered the pair as one function; '
    + 'it has been mended, but write interceptors.response.use(...backoff(api))');
}
