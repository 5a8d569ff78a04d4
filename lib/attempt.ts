import { isCancel, type AxiosError, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { sanitizeDelay } from './clock';
import { classify, decide, notSent, type Failure } from './decision';
import { headerValue, serverWait, type HeaderBag } from './headers';
import { resetWait } from './ratelimit-headers';
import { bodyToReplay, unreplayableBody } from './replay';
import type { BackoffState, Classification, Decision, Outcome, ResolvedOptions } from './types';

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

/**
 * The response as a classifier expects it, where axios has not parsed the body yet (at the
 * transport, in `backoffAdapter`): a copy whose JSON text is parsed when `data` is first read,
 * and only then (many answers are read by status and headers alone).
 */
function parsedView(response: AxiosResponse): AxiosResponse {
  const raw: unknown = response.data;
  if (typeof raw !== 'string') return response;
  let parsed: unknown;
  let read = false;
  const view = { ...response };
  Object.defineProperty(view, 'data', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!read) {
        read = true;
        try {
          parsed = JSON.parse(raw);
        } catch {
          parsed = raw;
        }
      }
      return parsed;
    },
  });
  return view;
}

/**
 * Where the transport leaves its reading of a response, so the response side reads the same and
 * parses the body once: axios hands the same response object on after its transforms. Registered,
 * so two copies of the package read each other's.
 */
const VERDICT = Symbol.for('axios-backoff.verdict');
type Read = AxiosResponse & { [VERDICT]?: Classification | null };

/** `classify`'s verdict on a response, read once; a classifier that throws has said nothing. */
export function verdictOn(response: AxiosResponse | undefined, options: ResolvedOptions): Classification | undefined {
  if (!response || !options.classify) return undefined;
  const read = response as Read;
  const known = read[VERDICT];
  if (known !== undefined) return known ?? undefined;
  let verdict: Classification | undefined;
  try {
    verdict = options.classify(parsedView(response)) ?? undefined;
  } catch {
    verdict = undefined;
  }
  try {
    Object.defineProperty(read, VERDICT, { value: verdict ?? null, configurable: true });
  } catch {
    // A frozen response is read again next time.
  }
  return verdict;
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

/**
 * The error's code, or its cause's where that proves the request never left: the fetch adapter
 * reports a refused connection as ERR_NETWORK caused by ECONNREFUSED, which the http adapter names.
 */
function codeOf(error: AxiosError | undefined): string | undefined {
  if (error?.code !== 'ERR_NETWORK') return error?.code;
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof cause === 'string' && notSent(cause) ? cause : error.code;
}

export function attemptOf(
  parts: { config: AxiosRequestConfig; error?: AxiosError; response?: AxiosResponse; verdict?: Classification },
  options: ResolvedOptions,
  state: BackoffState,
  now: number,
): Attempt {
  const { config, error, verdict } = parts;
  const response = parts.response ?? error?.response;
  const facts = { cancelled: error !== undefined && isCancel(error), status: response?.status, code: codeOf(error) };
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

/** The safety matrix's answer for this attempt (before the user's shouldRetry). */
export function matrixDecision(a: Attempt): Decision {
  const method = methodOf(a);
  const idempotent = idempotencyKeyed(a.config, a.options.idempotencyHeader);
  const canResign = a.options.resign !== undefined;
  return decide({ outcome: a.outcome, method, attempt: a.state.attempt, idempotent, canResign }, a.options);
}

export function methodOf(a: Attempt): string {
  return (a.config.method ?? 'get').toLowerCase();
}

/** Whether the body a retry would send can be sent again. */
export function replayable(a: Attempt): boolean {
  return unreplayableBody(bodyToReplay(a.config, a.state.snapshot)) === undefined;
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

export function timedOut(a: Attempt): boolean {
  return TIMEOUT_CODES.has(a.error?.code ?? '');
}
