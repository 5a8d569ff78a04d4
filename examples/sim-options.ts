export interface ExchangeSimOptions {
  /** Requests admitted per fixed window, per client. */
  limit: number;
  /** Window length; windows are aligned to the simulator's start (or last reset). Default 1000. */
  windowMs?: number;
  /** More than this many requests in one window after the first 429 of that window bans the client. Default 40. */
  banThreshold?: number;
  /** First ban length; doubles on each repeat ban. Default 2000. */
  banMs?: number;
  /** Relative to start: every request in [fromMs, toMs) is answered `status` (default 503). */
  outage?: { fromMs: number; toMs: number; status?: number };
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
  readonly banThreshold: number;
  readonly banMs: number;
  readonly outage: { readonly fromMs: number; readonly toMs: number; readonly status: number } | null;
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

function resolveOutage(outage: ExchangeSimOptions['outage']): ResolvedSimOptions['outage'] {
  if (outage === undefined) return null;
  const fromMs = finiteIn('outage.fromMs', outage.fromMs, 0, Number.MAX_SAFE_INTEGER);
  const toMs = finiteIn('outage.toMs', outage.toMs, fromMs, Number.MAX_SAFE_INTEGER);
  const status = wholeAtLeast('outage.status', outage.status ?? 503, 100);
  if (status > 599) throw new RangeError(`outage.status must be an HTTP status 100..599, got ${status}`);
  return { fromMs, toMs, status };
}

export function resolveSimOptions(opts: ExchangeSimOptions): ResolvedSimOptions {
  const now = opts.now ?? (() => performance.now());
  if (typeof now !== 'function') throw new TypeError(`now must be a function, got ${typeof now}`);
  return {
    limit: wholeAtLeast('limit', opts.limit, 0),
    windowMs: finiteIn('windowMs', opts.windowMs ?? 1000, 1, Number.MAX_SAFE_INTEGER),
    banThreshold: wholeAtLeast('banThreshold', opts.banThreshold ?? 40, 0),
    banMs: finiteIn('banMs', opts.banMs ?? 2000, 0, Number.MAX_SAFE_INTEGER),
    outage: resolveOutage(opts.outage),
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
