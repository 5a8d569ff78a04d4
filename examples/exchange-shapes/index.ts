import { binance } from './binance';
import { bybit } from './bybit';
import { coinbase } from './coinbase';
import { kraken } from './kraken';
import { kucoin } from './kucoin';
import { okx } from './okx';

export type { Answer, ExchangeShape, MockRequest, OrderRecord, RouteName, Routed } from './types';

/** Each exchange's routes and answers, for the loopback mocks. */
export const SHAPES = Object.freeze({ binance, bybit, okx, coinbase, kraken, kucoin });

export type ExchangeKind = keyof typeof SHAPES;
