import { LIMITER_KINDS, type LimiterKind } from './limiters';
import { binanceInterval, QUOTA_HEADER_FORMS, type QuotaHeaderForm } from './quota-headers';

export interface ExchangeSimOptions {
  /** Units admitted per window, per client (the bucket: units refilled per window). */
  limit: number;
  /** Window length; fixed windows are aligned to the simulator's start (or last reset). Default 1000. */
  windowMs?: number;
  /**
   * 'fixed' (default): at most `limit` per fixed window; 'sliding': at most `limit` in any `windowMs`;
   * 'bucket': a token bucket of `burst` tokens refilled continuously at `limit` per `windowMs`.
   */
  limiter?: LimiterKind;
  /** The token bucket's capacity (limiter 'bucket' only). Default `limit`. */
  burst?: number;
  /** More than this many refused requests within a window of the first refusal of a run bans the client. Default 40. */
  banThreshold?: number;
  /** First ban length; doubles on each repeat ban. Default 2000. */
  banMs?: number;
  /** false: a 429 carries no Retry-After (a 418 keeps its own). Default true. */
  retryAfter?: boolean;
  /**
   * Quota headers on every response but an outage's. 'ietf': RateLimit-Policy and RateLimit
   * (draft-ietf-httpapi-ratelimit-headers-08 and later); 'binance': X-MBX-USED-WEIGHT-<interval>
   * (limiter 'fixed' only). Default 'none'.
   */
  quotaHeaders?: QuotaHeaderForm;
  /** Units a request to each path (query left out) costs; other paths cost 1. Default {}. */
  weights?: Readonly<Record<string, number>>;
  /** Relative to start: every request in [fromMs, toMs) is answered `status` (default 503). */
  outage?: { fromMs: number; toMs: number; status?: number };
  /** Relative to start: before `untilMs` the limit is `limit` instead (a limit that is briefly lower, or higher). */
  warmup?: { untilMs: number; limit: number };
  /** 0..1: fraction of filled orders whose reply is lost (order recorded, socket destroyed). Default 0. */
  lostReplyRate?: number;
  /** Seeds the PRNG behind lostReplyRate. Default 1. */
  seed?: number;
  /** Clock in ms. Default performance.now. */
  now?: () => number;
}

export interface ResolvedSimOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly limiter: LimiterKind;
  readonly burst: number;
  readonly banThreshold: number;
  readonly banMs: number;
  readonly retryAfter: boolean;
  readonly quotaHeaders: QuotaHeaderForm;
  readonly weights: ReadonlyMap<string, number>;
  readonly outage: { readonly fromMs: number; readonly toMs: number; readonly status: number } | null;
  readonly warmup: { readonly untilMs: number; readonly limit: number } | undefined;
  readonly lostReplyRate: number;
  readonly seed: number;
  readonly now: () => number;
}

function wholeAtLeast(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number >= ${min}, got ${value}`);
  }
  return value;
}

function finiteIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a finite number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  return value;
}

function resolveOutage(outage: ExchangeSimOptions['outage']): ResolvedSimOptions['outage'] {
  if (outage === undefined) return null;
  const fromMs = finiteIn('outage.fromMs', outage.fromMs, 0, Number.MAX_SAFE_INTEGER);
  const toMs = finiteIn('outage.toMs', outage.toMs, fromMs, Number.MAX_SAFE_INTEGER);
  const status = wholeAtLeast('outage.status', outage.status ?? 503, 100);
  if (status > 599) throw new RangeError(`outage.status must be an HTTP status 100..599, got ${status}`);
  return { fromMs, toMs, status };
}

function resolveWeights(weights: ExchangeSimOptions['weights']): ReadonlyMap<string, number> {
  const resolved = new Map<string, number>();
  for (const [path, weight] of Object.entries(weights ?? {})) {
    if (!path.startsWith('/')) throw new RangeError(`weights keys must be paths starting with /, got ${path}`);
    resolved.set(path, wholeAtLeast(`weights['${path}']`, weight, 0));
  }
  return resolved;
}

function resolveBurst(opts: ExchangeSimOptions, limiter: LimiterKind, limit: number): number {
  if (opts.burst === undefined) return limit;
  if (limiter !== 'bucket') throw new RangeError(`burst applies to limiter 'bucket' only, got limiter '${limiter}'`);
  return wholeAtLeast('burst', opts.burst, 0);
}

/** The header forms each need a window they can write down. */
function checkQuotaHeaders(form: QuotaHeaderForm, limiter: LimiterKind, windowMs: number): QuotaHeaderForm {
  if (form === 'ietf' && windowMs % 1000 !== 0) {
    throw new RangeError(`quotaHeaders 'ietf' needs windowMs in whole seconds (RateLimit-Policy w), got ${windowMs}`);
  }
  if (form === 'binance') {
    if (limiter !== 'fixed') throw new RangeError(`quotaHeaders 'binance' needs limiter 'fixed' (weight per fixed window), got '${limiter}'`);
    binanceInterval(windowMs); // throws when windowMs is no whole number of seconds, minutes, hours or days
  }
  return form;
}

export function resolveSimOptions(opts: ExchangeSimOptions): ResolvedSimOptions {
  const now = opts.now ?? (() => performance.now());
  if (typeof now !== 'function') throw new TypeError(`now must be a function, got ${typeof now}`);
  const retryAfter = opts.retryAfter ?? true;
  if (typeof retryAfter !== 'boolean') throw new TypeError(`retryAfter must be a boolean, got ${typeof retryAfter}`);
  const limit = wholeAtLeast('limit', opts.limit, 0);
  const windowMs = finiteIn('windowMs', opts.windowMs ?? 1000, 1, Number.MAX_SAFE_INTEGER);
  const limiter = oneOf('limiter', opts.limiter ?? 'fixed', LIMITER_KINDS);
  return {
    limit,
    windowMs,
    limiter,
    burst: resolveBurst(opts, limiter, limit),
    banThreshold: wholeAtLeast('banThreshold', opts.banThreshold ?? 40, 0),
    banMs: finiteIn('banMs', opts.banMs ?? 2000, 0, Number.MAX_SAFE_INTEGER),
    retryAfter,
    quotaHeaders: checkQuotaHeaders(oneOf('quotaHeaders', opts.quotaHeaders ?? 'none', QUOTA_HEADER_FORMS), limiter, windowMs),
    weights: resolveWeights(opts.weights),
    outage: resolveOutage(opts.outage),
    warmup: opts.warmup && {
      untilMs: finiteIn('warmup.untilMs', opts.warmup.untilMs, 0, Number.MAX_SAFE_INTEGER),
      limit: wholeAtLeast('warmup.limit', opts.warmup.limit, 0),
    },
    lostReplyRate: finiteIn('lostReplyRate', opts.lostReplyRate ?? 0, 0, 1),
    seed: wholeAtLeast('seed', opts.seed ?? 1, Number.MIN_SAFE_INTEGER),
    now,
  };
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
