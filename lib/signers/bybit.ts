import { hex, hmac, utf8 } from './crypto';
import { signer } from './kit';
import { BYBIT } from './stamps';
import type { Resign, SignerOptions } from './shared';

/** Bybit API credentials (an HMAC key). */
export interface BybitCredentials extends SignerOptions {
  /** The API key, as the exchange shows it. */
  readonly apiKey: string;
  /** The API secret, as the exchange shows it; it signs, and is never sent nor said. */
  readonly apiSecret: string;
  /** `X-BAPI-RECV-WINDOW` when the request carries none, ms. Default 5000 (Bybit's). */
  readonly recvWindow?: number;
}

/**
 * Bybit V5: `X-BAPI-TIMESTAMP` set to now and `X-BAPI-SIGN`, hex HMAC-SHA256 of timestamp + API key
 * + recv window + the query string (GET) or the body (POST), in headers.
 * https://bybit-exchange.github.io/docs/v5/guide#create-a-request
 */
export function bybit(credentials: BybitCredentials): Resign {
  return signer('bybit', credentials, ['apiKey', 'apiSecret'], ['recvWindow'], ({ subtle }) => {
    const mac = hmac(subtle, utf8(credentials.apiSecret), 'SHA-256');
    const fallbackWindow = String(credentials.recvWindow ?? 5000);
    return async (request, at) => {
      const timestamp = String(at);
      const recvWindow = request.header('X-BAPI-RECV-WINDOW') ?? fallbackWindow;
      const payload = request.method === 'GET' || request.method === 'DELETE' ? request.queryString : request.body;
      request.setHeader('X-BAPI-API-KEY', credentials.apiKey);
      request.setHeader('X-BAPI-TIMESTAMP', timestamp);
      request.setHeader('X-BAPI-RECV-WINDOW', recvWindow);
      request.setHeader('X-BAPI-SIGN', hex(await mac(utf8(timestamp + credentials.apiKey + recvWindow + payload))));
    };
  }, BYBIT);
}
