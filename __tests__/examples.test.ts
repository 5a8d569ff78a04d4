import axios, { isAxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { attach, presets } from '../lib';
import { startMockExchange, type ExchangeKind, type MockExchange, type MockScript } from '../examples/exchange-mocks';
import { main as placeOrder } from '../examples/place-order';
import { main as pollingBot } from '../examples/polling-bot';
import { main as wrapExchangeClient } from '../examples/wrap-exchange-client';
import { runTypeScript, type ChildRun } from './support/child';

function runExample(name: string, guardMs: number): Promise<ChildRun> {
  return runTypeScript(`examples/${name}.ts`, guardMs);
}

const SCRIPTS = ['wrap-exchange-client', 'polling-bot', 'place-order'];
let scripts: Promise<ChildRun[]>;

// Started first, so the child processes run beside the in-process tests. On a slow, shared
// machine, starting node and compiling an example takes seconds: the guard only bounds a hang,
// and "exits by itself" is judged from the example's last output to its exit.
const GUARD_MS = 40_000;
const EXIT_LAG_MS = 3_000;
beforeAll(() => {
  scripts = Promise.all(SCRIPTS.map((name) => runExample(name, GUARD_MS)));
});

describe('examples, against their loopback exchange mocks', () => {
  it('wrap-exchange-client: a 429 with Retry-After: 1 goes through, re-signed with a fresh timestamp', async () => {
    const s = await wrapExchangeClient();
    expect(s.status).toBe('NEW');
    expect(s.attempts.map((a) => a.answer)).toEqual(['429 Retry-After: 1 (-1003)', '200 NEW']);
    expect(s.attempts.map((a) => a.signatureValid)).toEqual([true, true]);
    expect(new Set(s.attempts.map((a) => a.timestamp)).size).toBe(2);
    expect(s.gapMs).toBeGreaterThanOrEqual(1_000);
    expect(s.orders).toBe(1);
  });

  it('polling-bot: no rate-limited answer reaches the bot', async () => {
    const s = await pollingBot();
    expect(s.rateLimitedAnswers).toBeGreaterThan(0);
    expect(s.rateLimitedSeenByBot).toBe(0);
    expect(s.errors).toBe(0);
    expect(s.prices).toBe(s.polls);
    expect(s.serverRequests).toBe(s.polls + s.rateLimitedAnswers);
    expect(s.waitedMs).toBeGreaterThan(0);
  });

  it('place-order: an unknown outcome is reconciled by client order id, one order per id', async () => {
    const s = await placeOrder();
    expect(s.placements).toEqual([
      { clientOrderId: 'lost-1', firstOutcome: 'unknown', reason: 'unsafe-method', lookup: 'found', posts: 1 },
      { clientOrderId: 'after-500', firstOutcome: 'unknown', reason: 'unsafe-method', lookup: 'found', posts: 1 },
      { clientOrderId: 'before-503', firstOutcome: 'unknown', reason: 'unsafe-method', lookup: 'absent', posts: 2 },
    ]);
    expect(s.orderCounts).toEqual({ 'lost-1': 1, 'after-500': 1, 'before-503': 1 });
  });
});

describe('examples run as scripts', () => {
  it('each prints its summary and exits by itself', async () => {
    const runs = await scripts;
    for (const run of runs) {
      expect({ killed: run.killed, code: run.code, stderr: run.stderr }).toEqual({ killed: false, code: 0, stderr: '' });
      expect(run.exitLagMs).toBeLessThan(EXIT_LAG_MS);
    }
    expect(runs[0].stdout).toMatch(/attempt 2: timestamp=\d+ signature valid -> 200 NEW/);
    expect(runs[1].stdout).toMatch(/10006 seen by the bot\s+0/);
    expect(runs[2].stdout).toContain('{"lost-1":1,"after-500":1,"before-503":1}');
  }, GUARD_MS + 5_000);
});

/** How a client of each exchange reads a ticker, places an order and looks it up by client order id. */
interface ExchangeCalls {
  ticker: AxiosRequestConfig;
  order(id: string): AxiosRequestConfig;
  query(id: string): AxiosRequestConfig;
  /** The client order id a lookup's answer names, if it found the order. */
  found(data: unknown): string | undefined;
}

/** The value at a path of keys and indexes in a JSON body, or undefined. */
function at(data: unknown, ...path: (string | number)[]): unknown {
  let value = data;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}

function pick(data: unknown, ...path: (string | number)[]): string | undefined {
  const value = at(data, ...path);
  return typeof value === 'string' ? value : undefined;
}

const CALLS: Record<ExchangeKind, ExchangeCalls> = {
  binance: {
    ticker: { url: '/api/v3/ticker/price', params: { symbol: 'BTCUSDT' } },
    order: (id) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: id } }),
    query: (id) => ({ url: '/api/v3/order', params: { symbol: 'BTCUSDT', origClientOrderId: id } }),
    found: (data) => pick(data, 'clientOrderId'),
  },
  bybit: {
    ticker: { url: '/v5/market/tickers', params: { category: 'spot', symbol: 'BTCUSDT' } },
    order: (id) => ({ method: 'POST', url: '/v5/order/create', data: { category: 'spot', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.001', orderLinkId: id } }),
    query: (id) => ({ url: '/v5/order/realtime', params: { category: 'spot', orderLinkId: id } }),
    found: (data) => pick(data, 'result', 'list', 0, 'orderLinkId'),
  },
  okx: {
    ticker: { url: '/api/v5/market/ticker', params: { instId: 'BTC-USDT' } },
    order: (id) => ({ method: 'POST', url: '/api/v5/trade/order', data: { instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'market', sz: '0.001', clOrdId: id } }),
    query: (id) => ({ url: '/api/v5/trade/order', params: { instId: 'BTC-USDT', clOrdId: id } }),
    found: (data) => pick(data, 'data', 0, 'clOrdId'),
  },
  coinbase: {
    ticker: { url: '/products/BTC-USD/ticker' },
    order: (id) => ({ method: 'POST', url: '/orders', data: { product_id: 'BTC-USD', side: 'buy', type: 'market', size: '0.001', client_oid: id } }),
    query: (id) => ({ url: `/orders/client:${id}` }),
    found: (data) => pick(data, 'client_oid'),
  },
  kraken: {
    ticker: { url: '/0/public/Ticker', params: { pair: 'XBTUSD' } },
    order: (id) => ({ method: 'POST', url: '/0/private/AddOrder', data: new URLSearchParams({ nonce: '1', ordertype: 'market', type: 'buy', volume: '0.001', pair: 'XBTUSD', cl_ord_id: id }) }),
    query: (id) => ({ method: 'POST', url: '/0/private/OpenOrders', data: new URLSearchParams({ nonce: '2', cl_ord_id: id }) }),
    found: (data) => pick(Object.values(Object(at(data, 'result', 'open')))[0], 'cl_ord_id'),
  },
  kucoin: {
    ticker: { url: '/api/v1/market/orderbook/level1', params: { symbol: 'BTC-USDT' } },
    order: (id) => ({ method: 'POST', url: '/api/v1/orders', data: { symbol: 'BTC-USDT', side: 'buy', type: 'market', size: '0.001', clientOid: id } }),
    query: (id) => ({ url: `/api/v1/order/client-order/${id}` }),
    found: (data) => pick(data, 'data', 'clientOid'),
  },
};

describe.each(Object.keys(CALLS) as ExchangeKind[])('the %s mock, read by its preset', (kind) => {
  const calls = CALLS[kind];
  let mock: MockExchange | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  async function start(script: MockScript): Promise<AxiosInstance> {
    mock = await startMockExchange(kind, script);
    const api = axios.create({ baseURL: mock.url });
    attach(api, presets[kind]());
    return api;
  }

  // Answered whatever the status: a lookup's "not found" is an answer, not a failure.
  const lookUp = async (api: AxiosInstance, id: string) => calls.found((await api.request({ ...calls.query(id), validateStatus: () => true })).data);

  it('waits out a rate-limited ticker answer and retries it', async () => {
    const api = await start({ ticker: [{ kind: 'rate-limited', waitMs: 100 }] });
    const response = await api.request(calls.ticker);
    expect(response.status).toBe(200);
    expect(response.backoff).toBeUndefined();
    expect(response.config.backoffState?.attempt).toBe(1);
    expect(mock?.arrivals('ticker').map((a) => a.step)).toEqual(['rate-limited', 'ok']);
  });

  it('rejects a lost order reply as unknown without resending it, and the lookup finds the order', async () => {
    const api = await start({ order: [{ kind: 'lost-reply' }] });
    const err = await api.request(calls.order('lost-1')).catch((e: unknown) => e);
    expect(isAxiosError(err) && err.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method', attempts: 1 });
    expect(await lookUp(api, 'lost-1')).toBe('lost-1');
    expect(mock?.orderCounts()).toEqual({ 'lost-1': 1 });
  });

  it('rejects a 5xx before recording as unknown, and the lookup finds nothing', async () => {
    const api = await start({ order: [{ kind: 'server-error', status: 503 }] });
    const err = await api.request(calls.order('absent-1')).catch((e: unknown) => e);
    expect(isAxiosError(err) && err.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method', attempts: 1 });
    expect(await lookUp(api, 'absent-1')).toBeUndefined();
    expect(mock?.requests('order')).toBe(1);
    expect(mock?.orderCounts()).toEqual({});
  });
});
