import { AxiosError as AxiosErrorClass, CanceledError, isAxiosError, type InternalAxiosRequestConfig } from 'axios';
import type { AxiosError, AxiosRequestConfig, AxiosResponse } from 'axios';
import { attemptOf, matrixDecision, methodOf, replayable, timedOut, verdictOn, type Attempt } from './attempt';
import { systemClock, type Clock } from './clock';
import { isHeldError, NO_COORDINATION, type Coordinator } from './coordinator';
import { refuseWait } from './decision';
import { carry } from './info';
import { optionsForRequest, resolveOptions } from './options';
import { delayBefore } from './strategies';
import { nextConfig, unreplayableBody, bodyToReplay } from './replay';
import { endState, freshState, liveState } from './state';
import type {
  BackoffErrorInfo, BackoffState, Decision, Outcome, ResolvedOptions, ResponseInterceptorPair, RetryOptions, StopReason,
} from './types';
import { sleep, type AbortSignalLike } from './wait';

// err.backoff.message: why it stopped, in a few words.
const STOP_MESSAGES: Record<StopReason, string> = {
  'not-retryable': 'a final failure (not in statusCodes, nor a network fault worth retrying)',
  'unsafe-method': 'the server may have acted on it, and the method is not idempotent',
  'needs-resign': 'a signed request was refused as stale, or would be by the time it could be sent: set resign to renew its timestamp and signature',
  'retries-exhausted': 'no retries left',
  'retry-after-too-long': 'the server asked for a wait longer than maxRetryAfter',
  'max-elapsed': 'the next wait would end past maxElapsed',
  'body-not-replayable': 'the body cannot be sent twice',
  vetoed: 'shouldRetry said no',
  'hook-failed': 'a hook threw',
  'budget-exhausted': 'the retry budget of the origin is spent',
  'held-too-long': 'timed out while held back',
  cancelled: 'aborted',
};

export function cancelError(config: AxiosRequestConfig): AxiosError {
  // axios' runtime signature is (message, config, request); its typings inherit AxiosError's.
  const Ctor = CanceledError as unknown as new (message: string | undefined, config: unknown) => AxiosError;
  return new Ctor(undefined, config);
}

/** Thrown inside the retry path to stop it; turned into the caller's own error or response. */
class Stop {
  constructor(readonly reason: StopReason, readonly hookError?: unknown) {}
}

/** The caller aborted while we waited: axios' cancel error, and no hook after that. */
class Aborted {}

function stopMessage(a: Attempt, stop: Stop): string {
  if (stop.reason === 'body-not-replayable') return unreplayableBody(bodyToReplay(a.config, a.state.snapshot)) ?? '';
  const verdict = a.failure.classification;
  if (stop.reason === 'not-retryable' && verdict?.kind === 'fatal' && verdict.reason) return verdict.reason;
  return STOP_MESSAGES[stop.reason];
}

function callGiveUp(options: ResolvedOptions, state: BackoffState, info: BackoffErrorInfo, error: AxiosError | undefined, response?: AxiosResponse): void {
  if (!options.onGiveUp || info.reason === 'cancelled' || (!error && !response)) return;
  // A successful status that `classify` called a failure (an order answered 200 with an
  // "outcome unknown" code): the caller gets the response; the hook gets an error made for it.
  const told = error ?? new AxiosErrorClass(info.message, 'ERR_BACKOFF_GAVE_UP', response?.config as InternalAxiosRequestConfig, response?.request, response);
  try {
    options.onGiveUp({ attempt: state.attempt, reason: info.reason, outcome: info.outcome, error: told, response: error?.response ?? response, state });
  } catch {
    // The caller's error is what they handle; a failing logger must not replace it.
  }
}

// Outcomes that say this attempt was not acted on; an earlier attempt of the same request may have been.
const NOT_ACTED: ReadonlySet<Outcome> = new Set(['rate-limited', 'not-processed', 'resign']);

/** What the server can have done with the request, over all its attempts, whoever sent them. */
function outcomeOf(a: Attempt): Outcome {
  return a.state.snapshot?.acted && NOT_ACTED.has(a.outcome) ? 'unknown' : a.outcome;
}

/** Lets the attempt's own result through, with our facts beside it: the error thrown, or the response returned. */
function finish(a: Attempt, stop: Stop): AxiosResponse {
  endState(a.state);
  const info: BackoffErrorInfo = {
    outcome: outcomeOf(a),
    reason: stop.reason,
    attempts: a.state.attempt + 1,
    message: stopMessage(a, stop),
    ...(stop.hookError === undefined ? {} : { hookError: stop.hookError }),
  };
  callGiveUp(a.options, a.state, info, a.error, a.response);
  carry(info, a.response);
  if (a.error) {
    a.error.backoff = info;
    throw a.error;
  }
  const response = a.response as AxiosResponse;
  response.backoff = info;
  return response;
}

/** The safety matrix, then the user's shouldRetry while retries remain (it cannot go past them). */
async function decision(a: Attempt): Promise<Decision> {
  const base = matrixDecision(a);
  const { shouldRetry } = a.options;
  if (!shouldRetry || !a.error || a.outcome === 'cancelled' || a.state.attempt >= a.options.retries) return base;
  const ctx = { attempt: a.state.attempt + 1, outcome: a.outcome, decision: base, method: methodOf(a), state: a.state };
  const verdict = await shouldRetry(a.error, ctx);
  if (verdict === undefined) return base;
  return verdict ? { kind: 'retry' } : { kind: 'stop', reason: 'vetoed' };
}

/**
 * A failed answer's body that nobody will read: with `responseType: 'stream'` it holds its
 * socket until read or destroyed, and a keep-alive agent with few sockets would run dry.
 */
function releaseBody(response: AxiosResponse | undefined): void {
  const body = response?.data as { destroy?: () => void; cancel?: () => Promise<void>; pipe?: unknown } | undefined;
  if (!body || typeof body !== 'object') return;
  try {
    if (typeof body.pipe === 'function' && typeof body.destroy === 'function') body.destroy();
    else if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) void body.cancel().catch(() => undefined);
  } catch {
    // A body that cannot be released is left to its socket's timeout.
  }
}

/** An error the gate raised for a request it never let out: reported, never retried. */
function heldBack(error: AxiosError, options: ResolvedOptions): never {
  const state = error.config?.backoffState;
  if (state && error.backoff) {
    endState(state);
    callGiveUp(options, state, error.backoff, error);
  }
  throw error;
}

/**
 * The response interceptor pair. `clock` is a parameter so tests can drive time;
 * users call `backoff` from index, which passes the system clock.
 */
/** Where a retry is sent: the instance (so its request interceptors run again), or `backoffAdapter`'s own send. */
export interface Dispatcher {
  request(config: AxiosRequestConfig): Promise<AxiosResponse>;
}

export function createBackoff(
  instance: Dispatcher,
  userOptions: RetryOptions = {},
  clock: Clock = systemClock,
  coordinator: Coordinator = NO_COORDINATION,
): ResponseInterceptorPair {
  const resolved = resolveOptions(userOptions);
  /** The request's options: resolved once, when it was first seen, and carried with its state. */
  const optionsOf = (config: AxiosRequestConfig | undefined): ResolvedOptions | undefined => {
    const state = config?.backoffState;
    if (state?.snapshot?.live && state.snapshot.options) return state.snapshot.options;
    return optionsForRequest(userOptions, resolved, config?.backoff);
  };

  /** Decides, waits and re-dispatches; throws Stop when it will not. */
  async function retry(a: Attempt): Promise<AxiosResponse> {
    if (a.outcome === 'cancelled') throw new Stop('cancelled');
    let verdict;
    try {
      verdict = await decision(a);
    } catch (hookError) {
      throw new Stop('hook-failed', hookError);
    }
    if (verdict.kind === 'stop') throw new Stop(verdict.reason);
    const serverWait = a.failure.serverWait;
    const previousDelay = a.state.delays[a.state.delays.length - 1] ?? 0;
    const planned = delayBefore(a.options.strategy, { attempt: a.state.attempt + 1, previousDelay }, serverWait);
    // During an outage the gate spaces the probes: the retry need not also sleep its own backoff.
    const delay = coordinator.spaces(a.config) ? 0 : planned;
    if (!replayable(a)) throw new Stop('body-not-replayable');
    let signedUntil: number | undefined;
    try {
      // The retry replays the request as recorded before the interceptors: stamped there, it goes stale
      // (signed before axios); stamped by an interceptor, it is stamped anew, and the check has nothing to see.
      const replayed = a.state.snapshot?.request;
      signedUntil = a.options.resign || !replayed ? undefined : a.options.signedUntil?.({ ...replayed, backoffState: a.state } as AxiosRequestConfig);
    } catch (failure) {
      throw new Stop('hook-failed', failure);
    }
    const refused = refuseWait({ delay, serverWait, now: clock.now(), startedAt: a.state.startedAt, signedUntil }, a.options);
    if (refused) throw new Stop(refused);
    // The budget guards against outages: a rate limit is waited out as the server asks, never drawn on.
    if (a.outcome !== 'rate-limited') {
      if (!(await coordinator.acquire(a.config, timedOut(a)))) throw new Stop('budget-exhausted');
      if (a.state.snapshot) a.state.snapshot.drew = true;
    }
    const attempt = a.state.attempt + 1;
    const next: BackoffState = { attempt, delays: [...a.state.delays, delay], startedAt: a.state.startedAt, snapshot: a.state.snapshot };
    const ctx = { attempt, delay, serverDelay: a.failure.serverWait, outcome: a.outcome, error: a.error, state: a.state };
    coordinator.observe(a.config, { type: 'retry', attempt, delay, outcome: a.outcome, status: a.response?.status });
    // The server may have acted on this attempt: whatever becomes of the retries, the request's outcome is unknown.
    if (a.outcome === 'unknown' && a.state.snapshot) a.state.snapshot.acted = true;
    let config = nextConfig(a.config, a.state.snapshot, next);
    releaseBody(a.response);
    try {
      await a.options.onRetry?.(ctx);
      await sleep(delay, clock, a.config.signal as AbortSignalLike | undefined);
      config = { ...((await a.options.resign?.(config, ctx)) ?? config), backoffState: next };
    } catch (failure) {
      if ((a.config.signal as AbortSignalLike | undefined)?.aborted) throw new Aborted();
      throw new Stop('hook-failed', failure);
    }
    return instance.request(config);
  }

  /** Retries, or lets the result through. */
  async function handle(a: Attempt): Promise<AxiosResponse> {
    try {
      return await retry(a);
    } catch (stop) {
      if (stop instanceof Aborted) {
        endState(a.state);
        throw cancelError(a.config);
      }
      if (stop instanceof Stop) {
        if (stop.reason !== 'cancelled') {
          const status = a.response?.status;
          coordinator.observe(a.config, { type: 'give-up', reason: stop.reason, outcome: outcomeOf(a), attempts: a.state.attempt + 1, status });
        }
        return finish(a, stop);
      }
      throw stop;
    }
  }

  const onFulfilled = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    // An interceptor before this one may have unwrapped the response (`r => r.data`): not ours to read.
    const config = (response as AxiosResponse | undefined)?.config;
    const options = config ? optionsOf(config) : undefined;
    if (!config || !options) return response;
    const state = (config.backoffState ??= freshState(clock.now()));
    const verdict = verdictOn(response, options);
    if (!verdict || verdict.kind === 'ok') {
      if (state.snapshot?.live) coordinator.refund(config, state.snapshot.drew);
      endState(state);
      return response;
    }
    return handle(attemptOf({ config, response, verdict }, options, state, clock.now()));
  };

  const onRejected = async (error: unknown): Promise<AxiosResponse> => {
    if (isHeldError(error)) {
      const info = error.backoff;
      if (info && error.config) {
        coordinator.observe(error.config, { type: 'give-up', reason: info.reason, outcome: info.outcome, attempts: info.attempts, status: undefined });
      }
      heldBack(error, optionsOf(error.config) ?? resolved);
    }
    // Already decided, at a nested level (an interceptor before this one re-sent the request and
    // handed its final error on): retrying it again would multiply the retries.
    if (!isAxiosError(error) || !error.config || error.backoff) throw error;
    const config = error.config;
    const options = optionsOf(config);
    if (!options) throw error;
    const state = liveState(config) ?? freshState(clock.now());
    if (state.snapshot && !state.snapshot.options) state.snapshot.options = options;
    config.backoffState = state;
    const verdict = verdictOn(error.response, options);
    return handle(attemptOf({ config, error, verdict }, options, state, clock.now()));
  };

  return [onFulfilled, onRejected] as ResponseInterceptorPair;
}
