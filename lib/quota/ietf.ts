import { headerValue, type HeaderBag } from '../headers';
import { parseDeltaSeconds } from '../ratelimit-headers';
import { count, isQuotaItem, leadingCount, listField, members, windowMs, type Member } from './fields';
import { reading, resetIn } from './reading';
import type { QuotaReading } from './types';

// https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/ (drafts -00 to -10, not an RFC).

/** A policy named by a Token or a String (-08 and later), not the bare quota of the older drafts. */
function isNamed(m: Member): boolean {
  return m.item !== '' && !isQuotaItem(m);
}

/** A named policy's quota: `q` from -08; `l` in the editor's drafts just before it. */
function quotaOf(policy: Member | undefined): number | undefined {
  return policy && count(policy.params.get('q') ?? policy.params.get('l'));
}

/**
 * Draft -08 and later: `RateLimit-Policy: "burst";q=100;w=60, "daily";q=1000;w=86400` declares
 * each policy (q quota units per w seconds), `RateLimit: "burst";r=50;t=30` what is left of it
 * (r units, t delay-seconds until more is available), matched by name; id `ratelimit:<name>`.
 * A policy the RateLimit field does not report on says nothing left, so gives no reading.
 */
export function namedPolicies(headers: HeaderBag, now: number): (QuotaReading | undefined)[] {
  const policies = new Map<string, Member>();
  for (const m of members(listField(headers, 'ratelimit-policy'))) {
    if (isNamed(m) && !policies.has(m.item)) policies.set(m.item, m);
  }
  return members(listField(headers, 'ratelimit')).filter(isNamed).map((m) => {
    const policy = policies.get(m.item);
    return reading(
      `ratelimit:${m.item}`,
      count(m.params.get('r')),
      quotaOf(policy),
      resetIn(parseDeltaSeconds, m.params.get('t'), now),
      policy && windowMs(policy.params.get('w')),
    );
  });
}

/**
 * The older drafts' policy whose quota is the limit in force (`RateLimit-Policy: 10;w=1, 100;w=60`
 * beside a limit of 10: the 1 s one); with no limit stated, the only policy. Its `w` is the window.
 */
export function legacyPolicy(policies: readonly Member[], limit: number | undefined): Member | undefined {
  const windowed = policies.filter((p) => isQuotaItem(p) && windowMs(p.params.get('w')) !== undefined);
  if (limit === undefined) return windowed.length === 1 ? windowed[0] : undefined;
  return windowed.find((p) => count(p.item) === limit);
}

/**
 * The drafts before -08, one limit, id `ratelimit`:
 * - -07, a dictionary: `RateLimit: limit=10, remaining=0, reset=7`;
 * - up to -06, one field each: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (delay-seconds);
 * - the window from a policy `RateLimit-Policy: 100;w=60` (-06, -07), or from the quota policies
 *   the earlier drafts listed after the limit itself (`RateLimit-Limit: 10, 10;w=1, 50;w=60`).
 * https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/07/
 * https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/06/
 */
export function singleLimit(headers: HeaderBag, now: number): QuotaReading | undefined {
  const dictionary = new Map(members(listField(headers, 'ratelimit')).filter((m) => m.item === '').flatMap((m) => [...m.params]));
  const limitField = headerValue(headers, 'ratelimit-limit');
  const stated = count(dictionary.get('limit')) ?? leadingCount(limitField);
  const policy = legacyPolicy([...members(limitField), ...members(listField(headers, 'ratelimit-policy'))], stated);
  const reset = (value: string | undefined) => resetIn(parseDeltaSeconds, value, now);
  return reading(
    'ratelimit',
    count(dictionary.get('remaining')) ?? leadingCount(headerValue(headers, 'ratelimit-remaining')),
    stated ?? (policy && count(policy.item)),
    reset(dictionary.get('reset')) ?? reset(headerValue(headers, 'ratelimit-reset')),
    policy && windowMs(policy.params.get('w')),
  );
}
