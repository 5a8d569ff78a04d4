import type { AxiosRequestConfig } from 'axios';
import { SignedRequest } from '../signers/request';

/**
 * When each exchange stops accepting a signed request: its timestamp plus the window the
 * exchange documents. Undefined for a request that carries no signature. Presets pass these as
 * `signedUntil`, so that, without `resign`, a wait past it fails at once with `needs-resign`.
 */
type SignedUntil = (config: AxiosRequestConfig) => number | undefined;

const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);

/**
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/timing-security: processed
 * only while serverTime - timestamp <= recvWindow (default 5000 ms).
 */
export const binanceSignedUntil: SignedUntil = (config) => {
  const r = new SignedRequest(config);
  if (r.param('signature') === undefined && r.field('signature') === undefined) return undefined;
  const window = Number(r.param('recvWindow') ?? r.field('recvWindow') ?? 5000);
  return finite(Number(r.param('timestamp') ?? r.field('timestamp')) + window);
};

/** https://bybit-exchange.github.io/docs/v5/guide: server_time - recv_window <= timestamp (default 5000 ms). */
export const bybitSignedUntil: SignedUntil = (config) => {
  const r = new SignedRequest(config);
  if (r.header('X-BAPI-SIGN') === undefined) return undefined;
  return finite(Number(r.header('X-BAPI-TIMESTAMP')) + Number(r.header('X-BAPI-RECV-WINDOW') ?? 5000));
};

/**
 * https://www.okx.com/docs-v5/en/#overview-rest-authentication: refused (50102) 30 s after
 * OK-ACCESS-TIMESTAMP; an `expTime` header (ms) ends it sooner.
 */
export const okxSignedUntil: SignedUntil = (config) => {
  const r = new SignedRequest(config);
  if (r.header('OK-ACCESS-SIGN') === undefined) return undefined;
  const until = Date.parse(r.header('OK-ACCESS-TIMESTAMP') ?? '') + 30_000;
  const expires = Number(r.header('expTime') ?? Infinity);
  return finite(Math.min(until, expires));
};

/**
 * https://docs.cdp.coinbase.com/exchange/rest-api/authentication: CB-ACCESS-TIMESTAMP (seconds)
 * within 30 s of the server's time. A CDP key's JWT: its `exp`.
 */
export const coinbaseSignedUntil: SignedUntil = (config) => {
  const r = new SignedRequest(config);
  if (r.header('CB-ACCESS-SIGN') !== undefined) return finite(Number(r.header('CB-ACCESS-TIMESTAMP')) * 1000 + 30_000);
  const jwt = /^Bearer\s+[\w-]+\.([\w-]+)\.[\w-]+$/.exec(r.header('Authorization') ?? '');
  return jwt ? finite(expiryOf(jwt[1])) : undefined;
};

/** https://www.kucoin.com/docs-new/authentication: KC-API-TIMESTAMP within 5 s of the server's time. */
export const kucoinSignedUntil: SignedUntil = (config) => {
  const r = new SignedRequest(config);
  if (r.header('KC-API-SIGN') === undefined) return undefined;
  return finite(Number(r.header('KC-API-TIMESTAMP')) + 5_000);
};

/** A JWT payload's `exp`, in ms; NaN when there is none. */
function expiryOf(payload: string): number {
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp * 1000 : NaN;
  } catch {
    return NaN;
  }
}
