import type { HeaderBag } from '../headers';
import { namedPolicies, singleLimit } from './ietf';
import { distinct } from './reading';
import type { QuotaReader, QuotaReading } from './types';
import { vendorLimits } from './vendors';

/** No limit declared: one shared empty list, not one a response. */
export const NO_READINGS: readonly QuotaReading[] = Object.freeze([]);

/** Header names a declared limit starts with: one pass over the names rules out most responses (this runs on each). */
const PREFIXES = ['ratelimit', 'x-ratelimit', 'x-bapi-limit', 'gw-ratelimit', 'x-mbx-'];

/**
 * The headers that may declare a limit, by lower-case name, or undefined when none does: one pass
 * over the names, after which each reader looks among a few fields, not among all of a response's.
 */
export function limitHeaders(headers: HeaderBag): Record<string, unknown> | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  let found: Record<string, unknown> | undefined;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (!PREFIXES.some((prefix) => lower.startsWith(prefix))) continue;
    const value = (headers as Record<string, unknown>)[name];
    found ??= {};
    // The same field under two spellings (a plain object): both lines are kept, in order.
    found[lower] = lower in found ? ([] as unknown[]).concat(found[lower], value) : value;
  }
  return found;
}

/**
 * The default reader: every standard form a response carries, each limit once by id.
 * - `ratelimit:<name>`: IETF draft -08 and later, `RateLimit-Policy` and `RateLimit` lists;
 * - `ratelimit`: the drafts before, the -07 `RateLimit` dictionary or `RateLimit-Limit/-Remaining/-Reset`;
 * - `x-ratelimit`: `X-RateLimit-Limit/-Remaining/-Reset`;
 * - `x-bapi-limit`: Bybit's `X-Bapi-Limit-Status`, `X-Bapi-Limit`, `X-Bapi-Limit-Reset-Timestamp`;
 * - `gw-ratelimit`: KuCoin's `gw-ratelimit-remaining/-limit/-reset`.
 * What cannot be read is skipped; a limit without what is left is no reading. Never throws.
 */
export const readQuotas: QuotaReader = (headers: HeaderBag, now: number): readonly QuotaReading[] => {
  try {
    const own = limitHeaders(headers);
    if (!own) return NO_READINGS;
    return distinct([...namedPolicies(own, now), singleLimit(own, now), ...vendorLimits(own, now)]);
  } catch {
    // A header bag that throws when read (a hostile getter, an object String() refuses) declares nothing.
    return NO_READINGS;
  }
};
