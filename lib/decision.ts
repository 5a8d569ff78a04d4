import type { Classification, Decision, Outcome, ResolvedOptions, StopReason } from './types';

/** Just the facts of a failed attempt that the decision needs. */
export interface Failure {
  readonly cancelled: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** The server named a wait (Retry-After). */
  readonly serverWait: number | undefined;
  /** What `classify` read in the response, if it said anything. */
  readonly classification?: Classification;
}

// The connection was never made: the request cannot have reached the server.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
// axios refused the request before sending it (a bad option, URL or adapter), or followed too many redirects.
const NEVER_SENT = new Set([
  'ERR_BAD_OPTION', 'ERR_BAD_OPTION_VALUE', 'ERR_INVALID_URL', 'ERR_NOT_SUPPORT', 'ERR_DEPRECATED', 'ERR_FR_TOO_MANY_REDIRECTS',
]);

/** The connection was never made: a network code that proves the request did not leave. */
export function notSent(code: string): boolean {
  return NOT_SENT.has(code);
}
const NOT_PROCESSED_STATUS = new Set([408, 425]);

const VERDICTS: Record<Classification['kind'], Outcome> = {
  // `ok` on a response axios rejected: classify cannot turn an error into a success (validateStatus can).
  ok: 'rejected',
  'rate-limited': 'rate-limited',
  transient: 'not-processed',
  unknown: 'unknown',
  resign: 'resign',
  fatal: 'rejected',
};

/** Which row of the safety matrix a failed attempt falls in; a `classify` verdict outranks the status. */
export function classify(failure: Failure, statusCodes: ReadonlySet<number>): Outcome {
  if (failure.cancelled) return 'cancelled';
  if (failure.classification) return VERDICTS[failure.classification.kind];
  const { status, code } = failure;
  if (status === undefined) {
    // Anything else may have been sent: a reset, a timeout, a body cut short, a socket error
    // of fetch (UND_ERR_SOCKET), a network error that names no cause (axios-mock-adapter's
    // networkError(), a browser's XHR). The server may have acted: an unknown outcome.
    if (code !== undefined && NOT_SENT.has(code)) return 'not-processed';
    return code !== undefined && NEVER_SENT.has(code) ? 'rejected' : 'unknown';
  }
  if (!statusCodes.has(status)) return 'rejected';
  if (status === 429) return 'rate-limited';
  // Binance bans with 418 + Retry-After; a bare 418 is a teapot, not a rate limit.
  if (status === 418) return failure.serverWait === undefined ? 'rejected' : 'rate-limited';
  if (NOT_PROCESSED_STATUS.has(status)) return 'not-processed';
  return 'unknown';
}

export interface DecisionInput {
  readonly outcome: Outcome;
  readonly method: string;
  /** Retries already made. */
  readonly attempt: number;
  /** The request carries the configured idempotency header. */
  readonly idempotent: boolean;
  /** A `resign` hook is set, so a stale signature can be refreshed. */
  readonly canResign: boolean;
}

/** The safety matrix: retry only what the server cannot have acted on, or what is safe to repeat. */
export function decide(input: DecisionInput, options: ResolvedOptions): Decision {
  const { outcome } = input;
  if (outcome === 'cancelled') return { kind: 'stop', reason: 'cancelled' };
  if (outcome === 'rejected') return { kind: 'stop', reason: 'not-retryable' };
  if (outcome === 'resign' && !input.canResign) return { kind: 'stop', reason: 'needs-resign' };
  if (outcome === 'unknown' && !input.idempotent && !options.methods.has(input.method)) {
    // A POST reset after sending may have filled: never replay blindly.
    return { kind: 'stop', reason: 'unsafe-method' };
  }
  if (input.attempt >= options.retries) return { kind: 'stop', reason: 'retries-exhausted' };
  return { kind: 'retry' };
}

export interface WaitInput {
  /** The wait before the retry, ms. */
  readonly delay: number;
  /** What the server asked for, if anything. */
  readonly serverWait: number | undefined;
  readonly now: number;
  /** When the first attempt started. */
  readonly startedAt: number;
  /** When the server stops accepting the request as signed, with no `resign` to renew it; undefined: never. */
  readonly signedUntil?: number;
}

/** A signed request sent with less of its validity left than this (ms) may arrive after it ends. */
export const SIGNED_MARGIN = 500;

/** Once the matrix said retry: a wait that is not to be started, and why, or undefined. */
export function refuseWait(input: WaitInput, options: ResolvedOptions): StopReason | undefined {
  if (input.serverWait !== undefined && input.serverWait > options.maxRetryAfter) return 'retry-after-too-long';
  if (input.now + input.delay - input.startedAt > options.maxElapsed) return 'max-elapsed';
  // Sent after its validity window, a signed request is refused: better said now than by the server.
  if (input.signedUntil !== undefined && input.now + input.delay > input.signedUntil - SIGNED_MARGIN) return 'needs-resign';
  return undefined;
}
