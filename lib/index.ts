import type { AxiosInstance } from 'axios';
import { createAttach } from './attach';
import { COORDINATION_KEYS } from './coordination/settings';
import { createBackoff } from './interceptor';
import type { BackoffOptions, ResponseInterceptorPair } from './types';

export { constant, decorrelatedJitter, exponential, linear } from './strategies';
export type { DecorrelatedJitterOptions, ExponentialOptions, LinearOptions } from './strategies';
export { DEFAULT_METHODS, DEFAULT_STATUS_CODES } from './options';
export { presets } from './presets';
export type { Preset, PresetOptions } from './presets';
export { resetWait } from './ratelimit-headers';
export { parseRetryAfter } from './headers';
export { memoryStore } from './coordination/store';
export type { BackoffStore, BreakerState, BucketName, PaceState, TakeResult } from './coordination/store';
export type { BucketSpec } from './coordination/bucket';
export type { BudgetOptions, CoordinationOptions, ProbingOptions } from './coordination/settings';
export type {
  BackoffErrorInfo, BackoffOptions, BackoffState, Classification, Classifier, Decision, GiveUpContext,
  Jitter, Outcome, ResponseInterceptorPair, RetryContext, ShouldRetryContext, StopReason, Strategy, StrategyContext,
} from './types';

/**
 * Installs backoff on an axios instance: a request side that records each request
 * as made and holds it while its server is rate-limiting or down, and the response
 * interceptor that retries. Returns a function that removes both.
 */
export function attach(instance: AxiosInstance, options?: BackoffOptions): () => void {
  return createAttach(instance, options);
}

/** The response interceptor pair, for `instance.interceptors.response.use(...backoff(instance))`. */
export function backoff(instance: AxiosInstance, options?: BackoffOptions): ResponseInterceptorPair {
  const shared = COORDINATION_KEYS.find((key) => options?.[key] !== undefined);
  if (shared) throw new TypeError(`${shared} needs the request side that attach installs: use attach(instance, options)`);
  return createBackoff(instance, options);
}
