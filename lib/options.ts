import { allOf, show } from './describe';
import { exponential } from './strategies';
import type { QuotaReader } from './quota/types';
import type { RetryOptions, ResolvedOptions, SharedOptionName } from './types';
import { fn, number, shape } from './validate';

/** Statuses retried when `statusCodes` is not given: 408, 418, 425, 429, 500, 502, 503, 504. */
export const DEFAULT_STATUS_CODES: readonly number[] = [408, 418, 425, 429, 500, 502, 503, 504];
/** Methods retried on unknown outcomes when `methods` is not given: the idempotent ones (lower case). */
export const DEFAULT_METHODS: readonly string[] = ['get', 'head', 'options', 'put', 'delete'];
export const DEFAULT_RETRIES = 3;
export const DEFAULT_MAX_RETRY_AFTER = 60_000;

const RETRY_KEYS: ReadonlyArray<keyof RetryOptions> = [
  'retries', 'strategy', 'statusCodes', 'methods', 'idempotencyHeader', 'shouldRetry',
  'maxRetryAfter', 'maxElapsed', 'onRetry', 'onGiveUp', 'classify', 'resign', 'signedUntil', 'quotas', 'cost',
];
/** The options every request to a server shares: `attach` (and `backoffAdapter`) only. */
export const SHARED_KEYS: ReadonlyArray<SharedOptionName> = ['key', 'cooldown', 'pacing', 'probing', 'budget', 'store', 'onEvent'];
const WITH_SHARED = new Set<string>([...RETRY_KEYS, ...SHARED_KEYS]);
const RETRY_ONLY = new Set<string>(RETRY_KEYS);

function statusCodes(name: string, value: unknown): ReadonlySet<number> {
  const valid = allOf(value, (c): c is number => Number.isInteger(c) && (c as number) >= 100 && (c as number) <= 599);
  if (!valid) throw new TypeError(`${name} must be an array of integer HTTP statuses (100-599), got ${show(value)}`);
  return new Set(value as number[]);
}

function methods(name: string, value: unknown): ReadonlySet<string> {
  const valid = allOf(value, (m): m is string => typeof m === 'string' && /^[A-Za-z]+$/.test(m));
  if (!valid) throw new TypeError(`${name} must be an array of HTTP method names, got ${show(value)}`);
  return new Set((value as string[]).map((m) => m.toLowerCase()));
}

function headerName(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) {
    throw new TypeError(`${name} must be a header name, got ${show(value)}`);
  }
  return value.toLowerCase();
}

function quotaReader(name: string, value: unknown): QuotaReader | false | undefined {
  if (value === undefined || value === false || typeof value === 'function') return value as QuotaReader | false | undefined;
  throw new TypeError(`${name} must be a reader (headers, now) => readings, or false, got ${show(value)}`);
}

/** Drops keys whose value is undefined, so they never erase a default. */
export function defined<T extends object>(options: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as T;
}

const MS = { min: 0, unit: 'ms', note: '(Infinity for none)' };
const defaultStrategy = exponential();

/**
 * Validates user options once and fills every default. Never mutates its input.
 * `where` names the source in messages: `options` for attach/backoff, `config.backoff` per request.
 * `shared` lets the coordination options through, for `attach` to resolve on its own.
 */
export function resolveOptions(options: RetryOptions = {}, where = 'options', shared = false): ResolvedOptions {
  shape(where, options, shared ? WITH_SHARED : RETRY_ONLY);
  const o = defined(options);
  const name = (key: keyof RetryOptions): string => (where === 'options' ? key : `${where}.${key}`);
  return Object.freeze({
    retries: o.retries === undefined ? DEFAULT_RETRIES : number(name('retries'), o.retries, { min: 0, integer: true }),
    strategy: fn(name('strategy'), o.strategy) ?? defaultStrategy,
    statusCodes: o.statusCodes === undefined ? new Set(DEFAULT_STATUS_CODES) : statusCodes(name('statusCodes'), o.statusCodes),
    methods: o.methods === undefined ? new Set(DEFAULT_METHODS) : methods(name('methods'), o.methods),
    idempotencyHeader: headerName(name('idempotencyHeader'), o.idempotencyHeader),
    shouldRetry: fn(name('shouldRetry'), o.shouldRetry),
    maxRetryAfter: o.maxRetryAfter === undefined ? DEFAULT_MAX_RETRY_AFTER : number(name('maxRetryAfter'), o.maxRetryAfter, MS),
    maxElapsed: o.maxElapsed === undefined ? Infinity : number(name('maxElapsed'), o.maxElapsed, MS),
    onRetry: fn(name('onRetry'), o.onRetry),
    onGiveUp: fn(name('onGiveUp'), o.onGiveUp),
    classify: fn(name('classify'), o.classify),
    resign: fn(name('resign'), o.resign),
    signedUntil: fn(name('signedUntil'), o.signedUntil),
    quotas: quotaReader(name('quotas'), o.quotas),
    cost: fn(name('cost'), o.cost),
  });
}

/** The retry options of `options`, defined ones only: what a per-request override is laid over. */
export function retryPart(options: RetryOptions): RetryOptions {
  const out: Record<string, unknown> = {};
  for (const key of RETRY_KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out as RetryOptions;
}

/** Refuses the shared options where only one request's (or the hand-registered pair's) apply. */
export function refuseShared(options: unknown, message: (key: string) => string): void {
  if (options === null || typeof options !== 'object') return;
  const key = SHARED_KEYS.find((k) => (options as Record<string, unknown>)[k] !== undefined);
  if (key !== undefined) throw new TypeError(message(key));
}

/**
 * The options for one request: the instance's, overridden by `config.backoff`.
 * Returns undefined when the request turned retries off.
 */
export function optionsForRequest(
  base: RetryOptions,
  resolvedBase: ResolvedOptions,
  override: unknown,
): ResolvedOptions | undefined {
  if (override === false) return undefined;
  if (override === undefined || override === null) return resolvedBase;
  refuseShared(override, (key) => `config.backoff.${key} is shared by every request to a server: set it on attach`);
  const own = shape<RetryOptions>('config.backoff', override, RETRY_ONLY);
  return resolveOptions({ ...retryPart(base), ...defined(own) }, 'config.backoff');
}
