import { MAX_DELAY } from './clock';

/** Response headers as axios or an adapter hands them over: AxiosHeaders or a plain object. */
export type HeaderBag = Record<string, unknown> | undefined | null;

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
// RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
const IMF_FIXDATE = /^[a-z]{3}, \d{1,2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/i;
const RFC_850 = /^[a-z]{6,9}, \d{2}-[a-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/i;
const ASCTIME = /^[a-z]{3} [a-z]{3} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4}$/i;

/** Epoch ms of an HTTP-date, or NaN. Every HTTP-date is GMT, asctime included though it says no zone. */
function parseHttpDate(text: string): number {
  if (IMF_FIXDATE.test(text) || RFC_850.test(text)) return Date.parse(text);
  if (ASCTIME.test(text)) return Date.parse(`${text} GMT`);
  return NaN;
}

/**
 * RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date.
 * Returns the wait in ms; 0 for "now" or a past date; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (DELAY_SECONDS.test(text)) return Math.min(Number(text) * 1000, MAX_DELAY);
  const at = parseHttpDate(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), MAX_DELAY);
}

/** The wait the server asked for, in ms, or undefined when it named none. */
export function serverWait(headers: HeaderBag, now: number): number | undefined {
  return parseRetryAfter(headerValue(headers, 'retry-after'), now);
}
