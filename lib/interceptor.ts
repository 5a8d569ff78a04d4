import { CanceledError, isAxiosError, isCancel } from 'axios';
import type { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { sanitizeDelay, systemClock, type Clock } from './clock';
import { isHeldError, type Gate } from './coordination/gate';
import type { LaneResult } from './coordination/lane';
import { classify, decide, type Failure } from './decision';
import { headerValue, serverWait } from './headers';
import { optionsForRequest, resolveOptions } from './options';
import { bodyToReplay, nextConfig, RequestSnapshot, unreplayableBody } from './replay';
import type {
  BackoffErrorInfo, BackoffOptions, BackoffState, Decision, Outcome, ResolvedOptions,
  ResponseInterceptorPair, StopReason,
} from './types';
import { sleep } from './wait';

const STOP_MESSAGES: Record<StopReason, string> = {
  'not-retryable': 'the failure is final (not in statusCodes, or not a network fault worth retrying)',
  'unsafe-method': 'the server may have acted on this request and its method is not idempotent',
  'retries-exhausted': 'no retries left',
  'retry-after-too-long': 'the server asked for a wait longer than maxRetryAfter',
  'max-elapsed': 'the next wait would end past maxElapsed',
  'body-not-replayable': 'the request body cannot be sent twice',
  vetoed: 'shouldRetry said no',
  'hook-failed': 'a hook threw',
  'budget-exhausted': "the origin's retry budget is spent: too many retries, too few successes",
  'held-too-long': 'the request timed out while held back from the server',
  cancelled: 'the request was aborted',
};

/** A state is ours to continue only while its logical request is in flight. */
export function liveState(config: AxiosRequestConfig): BackoffState | undefined {
  const state = config.backoffState;
  return state?.snapshot?.live ? state : undefined;
}

export function freshState(now: number, snapshot: RequestSnapshot): BackoffState {
  return { attempt: 0, delays: [], startedAt: now, snapshot };
}

function settle(state: BackoffState | undefined): void {
  if (state?.snapshot) state.snapshot.live = false;
}

function failureOf(error: AxiosError, now: number): Failure {
  const headers = error.response?.headers as Parameters<typeof headerValue>[0];
  return {
    cancelled: isCancel(error),
    status: error.response?.status,
    code: error.code,
    serverWait: error.response ? serverWait(headers, now) : undefined,
  };
}

export function cancelError(config: AxiosRequestConfig): AxiosError {
  // axios' runtime signature is (message, config, request); its typings inherit AxiosError's.
  const Ctor = CanceledError as unknown as new (message: string | undefined, config: unknown) => AxiosError;
  return new Ctor(undefined, config);
}

interface Attempt {
  readonly error: AxiosError;
  readonly config: AxiosRequestConfig;
  readonly options: ResolvedOptions;
  readonly state: BackoffState;
  readonly outcome: Outcome;
  readonly failure: Failure;
}

function idempotencyKeyed(config: AxiosRequestConfig, header: string | undefined): boolean {
  if (header === undefined) return false;
  const value = headerValue(config.headers as Parameters<typeof headerValue>[0], header);
  return value !== undefined && value.trim() !== '';
}

/** The safety matrix, then the user's shouldRetry while retries remain. */
async function decision(a: Attempt): Promise<Decision> {
  const method = (a.config.method ?? 'get').toLowerCase();
  const idempotent = idempotencyKeyed(a.config, a.options.idempotencyHeader);
  const base = decide({ outcome: a.outcome, method, attempt: a.state.attempt, idempotent }, a.options);
  const { shouldRetry } = a.options;
  const consult = shouldRetry && a.outcome !== 'cancelled' && a.state.attempt < a.options.retries;
  if (!consult) return base;
  const ctx = { attempt: a.state.attempt + 1, outcome: a.outcome, decision: base, method, state: a.state };
  const verdict = await shouldRetry(a.error, ctx);
  if (verdict === undefined) return base;
  return verdict ? { kind: 'retry' } : { kind: 'stop', reason: 'vetoed' };
}

/** Checks that come after "yes, retry": can it be replayed, and is the wait acceptable. */
function blocker(a: Attempt, delay: number, now: number): StopReason | undefined {
  if (unreplayableBody(bodyToReplay(a.config, a.state.snapshot))) return 'body-not-replayable';
  const server = a.failure.serverWait;
  if (server !== undefined && server > a.options.maxRetryAfter) return 'retry-after-too-long';
  if (now + delay - a.state.startedAt > a.options.maxElapsed) return 'max-elapsed';
  return undefined;
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/** What the origin's gate learns from an attempt. */
function laneResult(a: Attempt): LaneResult {
  const wait = a.failure.serverWait;
  if (a.outcome === 'rate-limited') return { kind: 'rate-limited', wait };
  if (a.outcome === 'unknown') return { kind: 'unknown', wait };
  return a.error.response ? { kind: 'success' } : { kind: 'neutral', wait };
}

function nextDelay(a: Attempt): number {
  const previousDelay = a.state.delays[a.state.delays.length - 1] ?? 0;
  let planned: number;
  try {
    planned = sanitizeDelay(a.options.strategy({ attempt: a.state.attempt + 1, previousDelay }));
  } catch {
    planned = 0;
  }
  // The server's word sets the floor; a custom strategy cannot undercut it.
  return Math.max(planned, sanitizeDelay(a.failure.serverWait));
}

function giveUp(a: Attempt, reason: StopReason, hookError?: unknown): never {
  settle(a.state);
  const detail = reason === 'body-not-replayable' ? unreplayableBody(bodyToReplay(a.config, a.state.snapshot)) : undefined;
  const info: BackoffErrorInfo = {
    outcome: a.outcome,
    reason,
    attempts: a.state.attempt + 1,
    message: detail ?? STOP_MESSAGES[reason],
    ...(hookError === undefined ? {} : { hookError }),
  };
  a.error.backoff = info;
  if (reason !== 'cancelled') {
    try {
      a.options.onGiveUp?.({ attempt: a.state.attempt, reason, outcome: a.outcome, error: a.error, state: a.state });
    } catch {
      // The caller's error is what they handle; a failing logger must not replace it.
    }
  }
  throw a.error;
}

/** An error the gate raised for a request it never let out: reported, never retried. */
function heldBack(error: AxiosError, options: ResolvedOptions): never {
  const config = error.config;
  const state = config?.backoffState;
  const info = error.backoff;
  if (state && info && info.reason !== 'cancelled') {
    settle(state);
    try {
      options.onGiveUp?.({ attempt: state.attempt, reason: info.reason, outcome: info.outcome, error, state });
    } catch {
      // The caller's error is what they handle; a failing logger must not replace it.
    }
  }
  throw error;
}

/**
 * The response interceptor pair. `clock` is a parameter so tests can drive time;
 * users call `backoff` from index, which passes the system clock.
 */
export function createBackoff(
  instance: AxiosInstance,
  userOptions: BackoffOptions = {},
  clock: Clock = systemClock,
  gate?: Gate,
): ResponseInterceptorPair {
  if (!instance || typeof instance.request !== 'function') {
    throw new TypeError(`instance must be an axios instance, got ${instance === null ? 'null' : typeof instance}`);
  }
  const resolved = resolveOptions(userOptions);

  const onFulfilled = (response: AxiosResponse): AxiosResponse => {
    const config = response.config;
    if (config && config.backoff !== false) {
      const state = (config.backoffState ??= freshState(clock.now(), new RequestSnapshot(undefined)));
      if (gate && state.lease) {
        gate.settle(state.lease, { kind: 'success' });
        gate.refund(config, state.attempt);
      }
      settle(state);
    }
    return response;
  };

  const onRejected = async (error: unknown): Promise<AxiosResponse> => {
    if (isHeldError(error)) heldBack(error, optionsForRequest(userOptions, resolved, error.config?.backoff) ?? resolved);
    if (!isAxiosError(error) || !error.config) throw error;
    const config = error.config;
    const options = optionsForRequest(userOptions, resolved, config.backoff);
    if (!options) throw error;
    const state = liveState(config) ?? freshState(clock.now(), new RequestSnapshot(undefined));
    config.backoffState = state;
    const failure = failureOf(error, clock.now());
    const a: Attempt = { error, config, options, state, outcome: classify(failure, options.statusCodes), failure };
    if (gate && state.lease) gate.settle(state.lease, laneResult(a));
    if (a.outcome === 'cancelled') giveUp(a, 'cancelled');

    let verdict: Decision;
    try {
      verdict = await decision(a);
    } catch (hookError) {
      giveUp(a, 'hook-failed', hookError);
    }
    if (verdict.kind === 'stop') giveUp(a, verdict.reason);

    const delay = gate?.probing(config) ? 0 : nextDelay(a);
    const blocked = blocker(a, delay, clock.now());
    if (blocked) giveUp(a, blocked);
    if (gate && !(await gate.spendRetry(config, TIMEOUT_CODES.has(error.code ?? '')))) giveUp(a, 'budget-exhausted');

    const attempt = state.attempt + 1;
    try {
      await options.onRetry?.({ attempt, delay, serverDelay: failure.serverWait, outcome: a.outcome, error, state });
    } catch (hookError) {
      giveUp(a, 'hook-failed', hookError);
    }
    try {
      await sleep(delay, clock, config.signal as Parameters<typeof sleep>[2]);
    } catch {
      settle(state);
      throw cancelError(config);
    }
    const next: BackoffState = { ...state, attempt, delays: [...state.delays, delay], lease: undefined };
    return instance.request(nextConfig(config, state.snapshot, next));
  };

  return [onFulfilled, onRejected];
}
