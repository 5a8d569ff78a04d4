import { AxiosError, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { MAX_DELAY } from '../clock';
import { HELD } from '../coordinator';
import { SIGNED_MARGIN } from '../decision';
import { show } from '../describe';
import type { BackoffErrorInfo, BackoffState, Outcome, ResolvedOptions, StopReason } from '../types';
import type { Deadline } from './held';

// How long a request may be held at the gate, and the errors of one that may not be: its
// maxRetryAfter, its timeout and maxElapsed, and a signature nothing can renew.

/** An error for a request the gate did not send: reported with our facts, never retried. */
export function heldError(config: AxiosRequestConfig, code: string, message: string, reason: StopReason, outcome: Outcome): AxiosError {
  // A request object, though nothing was sent: exchange SDKs rethrow an error without one as its
  // message alone, a string that keeps neither this error nor our facts.
  const error = new AxiosError(message, code, config as InternalAxiosRequestConfig, {});
  const snapshot = config.backoffState?.snapshot;
  // The request never left this time, but an earlier attempt, whoever sent it, may have been acted on.
  const info: BackoffErrorInfo = {
    outcome: snapshot?.acted ? 'unknown' : outcome,
    reason,
    attempts: config.backoffState?.attempt ?? 0,
    message,
  };
  error.backoff = info;
  (error as AxiosError & { [HELD]?: true })[HELD] = true;
  return error;
}

/**
 * The error for a request that may not wait out `cooling` ms (a cooldown, or a limit the server
 * declared, as `what` says): longer than maxRetryAfter, past maxElapsed, or past the end of its
 * signature's validity when nothing can renew it; undefined when it may wait.
 */
export function refusal(
  config: AxiosRequestConfig,
  cooling: number,
  now: number,
  key: string,
  what: string,
  options: ResolvedOptions,
  state: BackoffState,
): AxiosError | undefined {
  if (cooling > options.maxRetryAfter) {
    const message = `${key} ${what} ${cooling} ms, longer than maxRetryAfter (${options.maxRetryAfter} ms)`;
    return heldError(config, 'ERR_BACKOFF_HELD', message, 'retry-after-too-long', 'rate-limited');
  }
  if (now + cooling - state.startedAt > options.maxElapsed) {
    const message = `${key} ${what} ${cooling} ms, past maxElapsed (${options.maxElapsed} ms)`;
    return heldError(config, 'ERR_BACKOFF_HELD', message, 'max-elapsed', 'rate-limited');
  }
  let signedUntil: number | undefined;
  try {
    signedUntil = cooling === 0 ? undefined : signedUntilOf(options, config);
  } catch (failure) {
    return hookFailed(config, key, 'signedUntil', failure);
  }
  if (signedUntil !== undefined && now + cooling > signedUntil - SIGNED_MARGIN) {
    const message = `${key} ${what} ${cooling} ms, past the end of the signed request's validity in ${Math.max(0, signedUntil - now)} ms: set resign to renew it`;
    return heldError(config, 'ERR_BACKOFF_HELD', message, 'needs-resign', 'rate-limited');
  }
  return undefined;
}

/**
 * The nearer of the request's timeout and its maxElapsed budget, as a timer and the error it
 * raises; none past 2^31-1 ms, where a timer would fire at once.
 */
export function holdDeadline(config: AxiosRequestConfig, options: ResolvedOptions, state: BackoffState, now: number, key: string): Deadline | undefined {
  const limit = timeLimit(config, options, state, now, key);
  // A hold of no known length (a probe, a pace, the ramp) must not outlast a signature nothing can renew.
  const signedUntil = signedUntilOf(options, config);
  const signedIn = signedUntil === undefined ? Infinity : Math.max(0, signedUntil - SIGNED_MARGIN - now);
  if (!(signedIn < (limit?.in ?? Infinity))) return limit;
  return {
    in: signedIn,
    error: (why) => heldError(config, 'ERR_BACKOFF_HELD', `the signed request would be stale when sent, held ${why} ${key}: set resign to renew it`, 'needs-resign', 'not-processed'),
  };
}

/** The nearer of the request's timeout and its maxElapsed budget. */
function timeLimit(config: AxiosRequestConfig, options: ResolvedOptions, state: BackoffState, now: number, key: string): Deadline | undefined {
  const timeout = config.timeout && config.timeout > 0 ? config.timeout : Infinity;
  const budget = state.startedAt + options.maxElapsed - now;
  if (!(Math.min(timeout, budget) <= MAX_DELAY)) return undefined;
  if (timeout <= budget) {
    const code = config.transitional?.clarifyTimeoutError ? 'ETIMEDOUT' : 'ECONNABORTED';
    return {
      in: timeout,
      error: (why) => heldError(config, code, `timeout of ${timeout}ms exceeded ${why} ${key}`, 'held-too-long', 'not-processed'),
    };
  }
  return {
    in: Math.max(0, budget),
    error: (why) => heldError(config, 'ERR_BACKOFF_HELD', `maxElapsed (${options.maxElapsed} ms) ran out ${why} ${key}`, 'max-elapsed', 'not-processed'),
  };
}

/**
 * When the server stops accepting the request as signed; undefined for one that is not signed, or
 * that `resign` renews. A hook that throws throws: the request fails with `hook-failed`, as it does
 * when the hook throws before a retry, rather than go out on a validity nobody could tell.
 */
function signedUntilOf(options: ResolvedOptions, config: AxiosRequestConfig): number | undefined {
  return options.resign ? undefined : options.signedUntil?.(config);
}

/**
 * The error of a request held at the gate whose `signedUntil` or `resign` threw: the hook's error in
 * `backoff.hookError`, as a retry's carries it, and as the error's `cause`.
 */
export function hookFailed(config: AxiosRequestConfig, key: string, hook: string, failure: unknown): AxiosError {
  let why: string;
  try {
    why = failure instanceof Error ? String(failure.message) : show(failure);
  } catch {
    why = 'an error that cannot be read';
  }
  const error = heldError(config, 'ERR_BACKOFF_HELD', `${key} held the request, and ${hook} threw: ${why}`, 'hook-failed', 'not-processed');
  error.backoff = { ...(error.backoff as BackoffErrorInfo), hookError: failure };
  (error as { cause?: unknown }).cause = failure;
  return error;
}
