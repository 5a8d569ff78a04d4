import type { AxiosError, AxiosRequestConfig, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { QuotaReader, RequestCost } from './quota/types';
import type { RequestSnapshot } from './replay';

/** Jitter applied to a strategy's computed delay. */
export type Jitter = 'none' | 'full' | 'equal';

/** What a strategy is told when asked for the next delay. */
export interface StrategyContext {
  /** 1 for the first retry, 2 for the second… */
  readonly attempt: number;
  /** The last delay waited, in ms (0 before the first retry). */
  readonly previousDelay: number;
}

/** A backoff strategy: returns the delay in ms before the retry `ctx.attempt`. */
export type Strategy = (ctx: StrategyContext) => number;

/**
 * What the server can have done with the request.
 * - `rate-limited`: refused for rate (429, 418 with Retry-After); not processed.
 * - `not-processed`: certainly not acted on (408, 425, connection refused, DNS failure).
 * - `unknown`: may or may not have been acted on (5xx, reset, timeout).
 * - `resign`: refused for a stale timestamp, nonce or signature (a `classify` verdict); not processed.
 * - `rejected`: a final answer (other 4xx, anything not listed in `statusCodes`, a `fatal` verdict).
 * - `cancelled`: the caller aborted.
 */
export type Outcome = 'rate-limited' | 'not-processed' | 'unknown' | 'resign' | 'rejected' | 'cancelled';

/**
 * What a response means, as a `classify` function reads it from status, headers and body.
 * - `ok`: a success, whatever the status says.
 * - `rate-limited`: refused for rate, not processed; `wait` is the server's wait in ms if it named one.
 * - `transient`: a passing failure; the server certainly did not act.
 * - `unknown`: the server may have acted (an order may have been placed).
 * - `resign`: refused for a stale timestamp, nonce or signature; retried only with `resign` set.
 * - `fatal`: fail at once, even if the status is in `statusCodes` (a lockout, a long ban).
 */
export type Classification =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'rate-limited';
      /** The server's wait, ms, when it named one. */
      readonly wait?: number;
    }
  | { readonly kind: 'transient' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'resign' }
  | {
      readonly kind: 'fatal';
      /** Why, in words, for the error the caller gets. */
      readonly reason?: string;
    };

/** Reads a response, successful or not; undefined leaves it to the status code. */
export type Classifier = (response: AxiosResponse) => Classification | undefined;

/** Why a request was not retried. */
export type StopReason =
  | 'not-retryable'
  | 'unsafe-method'
  | 'retries-exhausted'
  | 'retry-after-too-long'
  | 'max-elapsed'
  | 'body-not-replayable'
  | 'vetoed'
  | 'hook-failed'
  | 'needs-resign'
  | 'budget-exhausted'
  | 'held-too-long'
  | 'cancelled';

/** The default decision for a failed attempt. */
export type Decision =
  | { readonly kind: 'retry' }
  | {
      readonly kind: 'stop';
      /** Why not. */
      readonly reason: StopReason;
    };

/** Retry metadata carried at `config.backoffState` on every attempt. */
export interface BackoffState {
  /** Retries made before this attempt: 0 on the first attempt. */
  readonly attempt: number;
  /** The delays waited before each retry so far, in ms. */
  readonly delays: readonly number[];
  /** When the first attempt started, epoch ms. */
  readonly startedAt: number;
  /** @internal the request as the caller made it, replayed on each retry, and its resolved options. */
  readonly snapshot?: RequestSnapshot;
}

/** Passed to `shouldRetry`. */
export interface ShouldRetryContext {
  /** The retry that would be made: 1 for the first. */
  readonly attempt: number;
  /** What the server can have done with the failed request. */
  readonly outcome: Outcome;
  /** What the library would do without `shouldRetry`. */
  readonly decision: Decision;
  /** The request's method, lower case. */
  readonly method: string;
  /** The retry metadata so far. */
  readonly state: BackoffState;
}

/** Passed to `onRetry`, before the wait. */
export interface RetryContext {
  /** The retry about to be made: 1 for the first. */
  readonly attempt: number;
  /** The wait before it, in ms. */
  readonly delay: number;
  /** The server's requested wait (Retry-After), if it sent one. */
  readonly serverDelay: number | undefined;
  /** What the server can have done with the failed request. */
  readonly outcome: Outcome;
  /** The failed attempt's error; undefined when `classify` called a successful response a failure. */
  readonly error: AxiosError | undefined;
  /** The retry metadata so far. */
  readonly state: BackoffState;
}

/** Passed to `onGiveUp`, when the library lets an error through. */
export interface GiveUpContext {
  /** Retries made before the last attempt. */
  readonly attempt: number;
  /** Why it stopped. */
  readonly reason: StopReason;
  /** What the server can have done with the last request. */
  readonly outcome: Outcome;
  /**
   * The error the caller's promise rejects with. For a successful status that `classify` called a
   * failure, the promise resolves with the response, and this is an error made for it (code
   * `ERR_BACKOFF_GAVE_UP`, carrying the response).
   */
  readonly error: AxiosError;
  /** The last attempt's response, if the server answered. */
  readonly response: AxiosResponse | undefined;
  /** The retry metadata of the last attempt. */
  readonly state: BackoffState;
}

/** What `err.backoff` carries when the library rejects. */
export interface BackoffErrorInfo {
  /** What the server can have done with the last request. */
  readonly outcome: Outcome;
  /** Why it stopped. */
  readonly reason: StopReason;
  /** Attempts made in all, the first included. */
  readonly attempts: number;
  /** Why it stopped, in words. */
  readonly message: string;
  /** What a hook threw, when `reason` is `hook-failed`. */
  readonly hookError?: unknown;
}

/** The options of one request's retries: what `backoff`, `config.backoff` and `attach` all take. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** Delay before each retry when the server names none. Default `exponential()`. */
  strategy?: Strategy;
  /** Statuses that may be retried. Default 408, 418, 425, 429, 500, 502, 503, 504. */
  statusCodes?: readonly number[];
  /** Methods retried when the outcome is unknown. Default GET HEAD OPTIONS PUT DELETE. */
  methods?: readonly string[];
  /** A request header whose presence makes any method retryable on unknown outcomes. */
  idempotencyHeader?: string;
  /** Veto or widen the default decision; may be async. */
  shouldRetry?: (error: AxiosError, ctx: ShouldRetryContext) => boolean | undefined | Promise<boolean | undefined>;
  /** A server-requested wait longer than this fails at once, in ms. Default 60 000. */
  maxRetryAfter?: number;
  /** Total budget across attempts, in ms. Default none. */
  maxElapsed?: number;
  /** Called before each retry's wait; may be async. */
  onRetry?: (ctx: RetryContext) => void | Promise<void>;
  /** Called when the library lets an error through. */
  onGiveUp?: (ctx: GiveUpContext) => void;
  /** Reads every response, successful or not, for what the status does not say (exchange body codes). */
  classify?: Classifier;
  /**
   * Runs before every retry is sent, for clients that sign outside axios' interceptors:
   * return the config to send (fresh timestamp, nonce, signature), or nothing to keep it.
   * With it set, `resign` verdicts (stale timestamp or nonce) are retried.
   */
  resign?: (config: AxiosRequestConfig, ctx: RetryContext) => AxiosRequestConfig | void | Promise<AxiosRequestConfig | void>;
  /**
   * When the server stops accepting this signed request, epoch ms (its timestamp plus its validity
   * window: Binance's `recvWindow`, Bybit's `X-BAPI-RECV-WINDOW`), or undefined for a request that is
   * not signed. Without `resign`, a wait that would end after it fails at once with `needs-resign`,
   * rather than send a request the server will refuse. The exchange presets set it.
   */
  signedUntil?: (config: AxiosRequestConfig) => number | undefined;
  /**
   * Reads the limits a server declares on every response, so requests are spent within them
   * without a 429. Default: the standard forms (IETF RateLimit and RateLimit-Policy, X-RateLimit-*,
   * Bybit's X-Bapi-Limit-*, KuCoin's gw-ratelimit-*); `binanceQuotas()` adds Binance's weights.
   * `false` reads none. Used by `attach` and `backoffAdapter`.
   */
  quotas?: QuotaReader | false;
  /** What a request spends against those limits: a number against each, or units per limit id. Default 1. */
  cost?: (config: AxiosRequestConfig) => RequestCost;
}

/**
 * The options shared by every request to a server (`attach` and `backoffAdapter` take them), named
 * here only to be refused by the compiler where they do not apply: per request, and on `backoff`.
 */
export type SharedOptionName = 'key' | 'cooldown' | 'pacing' | 'probing' | 'budget' | 'store' | 'onEvent';

/** Retry options, where the shared (coordination) options are refused: `config.backoff` and `backoff`. */
export type RequestOptions = RetryOptions & { readonly [K in SharedOptionName]?: never };

/** Options after validation, every default filled. */
export interface ResolvedOptions {
  readonly retries: number;
  readonly strategy: Strategy;
  readonly statusCodes: ReadonlySet<number>;
  readonly methods: ReadonlySet<string>;
  readonly idempotencyHeader: string | undefined;
  readonly shouldRetry: RetryOptions['shouldRetry'];
  readonly maxRetryAfter: number;
  readonly maxElapsed: number;
  readonly onRetry: RetryOptions['onRetry'];
  readonly onGiveUp: RetryOptions['onGiveUp'];
  readonly classify: Classifier | undefined;
  readonly resign: RetryOptions['resign'];
  readonly signedUntil: RetryOptions['signedUntil'];
  /** Undefined: the coordination's default reader (kept out of the retry core and of `backoff`'s bundle). */
  readonly quotas: QuotaReader | false | undefined;
  readonly cost: RetryOptions['cost'];
}

/** The pair `instance.interceptors.response.use(...pair)` takes. */
export type ResponseInterceptorPair = [
  (response: AxiosResponse) => AxiosResponse,
  (error: unknown) => Promise<AxiosResponse>,
];

/** The request config as the interceptors see it. */
export type AttemptConfig = InternalAxiosRequestConfig;

declare module 'axios' {
  interface AxiosRequestConfig {
    /** `false` turns retries off for this request; an object overrides the instance's options. */
    backoff?: false | RequestOptions;
    /** Retry metadata, set by axios-backoff on every attempt. */
    backoffState?: BackoffState;
  }
  interface AxiosError {
    /** Set by axios-backoff when it lets this error through. */
    backoff?: BackoffErrorInfo;
  }
  interface AxiosResponse {
    /** Set by axios-backoff when `classify` called this successful response a failure it did not retry. */
    backoff?: BackoffErrorInfo;
  }
}
