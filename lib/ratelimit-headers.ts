import { sanitizeDelay } from './clock';
import { headerValue, parseRetryAfter, type HeaderBag } from './headers';
import { decimal, pairs, split } from './quota/fields';

/** A header value parser: the wait in ms, or undefined when absent or unreadable. */
export type ResetParser = (value: string | undefined, now: number) => number | undefined;

const EPOCH_MS_ABOVE = 1e12;
const EPOCH_S_ABOVE = 1e9;

/** The largest defined wait, or undefined when there is none. */
export function largestWait(waits: readonly (number | undefined)[]): number | undefined {
  const known = waits.filter((w): w is number => w !== undefined);
  return known.length ? Math.max(...known) : undefined;
}

/** A count of seconds from now. */
export const parseDeltaSeconds: ResetParser = (value) => {
  const seconds = decimal(value);
  return seconds === undefined ? undefined : sanitizeDelay(seconds * 1000);
};

/** A count of ms from now. */
export const parseDeltaMs: ResetParser = (value) => {
  const ms = decimal(value);
  return ms === undefined ? undefined : sanitizeDelay(ms);
};

/** An instant in epoch ms; a past instant gives 0. */
export const parseEpochMs: ResetParser = (value, now) => {
  const at = decimal(value);
  return at === undefined ? undefined : sanitizeDelay(at - now);
};

/**
 * X-RateLimit-Reset has no single unit in the wild (draft-ietf-httpapi-ratelimit-headers-10,
 * appendix "RateLimit header fields currently used on the web": seconds or ms remaining,
 * epoch seconds, or a date), so the magnitude decides: above 1e12 epoch ms, above 1e9
 * epoch seconds (GitHub), else delta seconds. A date is read as an HTTP-date.
 */
export const parseEpochOrDelta: ResetParser = (value, now) => {
  const n = decimal(value);
  if (n === undefined) return value === undefined ? undefined : parseRetryAfter(value, now);
  if (n > EPOCH_MS_ABOVE) return sanitizeDelay(n - now);
  if (n > EPOCH_S_ABOVE) return sanitizeDelay(n * 1000 - now);
  return sanitizeDelay(n * 1000);
};

/** The wait until a window resets, counted only when the window has nothing left (or does not say). */
function exhaustedWait(remaining: string | undefined, reset: string | undefined): number | undefined {
  const left = decimal(remaining);
  if (left !== undefined && left > 0) return undefined;
  return parseDeltaSeconds(reset, 0);
}

/**
 * The IETF `RateLimit` field, in both shapes the drafts have used:
 * - -08 to -10, a list of items: `"default";r=0;t=7` where `r` is the quota remaining and
 *   `t` the delay-seconds until more is available (the largest exhausted policy wins);
 * - -07, one dictionary: `limit=10, remaining=0, reset=7`, `reset` in delay-seconds.
 * https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/10/
 */
export const parseRateLimit: ResetParser = (value) => {
  if (value === undefined) return undefined;
  const members = split(value, ',').map(pairs);
  const policies = members.filter((m) => m.has('t'));
  if (policies.length) return largestWait(policies.map((p) => exhaustedWait(p.get('r'), p.get('t'))));
  const dictionary = new Map(members.flatMap((m) => [...m]));
  return exhaustedWait(dictionary.get('remaining'), dictionary.get('reset'));
};

interface ResetSource {
  readonly header: string;
  readonly parse: ResetParser;
  /** The header giving what is left in the window; the reset counts only when it is 0 or absent. */
  readonly remaining?: string;
}

const SOURCES: readonly ResetSource[] = [
  // IETF draft, current and -07 shapes; gates on its own `r` / `remaining`.
  { header: 'ratelimit', parse: parseRateLimit },
  // IETF draft up to -06: delay-seconds. https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/06/
  { header: 'ratelimit-reset', parse: parseDeltaSeconds, remaining: 'ratelimit-remaining' },
  // GitHub: epoch seconds, meaningful only once remaining is 0.
  // https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
  { header: 'x-ratelimit-reset', parse: parseEpochOrDelta, remaining: 'x-ratelimit-remaining' },
  // Bybit: epoch ms; the current time when the limit was not exceeded. https://bybit-exchange.github.io/docs/v5/rate-limit
  { header: 'x-bapi-limit-reset-timestamp', parse: parseEpochMs },
  // KuCoin: "resource pool quota reset countdown (milliseconds)". https://www.kucoin.com/docs-new/rate-limit
  { header: 'gw-ratelimit-reset', parse: parseDeltaMs, remaining: 'gw-ratelimit-remaining' },
];

function inForce(headers: HeaderBag, source: ResetSource): boolean {
  if (source.remaining === undefined) return true;
  const left = decimal(headerValue(headers, source.remaining));
  return left === undefined || left === 0;
}

/**
 * The wait in ms until the rate-limit window resets, as the generic rate-limit headers say:
 * the largest among those present and in force, or undefined when none is readable.
 * Retry-After is not read here (see `serverWait`).
 */
export function resetWait(headers: HeaderBag, now: number): number | undefined {
  return largestWait(
    SOURCES.map((source) => (inForce(headers, source) ? source.parse(headerValue(headers, source.header), now) : undefined)),
  );
}
