import { base64, base64url, bytes, concat, fromBase64, hex, hmac, pemBody, utf8 } from './crypto';
import { signer, type Sign, type SignerKit } from './kit';
import { COINBASE } from './stamps';
import type { Resign, SignerOptions, WebCrypto } from './shared';

/**
 * Coinbase API credentials. A CDP key (Advanced Trade, App): `apiKey` is its name
 * (`organizations/.../apiKeys/...`) and `apiSecret` its EC private key (PEM) or Ed25519 secret
 * (base64). An Exchange (Prime, International) key: `apiKey`, `apiSecret` (base64) and `passphrase`.
 */
export interface CoinbaseCredentials extends SignerOptions {
  /** The API key, as the exchange shows it. */
  readonly apiKey: string;
  /** The API secret, as the exchange shows it; it signs, and is never sent nor said. */
  readonly apiSecret: string;
  /** The passphrase chosen when the key was made. */
  readonly passphrase?: string;
}

/**
 * Coinbase. A CDP key: a new JWT in `Authorization` (ES256 or EdDSA, 2 minutes, for
 * "METHOD host/path"), https://docs.cdp.coinbase.com/coinbase-app/authentication-authorization/api-key-authentication.
 * An Exchange key: `CB-ACCESS-TIMESTAMP` set to now (seconds) and `CB-ACCESS-SIGN`, base64 HMAC-SHA256
 * with the decoded secret of timestamp + method + path with query + body,
 * https://docs.cdp.coinbase.com/exchange/rest-api/authentication.
 */
export function coinbase(credentials: CoinbaseCredentials): Resign {
  return signer('coinbase', credentials, ['apiKey', 'apiSecret'], ['passphrase'], (kit) =>
    credentials.passphrase !== undefined ? exchangeKey(kit, credentials as Required<CoinbaseCredentials>) : cdpKey(kit, credentials, credentials.crypto),
  COINBASE);
}

function exchangeKey({ subtle }: SignerKit, { apiKey, apiSecret, passphrase }: Required<CoinbaseCredentials>): Sign {
  const secret = fromBase64(apiSecret);
  if (!secret || secret.length === 0) throw new TypeError('signers.coinbase(credentials): with a passphrase, apiSecret must be the base64 secret of an Exchange key');
  const mac = hmac(subtle, secret, 'SHA-256');
  return async (request, at) => {
    // In the form the request had: whole seconds, or with ms (as the SDK writes it, ms / 1000).
    const ms = at;
    const timestamp = /^\d+$/.test(request.header('CB-ACCESS-TIMESTAMP') ?? '') ? String(Math.floor(ms / 1000)) : String(ms / 1000);
    request.setHeader('CB-ACCESS-KEY', apiKey);
    request.setHeader('CB-ACCESS-SIGN', base64(await mac(utf8(timestamp + request.method + request.pathAndQuery + request.body))));
    request.setHeader('CB-ACCESS-TIMESTAMP', timestamp);
    request.setHeader('CB-ACCESS-PASSPHRASE', passphrase);
  };
}

/** How long a JWT is valid, s: Coinbase's documented 2 minutes. */
const JWT_LIFE = 120;

function cdpKey({ subtle }: SignerKit, { apiKey, apiSecret }: CoinbaseCredentials, given: WebCrypto | undefined): Sign {
  const key = cdpPrivateKey(apiSecret);
  const imported = subtle.importKey('pkcs8', bytes(key.pkcs8), key.algorithm, false, ['sign']);
  imported.catch(() => undefined);
  const random = given ?? (globalThis as { crypto?: WebCrypto }).crypto;
  return async (request, at) => {
    const nbf = Math.floor(at / 1000);
    const nonce = hex((random as WebCrypto).getRandomValues(new Uint8Array(16)));
    const header = { alg: key.alg, kid: apiKey, nonce, typ: 'JWT' };
    const payload = { iss: 'cdp', nbf, exp: nbf + JWT_LIFE, sub: apiKey, uri: `${request.method} ${request.host}${request.path}` };
    const signing = `${base64url(utf8(JSON.stringify(header)))}.${base64url(utf8(JSON.stringify(payload)))}`;
    const signature = await subtle.sign(key.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' }, await imported, bytes(utf8(signing)));
    request.setHeader('Authorization', `Bearer ${signing}.${base64url(signature)}`);
  };
}

/** A CDP secret as a PKCS#8 key: an EC key in SEC1 PEM (ES256), or an Ed25519 secret in base64 (EdDSA). */
function cdpPrivateKey(secret: string): { pkcs8: Uint8Array; alg: 'ES256' | 'EdDSA'; algorithm: EcKeyImportParams | Algorithm } {
  const pem = pemBody(secret);
  if (pem?.label === 'EC PRIVATE KEY') return { pkcs8: wrapSec1(pem.der), alg: 'ES256', algorithm: { name: 'ECDSA', namedCurve: 'P-256' } };
  if (pem?.label === 'PRIVATE KEY') return { pkcs8: pem.der, alg: 'ES256', algorithm: { name: 'ECDSA', namedCurve: 'P-256' } };
  const raw = pem ? undefined : fromBase64(secret);
  // An Ed25519 CDP secret: the 32-byte seed, then the public key.
  if (raw && (raw.length === 64 || raw.length === 32)) return { pkcs8: concat(ED25519_PKCS8, raw.subarray(0, 32)), alg: 'EdDSA', algorithm: { name: 'Ed25519' } };
  throw new TypeError('signers.coinbase(credentials): apiSecret must be a CDP key (EC PEM or Ed25519 base64), or pass the passphrase of an Exchange key');
}

// PKCS#8 PrivateKeyInfo around an Ed25519 seed (RFC 8410 §7): version 0, id-Ed25519, OCTET STRING of 32.
const ED25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
// AlgorithmIdentifier of an EC key on P-256: id-ecPublicKey, prime256v1 (RFC 5480).
const EC_P256 = Uint8Array.from([0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

/** A SEC1 EC private key (RFC 5915) as the PKCS#8 PrivateKeyInfo WebCrypto imports. */
function wrapSec1(sec1: Uint8Array): Uint8Array {
  const inner = concat(Uint8Array.from([0x02, 0x01, 0x00]), EC_P256, Uint8Array.from([0x04, ...derLength(sec1.length)]), sec1);
  return concat(Uint8Array.from([0x30, ...derLength(inner.length)]), inner);
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
