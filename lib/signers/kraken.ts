import { base64, concat, fromBase64, hmac, sha256, utf8 } from './crypto';
import { signer } from './kit';
import { SignError, type Resign, type SignerOptions } from './shared';
import type { SignedRequest } from './request';

/** Kraken API credentials: the secret as Kraken shows it, base64. */
export interface KrakenCredentials extends SignerOptions {
  /** The API key, as the exchange shows it. */
  readonly apiKey: string;
  /** The API secret, as the exchange shows it; it signs, and is never sent nor said. */
  readonly apiSecret: string;
}

/**
 * Kraken spot: a `nonce` higher than the request's, in the scale it had (a nonce of ms stays in
 * ms, so the client's next one still goes above it), and `API-Sign`, base64 HMAC-SHA512 with the
 * decoded secret of path + SHA-256(nonce + body).
 * https://docs.kraken.com/api/docs/guides/spot-rest-auth
 */
export function kraken(credentials: KrakenCredentials): Resign {
  return signer('kraken', credentials, ['apiKey', 'apiSecret'], [], ({ subtle }) => {
    const secret = fromBase64(credentials.apiSecret);
    if (!secret || secret.length === 0) throw new TypeError('signers.kraken(credentials): apiSecret must be the base64 secret Kraken gave');
    const mac = hmac(subtle, secret, 'SHA-512');
    return async (request, at) => {
      const nonce = renew(request, at);
      const digest = new Uint8Array(await sha256(subtle, utf8(nonce + request.body)));
      request.setHeader('API-Key', credentials.apiKey);
      request.setHeader('API-Sign', base64(await mac(concat(utf8(request.path), digest))));
    };
  });
}

/** Sets a nonce above the request's own, in its scale (ms, µs, ns...): the body's, form or JSON. */
function renew(request: SignedRequest, now: number): string {
  // A JSON nonce is read and written as text: past 2^53 (a nanosecond nonce) a number would lose digits.
  const json = request.json ? JSON_NONCE.exec(request.body) : null;
  const old = request.json ? json?.[2] : request.field('nonce');
  if (old === undefined || !/^\d+$/.test(old)) throw new SignError('the body carries no numeric nonce to renew');
  // Digits beyond ms (13) say the scale the client counts in.
  const scale = 10n ** BigInt(Math.max(0, old.length - 13));
  const fresh = BigInt(Math.floor(now)) * scale;
  const nonce = (fresh > BigInt(old) ? fresh : BigInt(old) + 1n).toString();
  if (json) request.body = request.body.slice(0, json.index) + json[1] + nonce + json[3] + request.body.slice(json.index + json[0].length);
  else request.setField('nonce', nonce);
  return nonce;
}

/** `"nonce": 123` or `"nonce": "123"` in a JSON body: what precedes the digits, the digits, the closing quote if any. */
const JSON_NONCE = /("nonce"\s*:\s*"?)(\d+)("?)/;
