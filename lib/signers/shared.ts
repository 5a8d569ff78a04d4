import type { AxiosRequestConfig } from 'axios';
import type { RetryContext } from '../types';

/** A request a signer cannot sign, said in words that hold no secret. */
export class SignError extends Error {
  override name = 'SignError';
}

/** What every signer takes besides its credentials. */
export interface SignerOptions {
  /** The clock a new timestamp is read from, epoch ms. Default: the system's. */
  readonly now?: () => number;
  /** The WebCrypto to sign with. Default: `globalThis.crypto` (browsers, Node 19+); on Node 18, `require('node:crypto').webcrypto`. */
  readonly crypto?: WebCrypto;
}

/**
 * A `resign` hook: the request re-stamped and signed again, as the exchange documents. Given the
 * retry's context, the new stamp keeps the lead the client's own clock had on this process' (an
 * SDK that keeps the exchange's time), learned from the request as the client first signed it.
 */
export type Resign = (config: AxiosRequestConfig, ctx?: RetryContext) => Promise<AxiosRequestConfig>;

/**
 * What the signers use of WebCrypto (`globalThis.crypto`, or Node's `webcrypto`), named without
 * the DOM's types, so that a project compiled without the DOM library can pass one.
 */
export interface WebCrypto {
  /** Its SubtleCrypto: HMAC, digests, ECDSA, Ed25519, RSA. */
  readonly subtle: object;
  /** Random bytes: a JWT's nonce. */
  getRandomValues(array: Uint8Array): Uint8Array;
}
