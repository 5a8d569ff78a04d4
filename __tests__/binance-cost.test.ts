import type { AxiosRequestConfig } from 'axios';
import { binanceCost, binanceCosts, binanceSpend } from '../lib/presets/binance-cost';
import { binanceQuotas, type BinanceRateLimit } from '../lib/quota/binance';

const BASE = 'https://api.binance.com';
const symbols = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `S${i}USDT`));

describe('binanceSpend, the documented weights', () => {
  it.each<[string, string, Record<string, unknown> | undefined, number, number]>([
    // general-endpoints
    ['GET', '/api/v3/ping', undefined, 1, 0],
    ['GET', '/api/v3/time', undefined, 1, 0],
    ['GET', '/api/v3/exchangeInfo', { symbol: 'BTCUSDT' }, 20, 0],
    // market-data-endpoints: depth by limit, default 100
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT' }, 5, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 1 }, 5, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 100 }, 5, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 101 }, 25, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: '500' }, 25, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 501 }, 50, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 1000 }, 50, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 1001 }, 250, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 5000 }, 250, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 9000 }, 250, 0], // truncated to 5000
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 'lots' }, 5, 0],
    ['GET', '/api/v3/depth', { symbol: 'BTCUSDT', limit: 0 }, 5, 0],
    ['GET', '/api/v3/trades', { symbol: 'BTCUSDT' }, 25, 0],
    ['GET', '/api/v3/historicalTrades', { symbol: 'BTCUSDT' }, 25, 0],
    ['GET', '/api/v3/aggTrades', { symbol: 'BTCUSDT' }, 4, 0],
    ['GET', '/api/v3/klines', { symbol: 'BTCUSDT', interval: '1m' }, 2, 0],
    ['GET', '/api/v3/uiKlines', { symbol: 'BTCUSDT', interval: '1m' }, 2, 0],
    ['GET', '/api/v3/avgPrice', { symbol: 'BTCUSDT' }, 2, 0],
    // 24hr: symbol 2; symbols 1-20: 2, 21-100: 40, 101+: 80; none: 80
    ['GET', '/api/v3/ticker/24hr', { symbol: 'BTCUSDT' }, 2, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: symbols(1) }, 2, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: symbols(20) }, 2, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: symbols(21) }, 40, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: symbols(100) }, 40, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: symbols(101) }, 80, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: ['BTCUSDT', 'BNBUSDT'] }, 2, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: '[BTCUSDT,BNBUSDT]' }, 2, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: '[]' }, 2, 0],
    ['GET', '/api/v3/ticker/24hr', { symbols: '' }, 80, 0],
    ['GET', '/api/v3/ticker/24hr', undefined, 80, 0],
    ['GET', '/api/v3/ticker/price', { symbol: 'BTCUSDT' }, 2, 0],
    ['GET', '/api/v3/ticker/price', { symbols: symbols(3) }, 4, 0],
    ['GET', '/api/v3/ticker/price', undefined, 4, 0],
    ['GET', '/api/v3/ticker/bookTicker', { symbol: 'BTCUSDT' }, 2, 0],
    ['GET', '/api/v3/ticker/bookTicker', undefined, 4, 0],
    // rolling window and trading day: 4 a symbol, 200 at most
    ['GET', '/api/v3/ticker', { symbol: 'BTCUSDT' }, 4, 0],
    ['GET', '/api/v3/ticker', { symbols: symbols(10) }, 40, 0],
    ['GET', '/api/v3/ticker', { symbols: symbols(50) }, 200, 0],
    ['GET', '/api/v3/ticker', { symbols: symbols(51) }, 200, 0],
    ['GET', '/api/v3/ticker', { symbols: '[]' }, 4, 0],
    ['GET', '/api/v3/ticker', { symbols: 7 }, 200, 0], // a list that cannot be counted: the cap
    ['GET', '/api/v3/ticker/tradingDay', { symbols: symbols(2) }, 8, 0],
    // trading-endpoints
    ['POST', '/api/v3/order', { symbol: 'BTCUSDT' }, 1, 1],
    ['POST', '/api/v3/order/test', undefined, 1, 0],
    ['POST', '/api/v3/order/test', { computeCommissionRates: true }, 20, 0],
    ['POST', '/api/v3/order/test', { computeCommissionRates: 'false' }, 1, 0],
    ['GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId: 1 }, 4, 0],
    ['DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: 1 }, 1, 0],
    ['DELETE', '/api/v3/openOrders', { symbol: 'BTCUSDT' }, 1, 0],
    ['POST', '/api/v3/order/cancelReplace', undefined, 1, 1],
    ['GET', '/api/v3/openOrders', { symbol: 'BTCUSDT' }, 6, 0],
    ['GET', '/api/v3/openOrders', undefined, 80, 0],
    ['GET', '/api/v3/allOrders', { symbol: 'BTCUSDT' }, 20, 0],
    ['POST', '/api/v3/order/oco', undefined, 1, 2],
    ['POST', '/api/v3/orderList/oco', undefined, 1, 2],
    ['POST', '/api/v3/orderList/oto', undefined, 1, 2],
    ['POST', '/api/v3/orderList/otoco', undefined, 1, 3],
    ['POST', '/api/v3/orderList/opoco', undefined, 1, 3], // an order list not in the table: the largest
    ['DELETE', '/api/v3/orderList', undefined, 1, 0],
    ['GET', '/api/v3/orderList', undefined, 4, 0],
    ['GET', '/api/v3/allOrderList', undefined, 20, 0],
    ['GET', '/api/v3/openOrderList', undefined, 6, 0],
    ['POST', '/api/v3/sor/order', undefined, 1, 1],
    ['POST', '/api/v3/sor/order/test', { computeCommissionRates: 'TRUE' }, 20, 0],
    // account-endpoints, user-data-stream-endpoints
    ['GET', '/api/v3/account', undefined, 20, 0],
    ['GET', '/api/v3/myTrades', { symbol: 'BTCUSDT' }, 20, 0],
    ['GET', '/api/v3/rateLimit/order', undefined, 40, 0],
    ['GET', '/api/v3/myPreventedMatches', { symbol: 'BTCUSDT', orderId: 5 }, 20, 0],
    ['GET', '/api/v3/myPreventedMatches', { symbol: 'BTCUSDT', preventedMatchId: 1 }, 2, 0],
    ['GET', '/api/v3/myAllocations', { symbol: 'BTCUSDT' }, 20, 0],
    ['GET', '/api/v3/account/commission', { symbol: 'BTCUSDT' }, 20, 0],
    ['POST', '/api/v3/userDataStream', undefined, 2, 0],
    ['PUT', '/api/v3/userDataStream', undefined, 2, 0],
    ['DELETE', '/api/v3/userDataStream', undefined, 2, 0],
    // unknown: weight 1; a POST may place an order
    ['GET', '/api/v3/somethingNew', undefined, 1, 0],
    ['POST', '/api/v3/somethingNew', undefined, 1, 1],
    ['PUT', '/api/v3/order', undefined, 1, 0],
    ['GET', '/sapi/v1/capital/config/getall', undefined, 1, 0],
  ])('%s %s %j weighs %d and places %d orders', (method, url, params, weight, orders) => {
    expect(binanceSpend({ method, baseURL: BASE, url, params })).toEqual({ weight, orders });
  });
});

describe('binanceSpend, where the parameters are', () => {
  const depth500 = 25;
  it.each<[string, AxiosRequestConfig]>([
    ['params, an object', { url: '/api/v3/depth', params: { limit: 500 } }],
    ['params, URLSearchParams', { url: '/api/v3/depth', params: new URLSearchParams({ limit: '500' }) }],
    ['the URL query', { url: '/api/v3/depth?symbol=BTCUSDT&limit=500' }],
    ['the URL query of an absolute URL', { url: 'https://api.binance.com/api/v3/depth?limit=500' }],
    ['the URL query over params', { url: '/api/v3/depth?limit=500', params: { limit: 5000 } }],
    ['params when the URL query has none', { url: '/api/v3/depth?symbol=BTCUSDT', params: { symbol: 'x', limit: '500' } }],
    ['params beside an empty value in the query', { url: '/api/v3/depth?limit=', params: { limit: 500 } }],
    ['a form body', { url: '/api/v3/depth', data: 'symbol=BTCUSDT&limit=500' }],
    ['a URLSearchParams body', { url: '/api/v3/depth', data: new URLSearchParams({ limit: '500' }) }],
    ['an object body', { url: '/api/v3/depth', data: { limit: 500 } }],
  ])('reads %s', (_name, config) => {
    expect(binanceSpend({ baseURL: BASE, ...config }).weight).toBe(depth500);
  });

  it('reads URL-encoded symbols from the query', () => {
    expect(binanceSpend({ url: `${BASE}/api/v3/ticker?symbols=%5B%22BTCUSDT%22,%22BNBUSDT%22%5D` }).weight).toBe(8);
  });

  it('reads computeCommissionRates from the body of a POST', () => {
    expect(binanceSpend({ method: 'post', url: '/api/v3/order/test', data: 'computeCommissionRates=true' }).weight).toBe(20);
  });

  it('ignores parameters inherited from a prototype', () => {
    const params = Object.create({ symbol: 'BTCUSDT' }) as Record<string, unknown>;
    expect(binanceSpend({ url: '/api/v3/openOrders', params }).weight).toBe(80);
  });
});

describe('binanceSpend, where the path is', () => {
  it.each<[string, AxiosRequestConfig]>([
    ['relative to baseURL', { baseURL: BASE, url: '/api/v3/exchangeInfo' }],
    ['relative without a slash', { baseURL: BASE, url: 'api/v3/exchangeInfo' }],
    ['baseURL with a trailing slash', { baseURL: `${BASE}/`, url: '/api/v3/exchangeInfo' }],
    ['baseURL ending in /api', { baseURL: `${BASE}/api`, url: '/v3/exchangeInfo' }],
    ['baseURL ending in /api/v3/', { baseURL: `${BASE}/api/v3/`, url: 'exchangeInfo' }],
    ['baseURL being the whole URL', { baseURL: `${BASE}/api/v3/exchangeInfo` }],
    ['absolute, beside another baseURL', { baseURL: 'https://other.example', url: `${BASE}/api/v3/exchangeInfo` }],
    ['protocol-relative', { url: '//api.binance.com/api/v3/exchangeInfo' }],
    ['absolute, no baseURL', { url: `${BASE}/api/v3/exchangeInfo?symbol=BTCUSDT` }],
    ['relative, no baseURL', { url: '/api/v3/exchangeInfo' }],
    ['behind a proxy prefix', { baseURL: 'https://proxy.example/binance', url: '/api/v3/exchangeInfo' }],
    ['with a trailing slash', { baseURL: BASE, url: '/api/v3/exchangeInfo/' }],
    ['the market-data host', { url: 'https://data-api.binance.vision/api/v3/exchangeInfo' }],
  ])('finds it %s', (_name, config) => {
    expect(binanceSpend(config).weight).toBe(20);
  });

  it('joins an absolute url to baseURL when allowAbsoluteUrls is false, as axios does', () => {
    const config = { baseURL: `${BASE}/api/v3/exchangeInfo`, url: 'https://elsewhere.example/x', allowAbsoluteUrls: false };
    expect(binanceSpend(config as AxiosRequestConfig).weight).toBe(1);
  });

  it('reads the method in any case, GET when absent', () => {
    expect(binanceSpend({ method: 'post', url: '/api/v3/order' })).toEqual({ weight: 1, orders: 1 });
    expect(binanceSpend({ method: 'Get', url: '/api/v3/order' })).toEqual({ weight: 4, orders: 0 });
    expect(binanceSpend({ url: '/api/v3/order' })).toEqual({ weight: 4, orders: 0 });
  });

  it.each<[string, unknown]>([
    ['no url', {}], ['a url that is no string', { url: 42 }], ['an unparsable url', { url: 'http://[::1' }],
    ['params that are no object', { url: '/api/v3/depth', params: 7 }],
    ['a limit String() refuses', { url: '/api/v3/depth', params: { limit: Object.create(null) } }],
    ['symbols String() refuses', { url: '/api/v3/ticker/24hr', params: { symbols: Object.create(null) } }],
    ['a method that is no string', { method: 5, url: '/api/v3/ping' }],
  ])('weighs a config with %s without throwing', (_name, config) => {
    const spend = binanceSpend(config as AxiosRequestConfig);
    expect(spend.weight).toBeGreaterThanOrEqual(1);
    expect(spend.orders).toBeGreaterThanOrEqual(0);
  });
});

describe('binanceCost', () => {
  it('names every default spot limit, orders 0 included', () => {
    expect(binanceCost({ baseURL: BASE, url: '/api/v3/depth', params: { symbol: 'BTCUSDT', limit: 100 } }))
      .toEqual({ 'x-mbx-used-weight-1m': 5, 'x-mbx-order-count-10s': 0, 'x-mbx-order-count-1d': 0 });
    expect(binanceCost({ method: 'post', baseURL: BASE, url: '/api/v3/order' }))
      .toEqual({ 'x-mbx-used-weight-1m': 1, 'x-mbx-order-count-10s': 1, 'x-mbx-order-count-1d': 1 });
  });

  it('keys the cost by the intervals of the rateLimits given', () => {
    const rateLimits: BinanceRateLimit[] = [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: 1, limit: 100 },
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 50 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ];
    expect(binanceCosts(rateLimits)({ method: 'post', url: '/api/v3/orderList/otoco' }))
      .toEqual({ 'x-mbx-used-weight-1s': 1, 'x-mbx-used-weight-1m': 1, 'x-mbx-order-count-10s': 3 });
  });

  it('names every id the reader built from the same rateLimits reads', () => {
    const rateLimits: BinanceRateLimit[] = [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'HOUR', intervalNum: 1, limit: 100_000 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 2, limit: 500 },
    ];
    const headers = { 'x-mbx-used-weight-1h': '1', 'x-mbx-order-count-2m': '1', 'x-mbx-used-weight-1m': '1' };
    const read = binanceQuotas(rateLimits)(headers, 0).map((r) => r.id);
    expect(read).toEqual(['x-mbx-used-weight-1h', 'x-mbx-order-count-2m']);
    expect(Object.keys(binanceCosts(rateLimits)({ url: '/api/v3/ping' }))).toEqual(read);
  });

  it('returns a frozen record', () => {
    expect(Object.isFrozen(binanceCost({ url: '/api/v3/ping' }))).toBe(true);
  });

  it('refuses bad rateLimits when built, naming the entry and field', () => {
    const bad = [{ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: -1 }] as BinanceRateLimit[];
    expect(() => binanceCosts(bad)).toThrow(new RangeError('rateLimits[0].limit must be a whole number >= 1, got -1'));
  });
});
