import { show } from '../describe';
import { headerValue, type HeaderBag } from '../headers';
import { number } from '../validate';
import { leadingCount } from './fields';
import { limitHeaders, readQuotas } from './readers';
import { reading } from './reading';
import type { QuotaReader, QuotaReading } from './types';

// https://developers.binance.com/docs/binance-spot-api-docs/enums (Rate limiters, Rate limit intervals)
/** What a Binance limit counts: request weight (per IP), orders (per account), raw requests (per IP). */
export type BinanceRateLimitType = 'REQUEST_WEIGHT' | 'ORDERS' | 'RAW_REQUESTS';
/** The unit of a Binance limit's interval. */
export type BinanceInterval = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';

/** One entry of `GET /api/v3/exchangeInfo`'s `rateLimits`, as Binance sends it. */
export interface BinanceRateLimit {
  /** What the limit counts. */
  readonly rateLimitType: BinanceRateLimitType;
  /** The unit of its interval. */
  readonly interval: BinanceInterval;
  /** How many units the interval lasts: 10 and SECOND for orders per 10 s. */
  readonly intervalNum: number;
  /** What the interval allows. */
  readonly limit: number;
}

/**
 * Binance spot's limits as `exchangeInfo` reported them (per IP: 6000 weight a minute, 61000 raw
 * requests per 5 minutes; per account: 100 unfilled orders per 10 s, 200000 a day). Yours may differ:
 * pass your own `exchangeInfo.rateLimits`.
 * https://developers.binance.com/docs/binance-spot-api-docs/enums#rate-limiters-ratelimittype
 */
export const BINANCE_SPOT_RATE_LIMITS: readonly BinanceRateLimit[] = Object.freeze([
  Object.freeze({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }),
  Object.freeze({ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 }),
  Object.freeze({ rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 }),
  Object.freeze({ rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 }),
] as const);

/** A rate limit resolved: the header that reports its use, if any, its limit and its interval in ms. */
export interface BinanceLimit {
  readonly type: BinanceRateLimitType;
  /** The lower-cased header that reports the use, and the reading's id; none for RAW_REQUESTS. */
  readonly id: string | undefined;
  readonly limit: number;
  readonly windowMs: number;
}

// https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits: SECOND => S, MINUTE => M,
// HOUR => H, DAY => D; "X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter)" carries the IP's used weight,
// "X-MBX-ORDER-COUNT-(intervalNum)(intervalLetter)" the account's order count. No header reports raw requests.
const INTERVALS: Readonly<Record<BinanceInterval, readonly [letter: string, ms: number]>> = {
  SECOND: ['s', 1000], MINUTE: ['m', 60_000], HOUR: ['h', 3_600_000], DAY: ['d', 86_400_000],
};
const HEADERS: Readonly<Record<BinanceRateLimitType, string | undefined>> = {
  REQUEST_WEIGHT: 'x-mbx-used-weight-', ORDERS: 'x-mbx-order-count-', RAW_REQUESTS: undefined,
};

function oneOf<K extends string>(where: string, value: unknown, known: Readonly<Record<K, unknown>>): K {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(known, value)) return value as K;
  throw new TypeError(`${where} must be one of ${Object.keys(known).join(', ')}, got ${show(value)}`);
}

function resolve(entry: unknown, at: number): BinanceLimit {
  const where = `rateLimits[${at}]`;
  if (entry === null || typeof entry !== 'object') {
    const shape = '{ rateLimitType, interval, intervalNum, limit }';
    throw new TypeError(`${where} must be an exchangeInfo rate limit ${shape}, got ${show(entry)}`);
  }
  // Other keys are ignored: the WebSocket API's rateLimits add `count`.
  const e = entry as Record<string, unknown>;
  const type = oneOf(`${where}.rateLimitType`, e.rateLimitType, HEADERS);
  const [letter, unitMs] = INTERVALS[oneOf(`${where}.interval`, e.interval, INTERVALS)];
  const intervalNum = number(`${where}.intervalNum`, e.intervalNum, { min: 1, integer: true });
  const limit = number(`${where}.limit`, e.limit, { min: 1, integer: true });
  const prefix = HEADERS[type];
  return Object.freeze({ type, id: prefix && `${prefix}${intervalNum}${letter}`, limit, windowMs: intervalNum * unitMs });
}

/**
 * `exchangeInfo.rateLimits` checked and resolved (Binance's spot defaults when omitted). Throws a
 * TypeError or RangeError naming the entry and field at fault, or the entries that repeat a limit.
 */
export function binanceLimits(rateLimits: readonly BinanceRateLimit[] = BINANCE_SPOT_RATE_LIMITS): readonly BinanceLimit[] {
  if (!Array.isArray(rateLimits)) {
    throw new TypeError(`rateLimits must be an array of exchangeInfo rate limits, got ${show(rateLimits)}`);
  }
  const limits = Array.from(rateLimits as readonly unknown[], resolve);
  limits.forEach((l, at) => {
    const first = limits.findIndex((o) => o.type === l.type && o.windowMs === l.windowMs);
    if (first !== at) {
      throw new RangeError(`rateLimits[${at}] repeats rateLimits[${first}]: two ${l.type} limits per ${l.windowMs} ms`);
    }
  });
  return Object.freeze(limits);
}

/** The reading ids of the limits of a type, the keys a cost names them by. */
export function binanceIds(limits: readonly BinanceLimit[], type: BinanceRateLimitType): string[] {
  return limits.filter((l) => l.type === type && l.id !== undefined).map((l) => l.id as string);
}

/**
 * ms until the interval's next start. Binance counts fixed intervals from the epoch: "a request
 * submitted at 00:01:23.456 counts towards the 00:01:00 minute's limit"; a 10 SECOND interval
 * resets at 00, 10, 20… seconds past the minute, a DAY at 00:00 UTC.
 * https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/rate-limits
 */
function untilNext(now: number, windowMs: number): number | undefined {
  if (!Number.isFinite(now)) return undefined;
  return windowMs - (((now % windowMs) + windowMs) % windowMs);
}

function readLimit(headers: HeaderBag, now: number, l: BinanceLimit): QuotaReading | undefined {
  const used = l.id === undefined ? undefined : leadingCount(headerValue(headers, l.id));
  if (used === undefined) return undefined;
  return reading(l.id as string, Math.max(0, l.limit - used), l.limit, untilNext(now, l.windowMs), l.windowMs);
}

/**
 * A reader for Binance spot: the standard forms (`readQuotas`) and Binance's used-weight and
 * order-count headers against `rateLimits` (your `exchangeInfo.rateLimits`; the spot defaults
 * when omitted). Id: the lower-cased header, `x-mbx-used-weight-1m`. A header for an interval
 * with no limit in `rateLimits` is ignored. Throws at once on bad `rateLimits`; the reader never throws.
 */
export function binanceQuotas(rateLimits?: readonly BinanceRateLimit[]): QuotaReader {
  const limits = binanceLimits(rateLimits);
  return (headers, now) => {
    const standard = readQuotas(headers, now);
    try {
      headers = limitHeaders(headers);
      if (!headers) return standard;
      const own = limits.map((l) => readLimit(headers, now, l)).filter((r): r is QuotaReading => r !== undefined);
      return [...standard, ...own];
    } catch {
      return standard;
    }
  };
}
