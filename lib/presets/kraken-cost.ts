import type { AxiosRequestConfig } from 'axios';
import { KRAKEN_COUNTER } from '../quota/kraken';
import type { RequestCost } from '../quota/types';

// https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits: "Ledger/trade history calls increase
// the counter by 2. All other API calls increase this counter by 1 (except AddOrder, CancelOrder
// which operate on a different limiter)."
/** Private calls that add 2 to the counter. */
const DOUBLE = new Set(['Ledgers', 'QueryLedgers', 'TradesHistory', 'QueryTrades']);
/** Private calls on the trading engine's limiter, not the call counter. */
const TRADING = new Set([
  'AddOrder', 'AddOrderBatch', 'AmendOrder', 'EditOrder', 'CancelOrder', 'CancelOrderBatch', 'CancelAll', 'CancelAllOrdersAfter',
]);

/** The path's last segment after `/0/private/`, or undefined for a call that is not private. */
function privateMethod(config: AxiosRequestConfig): string | undefined {
  const url = config.url ?? '';
  const at = url.indexOf('/0/private/');
  if (at < 0) return undefined;
  return url.slice(at + '/0/private/'.length).split(/[/?#]/, 1)[0];
}

/** What a Kraken spot call adds to the call counter: 2 for ledgers and trade history, 0 for trading and public calls, else 1. */
export function krakenCost(config: AxiosRequestConfig): RequestCost {
  const method = privateMethod(config);
  const units = method === undefined || TRADING.has(method) ? 0 : DOUBLE.has(method) ? 2 : 1;
  return { [KRAKEN_COUNTER]: units };
}
