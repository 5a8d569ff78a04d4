import { base64, hmac, utf8 } from './crypto';
import { signer } from './kit';
import { KUCOIN } from './stamps';
import type { Resign, SignerOptions } from './shared';

/** KuCoin API credentials. */
export interface KucoinCredentials extends SignerOptions {
  /** The API key, as the exchange shows it. */
  readonly apiKey: string;
  /** The API secret, as the exchange shows it; it signs, and is never sent nor said. */
  readonly apiSecret: string;
  /** The passphrase chosen when the key was made. */
  readonly passphrase: string;
  /** `KC-API-KEY-VERSION` when the request carries none: '2' (the passphrase signed) or '3'; '1' sends it plain. Default '2'. */
  readonly keyVersion?: string;
}

/**
 * KuCoin: `KC-API-TIMESTAMP` set to now (ms) and `KC-API-SIGN`, base64 HMAC-SHA256 of timestamp +
 * method + path with query (its values decoded, as the exchange's own SDK signs them) + body; from key version 2 the passphrase is sent signed with the secret.
 * https://www.kucoin.com/docs-new/authentication
 */
export function kucoin(credentials: KucoinCredentials): Resign {
  return signer('kucoin', credentials, ['apiKey', 'apiSecret', 'passphrase'], ['keyVersion'], ({ subtle }) => {
    const mac = hmac(subtle, utf8(credentials.apiSecret), 'SHA-256');
    const signedPassphrase = mac(utf8(credentials.passphrase)).then(base64);
    signedPassphrase.catch(() => undefined);
    const defaultVersion = String(credentials.keyVersion ?? '2');
    return async (request, at) => {
      const timestamp = String(at);
      const version = request.header('KC-API-KEY-VERSION') ?? defaultVersion;
      request.setHeader('KC-API-KEY', credentials.apiKey);
      request.setHeader('KC-API-SIGN', base64(await mac(utf8(timestamp + request.method + request.pathAndDecodedQuery + request.body))));
      request.setHeader('KC-API-TIMESTAMP', timestamp);
      request.setHeader('KC-API-PASSPHRASE', version === '1' ? credentials.passphrase : await signedPassphrase);
      request.setHeader('KC-API-KEY-VERSION', version);
    };
  }, KUCOIN);
}
