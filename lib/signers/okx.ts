import { base64, hmac, utf8 } from './crypto';
import { signer } from './kit';
import { OKX } from './stamps';
import type { Resign, SignerOptions } from './shared';

/** OKX API credentials. */
export interface OkxCredentials extends SignerOptions {
  /** The API key, as the exchange shows it. */
  readonly apiKey: string;
  /** The API secret, as the exchange shows it; it signs, and is never sent nor said. */
  readonly apiSecret: string;
  /** The passphrase chosen when the key was made. */
  readonly passphrase: string;
}

/**
 * OKX V5: `OK-ACCESS-TIMESTAMP` set to now (ISO 8601, ms) and `OK-ACCESS-SIGN`, base64 HMAC-SHA256
 * of timestamp + method + path with query (its values decoded, as the exchange's own SDK signs them) + body.
 * https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature
 */
export function okx(credentials: OkxCredentials): Resign {
  return signer('okx', credentials, ['apiKey', 'apiSecret', 'passphrase'], [], ({ subtle }) => {
    const mac = hmac(subtle, utf8(credentials.apiSecret), 'SHA-256');
    return async (request, at) => {
      const timestamp = new Date(at).toISOString();
      const signature = base64(await mac(utf8(timestamp + request.method + request.pathAndDecodedQuery + request.body)));
      request.setHeader('OK-ACCESS-KEY', credentials.apiKey);
      request.setHeader('OK-ACCESS-SIGN', signature);
      request.setHeader('OK-ACCESS-TIMESTAMP', timestamp);
      request.setHeader('OK-ACCESS-PASSPHRASE', credentials.passphrase);
    };
  }, OKX);
}
