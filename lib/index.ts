import type { AxiosInstance } from 'axios';
import { createAttach } from './attach';
import { COORDINATION_KEYS } from './coordination/settings';
import { createBackoff } from './interceptor';
import type { BackoffOptions, ResponseInterceptorPair } from './types';

export { constant, decorrelatedJitter, exponential, linear } from './strategies';
export type { DecorrelatedJitterOptions, ExponentialOptions, LinearOptions } from './strategies';
export { DEFAULT_METHODS, DEFAULT_STATUS_CODES } from './options';
export type {
  BackoffErrorInfo, BackoffOptions, BackoffState, Decision, GiveUpContext, Jitter, Outcome,
  ResponseInterceptorPair, RetryContext, ShouldRetryContext, StopReason, Strategy, StrategyContext,
} from './types';

/**
 * Installs backoff on an axios instance: a request interceptor that records each
 * request as made, and the response interceptor that retries. Returns detach.
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
