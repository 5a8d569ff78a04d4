import type { AxiosRequestConfig } from 'axios';
import { binanceIds, binanceLimits, type BinanceRateLimit } from '../quota/binance';
import type { RequestCost } from '../quota/types';

// Weights and order counts: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/<page>,
// cited below as .../<page>#<endpoint>.

/** What one request spends: request weight against the IP, unfilled orders against the account. */
export interface BinanceSpend {
  readonly weight: number;
  readonly orders: number;
}

/** Reads a request parameter wherever it was put: the URL's query, `params`, a form body. */
type Param = (name: string) => unknown;
type Weigh = number | ((param: Param) => number);

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/** A parameter as text: only strings, numbers and booleans have one (String() throws on some objects). */
const text = (value: unknown): string =>
  (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '');

/** How many symbols `symbols` names: `["BTCUSDT","BNBUSDT"]` as JSON or URL-encoded, or an array. */
function symbolCount(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (typeof value !== 'string') return undefined;
  try {
    const list: unknown = JSON.parse(value);
    if (Array.isArray(list)) return list.length;
  } catch {
    // Not JSON: count the names between the commas.
  }
  const names = value.replace(/[[\]"'\s]/g, '').split(',').filter(Boolean);
  return names.length || undefined;
}

// .../market-data-endpoints#order-book: by `limit`, "Default 100; max 5000", a larger one truncated to 5000.
function depth(param: Param): number {
  const asked = Number(text(param('limit')));
  const limit = Number.isInteger(asked) && asked >= 1 ? asked : 100;
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  return limit <= 1000 ? 50 : 250;
}

// .../market-data-endpoints#24hr-ticker-price-change-statistics: symbol 2; symbols 1-20: 2,
// 21-100: 40, 101 or more: 80; neither: 80.
function ticker24hr(param: Param): number {
  if (present(param('symbol'))) return 2;
  const n = present(param('symbols')) ? symbolCount(param('symbols')) : undefined;
  if (n === undefined) return 80;
  if (n <= 20) return 2;
  return n <= 100 ? 40 : 80;
}

// .../market-data-endpoints#rolling-window-price-change-statistics and #trading-day-ticker:
// "4 for each requested symbol ... will cap at 200 once the number of symbols is more than 50".
function perSymbol(param: Param): number {
  if (!present(param('symbols'))) return 4;
  // A list that cannot be counted weighs the cap.
  const n = symbolCount(param('symbols')) ?? Infinity;
  return Math.min(4 * Math.max(n, 1), 200);
}

const bySymbol = (one: number, other: number) => (param: Param) => (present(param('symbol')) ? one : other);
const testOrder = (param: Param) => (/^true$/i.test(text(param('computeCommissionRates'))) ? 20 : 1);

/**
 * Request weights of Binance spot's REST endpoints, by method and path. Every figure is the "Weight"
 * of its endpoint's page under https://developers.binance.com/docs/binance-spot-api-docs/rest-api/
 * (general-endpoints, market-data-endpoints, trading-endpoints, account-endpoints,
 * user-data-stream-endpoints). A path missing here weighs 1, the documented default.
 */
const WEIGHTS: ReadonlyMap<string, Weigh> = new Map<string, Weigh>([
  ['GET /api/v3/ping', 1],
  ['GET /api/v3/time', 1],
  ['GET /api/v3/exchangeInfo', 20],
  ['GET /api/v3/depth', depth],
  ['GET /api/v3/trades', 25],
  ['GET /api/v3/historicalTrades', 25],
  ['GET /api/v3/aggTrades', 4],
  ['GET /api/v3/klines', 2],
  ['GET /api/v3/uiKlines', 2],
  ['GET /api/v3/avgPrice', 2],
  ['GET /api/v3/ticker/24hr', ticker24hr],
  ['GET /api/v3/ticker/tradingDay', perSymbol],
  ['GET /api/v3/ticker/price', bySymbol(2, 4)],
  ['GET /api/v3/ticker/bookTicker', bySymbol(2, 4)],
  ['GET /api/v3/ticker', perSymbol],
  ['POST /api/v3/order', 1],
  ['POST /api/v3/order/test', testOrder],
  ['GET /api/v3/order', 4],
  ['DELETE /api/v3/order', 1],
  ['DELETE /api/v3/openOrders', 1],
  ['POST /api/v3/order/cancelReplace', 1],
  ['GET /api/v3/openOrders', bySymbol(6, 80)],
  ['GET /api/v3/allOrders', 20],
  ['POST /api/v3/order/oco', 1],
  ['POST /api/v3/orderList/oco', 1],
  ['POST /api/v3/orderList/oto', 1],
  ['POST /api/v3/orderList/otoco', 1],
  ['DELETE /api/v3/orderList', 1],
  ['GET /api/v3/orderList', 4],
  ['GET /api/v3/allOrderList', 20],
  ['GET /api/v3/openOrderList', 6],
  ['POST /api/v3/sor/order', 1],
  ['POST /api/v3/sor/order/test', testOrder],
  ['GET /api/v3/account', 20],
  ['GET /api/v3/myTrades', 20],
  ['GET /api/v3/rateLimit/order', 40],
  // "Querying by orderId: 20"; by preventedMatchId, or with an invalid symbol: 2.
  ['GET /api/v3/myPreventedMatches', (param) => (present(param('orderId')) ? 20 : 2)],
  ['GET /api/v3/myAllocations', 20],
  ['GET /api/v3/account/commission', 20],
  ['POST /api/v3/userDataStream', 2],
  ['PUT /api/v3/userDataStream', 2],
  ['DELETE /api/v3/userDataStream', 2],
]);

/**
 * Orders each placement adds to the unfilled order count (trading-endpoints): 1 an order, "OCOs add
 * 2 orders", "OTOs add 2 orders", "OTOCOs add 3 orders"; cancelReplace counts 1 even when the new
 * order is not attempted. Tests (`/order/test`) never reach the matching engine: 0.
 */
const ORDERS: ReadonlyMap<string, number> = new Map([
  ['POST /api/v3/order', 1],
  ['POST /api/v3/order/cancelReplace', 1],
  ['POST /api/v3/sor/order', 1],
  ['POST /api/v3/order/oco', 2],
  ['POST /api/v3/orderList/oco', 2],
  ['POST /api/v3/orderList/oto', 2],
  ['POST /api/v3/orderList/otoco', 3],
]);

// axios' isAbsoluteURL: a scheme, or a protocol-relative `//host`.
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/** The request's URL as axios builds it: `url` alone when absolute, else joined to `baseURL`. */
function requestUrl(config: AxiosRequestConfig): URL | undefined {
  const url = typeof config.url === 'string' ? config.url : '';
  const base = typeof config.baseURL === 'string' ? config.baseURL : '';
  // axios 1.8 added allowAbsoluteUrls; false joins even an absolute url to baseURL.
  const absolute = ABSOLUTE.test(url) && (config as { allowAbsoluteUrls?: unknown }).allowAbsoluteUrls !== false;
  const full = absolute || base === '' ? url : `${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
  try {
    return new URL(full, 'http://relative.invalid');
  } catch {
    return undefined;
  }
}

function lookup(source: unknown, name: string): unknown {
  if (source instanceof URLSearchParams) return source.get(name) ?? undefined;
  if (typeof source === 'string') return new URLSearchParams(source).get(name) ?? undefined;
  if (source === null || typeof source !== 'object' || !Object.prototype.hasOwnProperty.call(source, name)) return undefined;
  return (source as Record<string, unknown>)[name];
}

// https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md#general-information-on-endpoints:
// "If a parameter sent in both the query string and request body, the query string parameter will
// be used." axios appends `params` to the URL's query.
function paramReader(config: AxiosRequestConfig, url: URL | undefined): Param {
  return (name) => [url?.searchParams, config.params, config.data].map((s) => lookup(s, name)).find(present);
}

/** The path from `/api/v3/` on (a proxy's prefix dropped), without a trailing slash. */
function apiPath(url: URL | undefined): string {
  const path = url?.pathname ?? '';
  const at = path.indexOf('/api/v3/');
  return (at < 0 ? path : path.slice(at)).replace(/\/+$/, '');
}

/** What a Binance spot request spends: its documented weight (1 when unknown) and the orders it places. */
export function binanceSpend(config: AxiosRequestConfig): BinanceSpend {
  const url = requestUrl(config);
  const method = typeof config.method === 'string' ? config.method.toUpperCase() : 'GET';
  const route = `${method} ${apiPath(url)}`;
  const weigh = WEIGHTS.get(route);
  const weight = typeof weigh === 'function' ? weigh(paramReader(config, url)) : weigh ?? 1;
  // An unknown POST may place orders: counted, never assumed free; an unknown order list as the largest (3).
  const unknownPost = method === 'POST' && !WEIGHTS.has(route) ? (route.startsWith('POST /api/v3/orderList/') ? 3 : 1) : 0;
  return Object.freeze({ weight, orders: ORDERS.get(route) ?? unknownPost });
}

/**
 * A cost function keyed by the ids `binanceQuotas(rateLimits)` reads, built from the same
 * `rateLimits` by the same resolution: the record names the used-weight header of every
 * REQUEST_WEIGHT interval with the weight and the order-count header of every ORDERS interval
 * with the orders, 0 included. Keys by id rather than by type or prefix because RequestCost names
 * limits by reading id and counts 1 against any it leaves out: a market-data call would otherwise
 * spend one of the 100 orders per 10 s. Intervals follow `rateLimits`, so a 1 s weight limit of
 * yours is named too. Throws at once on bad `rateLimits`.
 */
export function binanceCosts(rateLimits?: readonly BinanceRateLimit[]): (config: AxiosRequestConfig) => RequestCost {
  const limits = binanceLimits(rateLimits);
  const weightIds = binanceIds(limits, 'REQUEST_WEIGHT');
  const orderIds = binanceIds(limits, 'ORDERS');
  return (config) => {
    const { weight, orders } = binanceSpend(config);
    const cost: Record<string, number> = {};
    for (const id of weightIds) cost[id] = weight;
    for (const id of orderIds) cost[id] = orders;
    return Object.freeze(cost);
  };
}

const spotCost = binanceCosts();

/**
 * The cost of a Binance spot request against the default spot limits, e.g. `GET /api/v3/depth?limit=500`:
 * `{ 'x-mbx-used-weight-1m': 25, 'x-mbx-order-count-10s': 0, 'x-mbx-order-count-1d': 0 }`.
 * Use `binanceCosts(exchangeInfo.rateLimits)` when your limits differ.
 */
export function binanceCost(config: AxiosRequestConfig): RequestCost {
  return spotCost(config);
}
