import { headerValue, type HeaderBag } from '../headers';
import { parseDeltaMs, parseEpochMs, parseEpochOrDelta, type ResetParser } from '../ratelimit-headers';
import { leadingCount, members, windowMs } from './fields';
import { legacyPolicy } from './ietf';
import { reading, resetIn } from './reading';
import type { QuotaReading } from './types';

/** A limit declared in three fields of a vendor's own: what is left, the quota, the reset. */
interface Triple {
  readonly id: string;
  readonly remaining: string;
  readonly limit: string;
  readonly reset: string;
  readonly parse: ResetParser;
  /** The reset means something only once nothing is left (Bybit sends the current time otherwise). */
  readonly resetWhenSpent?: true;
  /** The limit field may list quota policies after the limit, giving the window: `10, 10;w=1`. */
  readonly policies?: true;
  /** Each endpoint has its own limit. */
  readonly perRoute?: true;
}

// Bybit and KuCoin declare no window in a header, so windowMs stays undefined: KuCoin's pools
// are 30 s or 3 s by account type, Bybit's pages say per second (v5) or per minute (asset).
const TRIPLES: readonly Triple[] = [
  // GitHub and many others; the reset is epoch s, epoch ms or delta seconds, told apart by magnitude.
  // https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
  // Envoy's rate limit filter writes the early IETF drafts' policies into the limit: `x-ratelimit-limit: 10, 10;w=1`.
  {
    id: 'x-ratelimit', remaining: 'x-ratelimit-remaining', limit: 'x-ratelimit-limit', reset: 'x-ratelimit-reset',
    parse: parseEpochOrDelta, policies: true,
  },
  // Bybit: "X-Bapi-Limit-Status - your remaining requests for current endpoint; X-Bapi-Limit - your
  // current limit for current endpoint; X-Bapi-Limit-Reset-Timestamp - the timestamp indicating when
  // your request limit resets if you have exceeded your rate_limit. Otherwise, this is just the
  // current timestamp" (epoch ms). https://bybit-exchange.github.io/docs/v5/rate-limit
  {
    id: 'x-bapi-limit', remaining: 'x-bapi-limit-status', limit: 'x-bapi-limit', reset: 'x-bapi-limit-reset-timestamp',
    parse: parseEpochMs, resetWhenSpent: true, perRoute: true,
  },
  // KuCoin: "Total resource pool quota, resource pool remaining quota, resource pool quota reset
  // countdown (milliseconds)". https://www.kucoin.com/docs-new/rate-limit
  {
    id: 'gw-ratelimit', remaining: 'gw-ratelimit-remaining', limit: 'gw-ratelimit-limit', reset: 'gw-ratelimit-reset',
    parse: parseDeltaMs,
  },
];

function readTriple(headers: HeaderBag, now: number, t: Triple): QuotaReading | undefined {
  const remaining = leadingCount(headerValue(headers, t.remaining));
  const limitField = headerValue(headers, t.limit);
  const limit = leadingCount(limitField);
  const policy = t.policies ? legacyPolicy(members(limitField), limit) : undefined;
  const resetKnown = !t.resetWhenSpent || remaining === 0;
  // GitHub names the limit a response counts against: `core` is the API's; `search` and the others
  // count their own endpoints only. https://docs.github.com/en/rest/rate-limit/rate-limit
  const resource = t.policies ? headerValue(headers, 'x-ratelimit-resource')?.trim().toLowerCase() : undefined;
  const own = resource !== undefined && resource !== '' && resource !== 'core';
  const found = reading(
    own ? `${t.id}:${resource}` : t.id,
    remaining,
    limit,
    resetKnown ? resetIn(t.parse, headerValue(headers, t.reset), now) : undefined,
    policy && windowMs(policy.params.get('w')),
  );
  return found && (t.perRoute || own) ? Object.freeze({ ...found, perRoute: true }) : found;
}

/** The vendor triples a response carries: `x-ratelimit`, `x-bapi-limit` (Bybit), `gw-ratelimit` (KuCoin). */
export function vendorLimits(headers: HeaderBag, now: number): (QuotaReading | undefined)[] {
  return TRIPLES.map((t) => readTriple(headers, now, t));
}
