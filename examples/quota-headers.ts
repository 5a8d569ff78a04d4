import type { Quota } from './limiters';
import type { Verdict } from './rate-window';

/** How the simulated server declares its quota on each response. */
export type QuotaHeaderForm = 'none' | 'ietf' | 'binance';

export const QUOTA_HEADER_FORMS: readonly QuotaHeaderForm[] = ['none', 'ietf', 'binance'];

export interface ReplyHeaderOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly retryAfter: boolean;
  readonly quotaHeaders: QuotaHeaderForm;
}

// Binance names its intervals by count and letter: X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S.
// https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits
const UNITS: ReadonlyArray<readonly [string, number]> = [['D', 86_400_000], ['H', 3_600_000], ['M', 60_000], ['S', 1000]];

/** windowMs as Binance writes an interval: 10000 → 10S, 60000 → 1M. */
export function binanceInterval(windowMs: number): string {
  const unit = UNITS.find(([, ms]) => windowMs % ms === 0);
  if (unit === undefined) {
    throw new RangeError(`quotaHeaders 'binance' needs windowMs in whole seconds, minutes, hours or days, got ${windowMs}`);
  }
  return `${windowMs / unit[1]}${unit[0]}`;
}

/**
 * draft-ietf-httpapi-ratelimit-headers-08 and later: the policy (quota q per w seconds) and
 * what is left of it (r units, t seconds until the reset), as structured-field lists.
 */
function ietf(opts: ReplyHeaderOptions, quota: Quota): Record<string, string> {
  return {
    'RateLimit-Policy': `"default";q=${opts.limit};w=${opts.windowMs / 1000}`,
    RateLimit: `"default";r=${quota.remaining};t=${Math.ceil(quota.resetMs / 1000)}`,
  };
}

function quotaHeaders(opts: ReplyHeaderOptions, quota: Quota): Record<string, string> {
  switch (opts.quotaHeaders) {
    case 'none':
      return {};
    case 'ietf':
      return ietf(opts, quota);
    case 'binance':
      return { [`X-MBX-USED-WEIGHT-${binanceInterval(opts.windowMs)}`]: String(quota.used) };
  }
}

/** The rate-limit headers of a reply: Retry-After on a refusal (unless turned off for 429s), quota headers always. */
export function replyHeaders(opts: ReplyHeaderOptions, verdict: Verdict, quota: Quota): Record<string, string> {
  const headers = quotaHeaders(opts, quota);
  const retryAfter = verdict.kind === 'banned' || (verdict.kind === 'limited' && opts.retryAfter);
  if (retryAfter) headers['Retry-After'] = String(verdict.retryAfterS);
  return headers;
}
