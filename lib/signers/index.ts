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

export const signers = Object.freeze({ binance, bybit, okx, coinbase, kucoin, kraken });

export type { BinanceCredentials } from './binance';
export type { BybitCredentials } from './bybit';
export type { CoinbaseCredentials } from './coinbase';
export type { KrakenCredentials } from './kraken';
export type { KucoinCredentials } from './kucoin';
export type { OkxCredentials } from './okx';
export type { Resign, SignerOptions, WebCrypto } from './shared';
