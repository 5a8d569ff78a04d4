import { MAX_DELAY } from './clock';

/** Response headers as axios or an adapter hands them over. */
export type HeaderBag = { get?: (name: string) => unknown } | Record<string, unknown> | undefined | null;

/** Case-insensitive header lookup over AxiosHeaders or a plain object. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
    return value === undefined || value === null ? undefined : String(value);
  }
  return undefined;
}

const DELAY_SECONDS = /^\d+(\.\d+)?$/;
// RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms; all name a weekday or month.
const LOOKS_LIKE_DATE = /[A-Za-z]{3}/;

/**
 * RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date.
 * Returns the wait in ms; 0 for "now" or a past date; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (DELAY_SECONDS.test(text)) return Math.min(Number(text) * 1000, MAX_DELAY);
  if (!LOOKS_LIKE_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), MAX_DELAY);
}

/** The wait the server asked for, in ms, or undefined when it named none. */
export function serverWait(headers: HeaderBag, now: number): number | undefined {
  return parseRetryAfter(headerValue(headers, 'retry-after'), now);
}
