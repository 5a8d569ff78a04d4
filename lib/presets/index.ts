import { binance } from './binance';
import { bybit } from './bybit';
import { coinbase } from './coinbase';
import { kraken } from './kraken';
import { kucoin } from './kucoin';
import { okx } from './okx';

export { binanceClassifier } from './binance';
export { bybitClassifier } from './bybit';
export { coinbaseClassifier } from './coinbase';
export { krakenClassifier } from './kraken';
export { kucoinClassifier } from './kucoin';
export { okxClassifier } from './okx';
export type { Preset, PresetOptions } from './shared';

/**
 * Options for each exchange: its `classify` (body codes, rate-limit headers, bans), with
 * your overrides on top.
 *
 * @example
 * ```ts
 * const api = axios.create({ baseURL: 'https://api.binance.com' });
 * attach(api, presets.binance({ retries: 5, maxRetryAfter: 120_000 }));
 * ```
 */
export const presets = Object.freeze({ binance, bybit, okx, coinbase, kraken, kucoin });
