import type { AxiosRequestConfig } from 'axios';
import type { BackoffState } from '../types';
import { fromBase64 } from './crypto';
import { SignedRequest } from './request';

/** How an exchange stamps a signed request. */
export interface Stamping {
  /** When the request was signed, epoch ms by the clock that signed it; undefined when it carries no signature. */
  stamp(r: SignedRequest): number | undefined;
  /** How long after its stamp the exchange accepts it, ms. */
  window(r: SignedRequest): number;
}

const num = (s: string | undefined): number | undefined => (s === undefined || s.trim() === '' ? undefined : Number(s));

/**
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/timing-security: processed
 * only while serverTime - timestamp <= recvWindow (default 5000 ms).
 */
export const BINANCE: Stamping = {
  stamp: (r) => (r.param('signature') ?? r.field('signature')) === undefined ? undefined : num(r.param('timestamp') ?? r.field('timestamp')),
  window: (r) => num(r.param('recvWindow') ?? r.field('recvWindow')) ?? 5000,
};

/** https://bybit-exchange.github.io/docs/v5/guide: server_time - recv_window <= timestamp (default 5000 ms). */
export const BYBIT: Stamping = {
  stamp: (r) => (r.header('X-BAPI-SIGN') === undefined ? undefined : num(r.header('X-BAPI-TIMESTAMP'))),
  window: (r) => num(r.header('X-BAPI-RECV-WINDOW')) ?? 5000,
};

/** https://www.okx.com/docs-v5/en/#overview-rest-authentication: refused (50102) 30 s after it; `expTime` (ms) ends it sooner. */
export const OKX: Stamping = {
  stamp: (r) => (r.header('OK-ACCESS-SIGN') === undefined ? undefined : Date.parse(r.header('OK-ACCESS-TIMESTAMP') ?? '')),
  window: (r) => {
    const stamp = Date.parse(r.header('OK-ACCESS-TIMESTAMP') ?? '');
    const expires = num(r.header('expTime'));
    return expires === undefined ? 30_000 : Math.min(30_000, expires - stamp);
  },
};

/** A JWT payload's claims, or undefined. */
function jwtClaims(r: SignedRequest): { nbf?: unknown; exp?: unknown } | undefined {
  const jwt = /^Bearer\s+[\w-]+\.([\w-]+)\.[\w-]+$/.exec(r.header('Authorization') ?? '');
  if (!jwt) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(fromBase64(jwt[1]))) as { nbf?: unknown; exp?: unknown };
  } catch {
    return undefined;
  }
}

/**
 * https://docs.cdp.coinbase.com/exchange/rest-api/authentication: CB-ACCESS-TIMESTAMP (seconds)
 * within 30 s of the server's time. A CDP key's JWT: from `nbf` to `exp`.
 */
export const COINBASE: Stamping = {
  stamp: (r) => {
    if (r.header('CB-ACCESS-SIGN') !== undefined) return (num(r.header('CB-ACCESS-TIMESTAMP')) ?? NaN) * 1000;
    const nbf = jwtClaims(r)?.nbf;
    return typeof nbf === 'number' ? nbf * 1000 : undefined;
  },
  window: (r) => {
    const claims = r.header('CB-ACCESS-SIGN') === undefined ? jwtClaims(r) : undefined;
    return typeof claims?.exp === 'number' && typeof claims.nbf === 'number' ? (claims.exp - claims.nbf) * 1000 : 30_000;
  },
};

/** https://www.kucoin.com/docs-new/authentication: KC-API-TIMESTAMP within 5 s of the server's time. */
export const KUCOIN: Stamping = {
  stamp: (r) => (r.header('KC-API-SIGN') === undefined ? undefined : num(r.header('KC-API-TIMESTAMP'))),
  window: () => 5_000,
};

/** A lead larger than this (ms) is no clock offset but a request stamped for another reason. */
const MAX_LEAD = 15 * 60_000;

/**
 * How far ahead of this process' clock the client signs (ms): an SDK that keeps the exchange's
 * time adds an offset to its own. Learned from the request as the client first signed it (its
 * stamp) against when its first attempt started; 0 when either is not known.
 */
export function leadOf(state: BackoffState | undefined, stamping: Stamping): number {
  const original = state?.snapshot?.request;
  const started = state?.startedAt;
  if (!original || typeof started !== 'number') return 0;
  const stamp = stamping.stamp(new SignedRequest(original as AxiosRequestConfig));
  const lead = stamp === undefined ? NaN : stamp - started;
  return Number.isFinite(lead) && Math.abs(lead) < MAX_LEAD ? lead : 0;
}

/**
 * A preset's `signedUntil`: when the exchange stops accepting the request, by this process' clock
 * (the stamp plus the window, less the client's lead); undefined for a request not signed.
 */
export function signedUntilBy(stamping: Stamping): (config: AxiosRequestConfig) => number | undefined {
  return (config) => {
    const r = new SignedRequest(config);
    const stamp = stamping.stamp(r);
    if (stamp === undefined) return undefined;
    const until = stamp + stamping.window(r) - leadOf(config.backoffState, stamping);
    return Number.isFinite(until) ? until : undefined;
  };
}
