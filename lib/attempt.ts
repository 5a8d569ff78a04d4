import { isCancel, type AxiosError, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { sanitizeDelay } from './clock';
import type { LaneResult } from './coordination/lane';
import { classify, decide, type Failure } from './decision';
import { headerValue, serverWait, type HeaderBag } from './headers';
import { resetWait } from './ratelimit-headers';
import { bodyToReplay, unreplayableBody } from './replay';
import type { BackoffState, Classification, Decision, Outcome, ResolvedOptions, StopReason } from './types';

/** One failed attempt: an error axios raised, or a response `classify` called a failure. */
export interface Attempt {
  readonly config: AxiosRequestConfig;
  readonly error: AxiosError | undefined;
  readonly response: AxiosResponse | undefined;
  readonly options: ResolvedOptions;
  readonly state: BackoffState;
  readonly failure: Failure;
  readonly outcome: Outcome;
}

/** `classify`'s verdict on a response; a classifier that throws has said nothing. */
export function verdictOn(response: AxiosResponse | undefined, options: ResolvedOptions): Classification | undefined {
  if (!response || !options.classify) return undefined;
  try {
    return options.classify(response) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The wait the server asked for: Retry-After, and for a rate limit also the reset headers and the verdict's wait. */
function waitOf(response: AxiosResponse | undefined, verdict: Classification | undefined, limited: boolean, now: number) {
  if (!response) return undefined;
  const headers = response.headers as HeaderBag;
  const retryAfter = serverWait(headers, now);
  if (!limited) return retryAfter;
  const said = [retryAfter, resetWait(headers, now), verdict?.kind === 'rate-limited' ? verdict.wait : undefined];
  const known = said.filter((w): w is number => w !== undefined).map(sanitizeDelay);
  return known.length > 0 ? Math.max(...known) : undefined;
}

export function attemptOf(
  parts: { config: AxiosRequestConfig; error?: AxiosError; response?: AxiosResponse; verdict?: Classification },
  options: ResolvedOptions,
  state: BackoffState,
  now: number,
): Attempt {
  const { config, error, verdict } = parts;
  const response = parts.response ?? error?.response;
  const facts = { cancelled: error !== undefined && isCancel(error), status: response?.status, code: error?.code };
  const base: Failure = { ...facts, serverWait: undefined, classification: verdict };
  const outcome = classify({ ...base, serverWait: serverWait(response?.headers as HeaderBag, now) }, options.statusCodes);
  const failure: Failure = { ...base, serverWait: waitOf(response, verdict, outcome === 'rate-limited', now) };
  return { config, error, response, options, state, failure, outcome: classify(failure, options.statusCodes) };
}

function idempotencyKeyed(config: AxiosRequestConfig, header: string | undefined): boolean {
  if (header === undefined) return false;
  const value = headerValue(config.headers as HeaderBag, header);
  return value !== undefined && value.trim() !== '';
}

/** The safety matrix, then the user's shouldRetry while retries remain. */
export async function decision(a: Attempt): Promise<Decision> {
  const method = (a.config.method ?? 'get').toLowerCase();
  const idempotent = idempotencyKeyed(a.config, a.options.idempotencyHeader);
  const canResign = a.options.resign !== undefined;
  const base = decide({ outcome: a.outcome, method, attempt: a.state.attempt, idempotent, canResign }, a.options);
  const { shouldRetry } = a.options;
  if (!shouldRetry || !a.error || a.outcome === 'cancelled' || a.state.attempt >= a.options.retries) return base;
  const ctx = { attempt: a.state.attempt + 1, outcome: a.outcome, decision: base, method, state: a.state };
  const verdict = await shouldRetry(a.error, ctx);
  if (verdict === undefined) return base;
  return verdict ? { kind: 'retry' } : { kind: 'stop', reason: 'vetoed' };
}

/** The strategy's delay, floored by the server's word: a custom strategy cannot undercut it. */
export function nextDelay(a: Attempt): number {
  const previousDelay = a.state.delays[a.state.delays.length - 1] ?? 0;
  let planned: number;
  try {
    planned = sanitizeDelay(a.options.strategy({ attempt: a.state.attempt + 1, previousDelay }));
  } catch {
    planned = 0;
  }
  return Math.max(planned, sanitizeDelay(a.failure.serverWait));
}

/** Checks after "yes, retry": can the body be sent again, and is the wait acceptable. */
export function blocker(a: Attempt, delay: number, now: number): StopReason | undefined {
  if (unreplayableBody(bodyToReplay(a.config, a.state.snapshot))) return 'body-not-replayable';
  const server = a.failure.serverWait;
  if (server !== undefined && server > a.options.maxRetryAfter) return 'retry-after-too-long';
  if (now + delay - a.state.startedAt > a.options.maxElapsed) return 'max-elapsed';
  return undefined;
}

/** What the origin's gate learns from an attempt. */
export function laneResult(a: Attempt): LaneResult {
  const wait = a.failure.serverWait;
  if (a.outcome === 'rate-limited') return { kind: 'rate-limited', wait };
  if (a.outcome === 'unknown') return { kind: 'unknown', wait };
  return a.response ? { kind: 'success' } : { kind: 'neutral', wait };
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

export function timedOut(a: Attempt): boolean {
  return TIMEOUT_CODES.has(a.error?.code ?? '');
}
