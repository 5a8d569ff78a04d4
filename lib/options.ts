import { COORDINATION_KEYS } from './coordination/settings';
import { allOf, isPlainObject, show } from './describe';
import { exponential } from './strategies';
import type { BackoffOptions, ResolvedOptions } from './types';

/** Statuses retried when `statusCodes` is not given: 408, 418, 425, 429, 500, 502, 503, 504. */
export const DEFAULT_STATUS_CODES: readonly number[] = [408, 418, 425, 429, 500, 502, 503, 504];
/** Methods retried on unknown outcomes when `methods` is not given: the idempotent ones (lower case). */
export const DEFAULT_METHODS: readonly string[] = ['get', 'head', 'options', 'put', 'delete'];
export const DEFAULT_RETRIES = 3;
export const DEFAULT_MAX_RETRY_AFTER = 60_000;

const PER_REQUEST = [
  'retries', 'strategy', 'statusCodes', 'methods', 'idempotencyHeader', 'shouldRetry',
  'maxRetryAfter', 'maxElapsed', 'onRetry', 'onGiveUp', 'classify', 'resign',
] as const;
const KNOWN = new Set<keyof BackoffOptions>([...PER_REQUEST, ...COORDINATION_KEYS]);

function wholeNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0, got ${show(value)}`);
  }
  return value;
}

function duration(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of ms >= 0 (Infinity for none), got ${show(value)}`);
  }
  return value;
}

function fn<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${name} must be a function, got ${show(value)}`);
  }
  return value;
}

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

/** Drops keys whose value is undefined, so they never erase a default. */
export function defined(options: BackoffOptions): BackoffOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as BackoffOptions;
}

function checkShape(options: unknown, where: string): asserts options is BackoffOptions {
  if (!isPlainObject(options)) {
    throw new TypeError(`${where} must be a plain options object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key as keyof BackoffOptions)) {
      throw new TypeError(`${where} has an unknown option ${show(key)}; known: ${[...KNOWN].join(', ')}`);
    }
  }
}

const defaultStrategy = exponential();

/**
 * Validates user options once and fills every default. Never mutates its input.
 * `where` names the source in messages: `options` for attach/backoff, `config.backoff` per request.
 */
export function resolveOptions(options: BackoffOptions = {}, where = 'options'): ResolvedOptions {
  checkShape(options, where);
  const o = defined(options);
  const name = (key: keyof BackoffOptions): string => (where === 'options' ? key : `${where}.${key}`);
  const given = <K extends keyof BackoffOptions>(key: K, check: (n: string, v: unknown) => unknown, fallback: unknown) =>
    o[key] === undefined ? fallback : check(name(key), o[key]);
  return Object.freeze({
    retries: given('retries', wholeNumber, DEFAULT_RETRIES) as number,
    strategy: fn(name('strategy'), o.strategy) ?? defaultStrategy,
    statusCodes: given('statusCodes', statusCodes, new Set(DEFAULT_STATUS_CODES)) as ReadonlySet<number>,
    methods: given('methods', methods, new Set(DEFAULT_METHODS)) as ReadonlySet<string>,
    idempotencyHeader: headerName(name('idempotencyHeader'), o.idempotencyHeader),
    shouldRetry: fn(name('shouldRetry'), o.shouldRetry),
    maxRetryAfter: given('maxRetryAfter', duration, DEFAULT_MAX_RETRY_AFTER) as number,
    maxElapsed: given('maxElapsed', duration, Infinity) as number,
    onRetry: fn(name('onRetry'), o.onRetry),
    onGiveUp: fn(name('onGiveUp'), o.onGiveUp),
    classify: fn(name('classify'), o.classify),
    resign: fn(name('resign'), o.resign),
  });
}

/**
 * The options for one request: the instance's, overridden by `config.backoff`.
 * Returns undefined when the request turned retries off.
 */
export function optionsForRequest(
  base: BackoffOptions,
  resolvedBase: ResolvedOptions,
  override: unknown,
): ResolvedOptions | undefined {
  if (override === false) return undefined;
  if (override === undefined || override === null) return resolvedBase;
  checkShape(override, 'config.backoff');
  const shared = COORDINATION_KEYS.filter((key) => (override as BackoffOptions)[key] !== undefined);
  if (shared.length > 0) {
    throw new TypeError(`config.backoff.${shared[0]} is shared by every request to a server: set it on attach`);
  }
  return resolveOptions({ ...defined(base), ...defined(override) }, 'config.backoff');
}
