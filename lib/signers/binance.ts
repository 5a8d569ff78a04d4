import { base64, bytes, hex, hmac, indexOf, pemBody, utf8 } from './crypto';
import { signer } from './kit';
import { BINANCE } from './stamps';
import { SignError, type Resign, type SignerOptions } from './shared';
import type { SignedRequest } from './request';

/** Binance API credentials: an HMAC secret, or an Ed25519 or RSA private key (PKCS#8 PEM). */
export interface BinanceCredentials extends SignerOptions {
  /** The secret of an HMAC key. */
  readonly apiSecret?: string;
  /** The PKCS#8 PEM private key of an Ed25519 or RSA key, instead of `apiSecret`. */
  readonly privateKey?: string;
}

// OIDs inside a PKCS#8 key: id-Ed25519 (1.3.101.112), rsaEncryption (1.2.840.113549.1.1.1).
const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70];
const RSA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/**
 * Binance (spot, margin, futures, options): `timestamp` set to now where the request carries it,
 * and `signature` over the query string followed by the body, appended last where it was.
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security
 * HMAC-SHA256 gives hex; Ed25519 and RSA (PKCS#1 v1.5, SHA-256) give base64, URL-encoded.
 */
export function binance(credentials: BinanceCredentials): Resign {
  const { apiSecret, privateKey } = credentials ?? {};
  if ((apiSecret === undefined) === (privateKey === undefined)) {
    throw new TypeError('signers.binance(credentials): give apiSecret (an HMAC key) or privateKey (an Ed25519 or RSA key), one of them');
  }
  return signer('binance', credentials, [], ['apiSecret', 'privateKey'], ({ subtle }) => {
    const sign = apiSecret !== undefined ? hmacSigner(subtle, apiSecret) : keySigner(subtle, privateKey as string);
    return async (request, at) => {
      const inBody = request.field('signature') !== undefined || (request.param('signature') === undefined && request.field('timestamp') !== undefined);
      request.dropParam('signature');
      request.dropField('signature');
      stamp(request, String(at));
      const signature = await sign(utf8(request.queryString + request.body));
      if (inBody) request.setField('signature', signature);
      else request.setParam('signature', signature);
    };
  }, BINANCE);
}

/** The new timestamp goes where the request had one (the query unless only the body had it). */
function stamp(request: SignedRequest, timestamp: string): void {
  if (request.param('timestamp') === undefined && request.field('timestamp') !== undefined) request.setField('timestamp', timestamp);
  else request.setParam('timestamp', timestamp);
}

function hmacSigner(subtle: SubtleCrypto, secret: string): (payload: Uint8Array) => Promise<string> {
  const mac = hmac(subtle, utf8(secret), 'SHA-256');
  return async (payload) => hex(await mac(payload));
}

function keySigner(subtle: SubtleCrypto, pem: string): (payload: Uint8Array) => Promise<string> {
  const body = pemBody(pem);
  if (!body || body.label !== 'PRIVATE KEY') {
    throw new TypeError('signers.binance(credentials): privateKey must be a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----), Ed25519 or RSA');
  }
  const ed25519 = indexOf(body.der, ED25519_OID) >= 0;
  if (!ed25519 && indexOf(body.der, RSA_OID) < 0) throw new TypeError('signers.binance(credentials): privateKey is neither an Ed25519 nor an RSA key');
  const algorithm = ed25519 ? { name: 'Ed25519' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = subtle.importKey('pkcs8', bytes(body.der), algorithm, false, ['sign']);
  key.catch(() => undefined);
  return async (payload) => {
    const signature = await subtle.sign(algorithm.name, await key.catch(() => Promise.reject(new SignError('the private key could not be imported'))), bytes(payload));
    return encodeURIComponent(base64(signature));
  };
}
