import type { AxiosRequestConfig } from 'axios';
import type { QuotaReading, RequestCost } from '../quota/types';

// What the gate reads of a request, per request and cheaply: where it goes, what it spends, and
// whether a limit a user's reader declared can be counted with.

const ABSOLUTE = /^([a-z][a-z\d+.-]*:)\/\/([^/?#]*)/i;

/** protocol//host:port of an absolute URL; undefined for a relative one. */
export function parseOrigin(url: string): string | undefined {
  // A URL without "://" names no origin: no need to run the expression (this runs per request).
  if (url.indexOf('://') < 0) return undefined;
  const match = ABSOLUTE.exec(url);
  return match ? `${match[1]}//${match[2]}`.toLowerCase() : undefined;
}

/** `METHOD path` of a request (the path without its query), for a limit of one endpoint's own. */
export function routeOf(config: AxiosRequestConfig): string {
  const url = config.url ?? '';
  const scheme = url.indexOf('://');
  const path = scheme < 0 ? url : url.slice(url.indexOf('/', scheme + 3) >>> 0);
  const query = path.search(/[?#]/);
  return `${(config.method ?? 'get').toUpperCase()} ${query < 0 ? path : path.slice(0, query)}`;
}

/** What a request spends, as the user's `cost` says; a function that throws or answers nonsense: 1 against each limit. */
export function costOf(cost: (config: AxiosRequestConfig) => RequestCost, config: AxiosRequestConfig): RequestCost | undefined {
  try {
    const spent = cost(config);
    return (typeof spent === 'number' && Number.isFinite(spent) && spent >= 0) || (typeof spent === 'object' && spent !== null) ? spent : undefined;
  } catch {
    return undefined;
  }
}

/** A reading a user's reader returned that can be counted with: an id, and finite, non-negative numbers. */
export function countable(r: unknown): r is QuotaReading {
  const q = r as Partial<QuotaReading> | null;
  const finite = (n: unknown, optional: boolean) => (optional && n === undefined) || (typeof n === 'number' && Number.isFinite(n) && n >= 0);
  return typeof q === 'object' && q !== null && typeof q.id === 'string'
    && finite(q.remaining, false) && finite(q.limit, true) && finite(q.resetMs, true) && finite(q.windowMs, true);
}
