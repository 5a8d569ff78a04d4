/**
 * `axios-backoff/signers`: `resign` hooks for clients that sign before axios (exchange SDKs
 * under `backoffAdapter`). Each re-stamps a request and signs it again the way its exchange
 * documents, with WebCrypto; no secret appears in an error.
 *
 * @example
 * import { backoffAdapter, presets } from 'axios-backoff';
 * import { signers } from 'axios-backoff/signers';
 * const client = new MainClient(keys, {
 *   adapter: backoffAdapter(presets.binance({ resign: signers.binance({ apiSecret }) })),
 * });
 */
import { binance } from './binance';
import { bybit } from './bybit';
import { coinbase } from './coinbase';
import { kraken } from './kraken';
import { kucoin } from './kucoin';
import { okx } from './okx';
import type { BinanceCredentials } from './binance';
import type { BybitCredentials } from './bybit';
import type { CoinbaseCredentials } from './coinbase';
import type { KrakenCredentials } from './kraken';
import type { KucoinCredentials } from './kucoin';
import type { OkxCredentials } from './okx';
import type { Resign } from './shared';

/** One `resign` hook maker per exchange: `signers.binance({ apiSecret })` and the others. */
export const signers: {
  /** Binance: `timestamp` renewed, `signature` (HMAC, Ed25519 or RSA) over query and body. */
  readonly binance: (credentials: BinanceCredentials) => Resign;
  /** Bybit V5: `X-BAPI-TIMESTAMP` renewed, `X-BAPI-SIGN`. */
  readonly bybit: (credentials: BybitCredentials) => Resign;
  /** OKX V5: `OK-ACCESS-TIMESTAMP` renewed, `OK-ACCESS-SIGN`. */
  readonly okx: (credentials: OkxCredentials) => Resign;
  /** Coinbase: a new JWT for a CDP key, or `CB-ACCESS-*` for an Exchange key. */
  readonly coinbase: (credentials: CoinbaseCredentials) => Resign;
  /** KuCoin: `KC-API-TIMESTAMP` renewed, `KC-API-SIGN`, the passphrase signed. */
  readonly kucoin: (credentials: KucoinCredentials) => Resign;
  /** Kraken spot: a higher `nonce`, `API-Sign`. */
  readonly kraken: (credentials: KrakenCredentials) => Resign;
} = Object.freeze({ binance, bybit, okx, coinbase, kucoin, kraken });

export type { BinanceCredentials } from './binance';
export type { BybitCredentials } from './bybit';
export type { CoinbaseCredentials } from './coinbase';
export type { KrakenCredentials } from './kraken';
export type { KucoinCredentials } from './kucoin';
export type { OkxCredentials } from './okx';
export type { Resign, SignerOptions, WebCrypto } from './shared';
