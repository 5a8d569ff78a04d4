import type { HeaderBag } from '../headers';
import { namedPolicies, singleLimit } from './ietf';
import { distinct } from './reading';
import type { QuotaReader, QuotaReading } from './types';
import { vendorLimits } from './vendors';

/** Header names a declared limit starts with: one pass over the names rules out most responses (this runs on each). */
const PREFIXES = ['ratelimit', 'x-ratelimit', 'x-bapi-limit', 'gw-ratelimit', 'x-mbx-'];

/** Whether any header may declare a limit. */
export function mayDeclare(headers: HeaderBag): boolean {
  if (!headers || typeof headers !== 'object') return false;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    for (const prefix of PREFIXES) if (lower.startsWith(prefix)) return true;
  }
  return false;
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
export const readQuotas: QuotaReader = (headers: HeaderBag, now: number): QuotaReading[] => {
  try {
    if (!mayDeclare(headers)) return [];
    return distinct([...namedPolicies(headers, now), singleLimit(headers, now), ...vendorLimits(headers, now)]);
  } catch {
    // A header bag that throws when read (a hostile getter, an object String() refuses) declares nothing.
    return [];
  }
};
