import type { AxiosResponse } from 'axios';
import { attach, backoffSnapshot, binanceCost, binanceQuotas, constant, KRAKEN_COUNTER, krakenCost, krakenQuotas, presets, type BackoffOptions } from '../lib';
import { costFor, DeclaredQuotas } from '../lib/coordination/quotas';
import type { QuotaReading } from '../lib/quota/types';
import { manual } from './support/manual';
import { rejection } from './support/mock';

const reading = (id: string, remaining: number, resetMs?: number, limit?: number, windowMs?: number): QuotaReading =>
  ({ id, remaining, resetMs, limit, windowMs });

describe('the cost of a request against a limit', () => {
  it.each([
    [undefined, 'a', 1],
    [3, 'a', 3],
    [{ a: 5 }, 'a', 5],
    [{ a: 0 }, 'a', 0],
    [{ a: 5 }, 'b', 1],
    [{ a: NaN }, 'a', 1],
    [{ a: -2 }, 'a', 1],
  ])('%p against %p is %p', (cost, id, units) => {
    expect(costFor(cost, id)).toBe(units);
  });
});

describe('declared limits, counted between readings', () => {
  it('lets requests go while units are left, then holds them until the window resets', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 2, 1_000, 3)], 0);
    expect(q.wait({}, 10)).toBe(0);
    q.spend({}, 0);
    q.spend({}, 0);
    expect(q.wait({}, 10)).toBe(990);
    // At the reset the window refills to its limit.
    expect(q.wait({}, 1_000)).toBe(0);
  });

  it('counts requests in flight against what the server says is left', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 5, 1_000, 10)], 0);
    for (let i = 0; i < 3; i++) q.spend({}, 0);
    // A reading for the first of those three: 4 left at the server, 2 still on their way.
    q.answered({}, [reading('x', 4, 990, 10)], 10);
    expect(q.describe(10)).toEqual([{ id: 'x', remaining: 2, limit: 10, resetMs: 990 }]);
  });

  it('keeps the lowest count within a window: an answer that comes late does not give back units', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 1, 1_000, 10)], 0);
    q.answered({}, [reading('x', 6, 1_000, 10)], 5);
    expect(q.describe(5)[0].remaining).toBe(1);
  });

  it('takes a later reset with more left as the next window', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 0, 5_000, 10, 10_000)], 0);
    q.spend({}, 0);
    q.answered({}, [reading('x', 9, 9_000, 10, 10_000)], 4_000);
    expect(q.describe(4_000)).toEqual([{ id: 'x', remaining: 9, limit: 10, resetMs: 9_000 }]);
  });

  it('reads a spent limit that says no reset again each second, one request at a time, whatever is in flight', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.spend({}, 0);
    q.answered({}, [reading('x', 0, undefined, 5)], 0);
    expect(q.wait({}, 10)).toBe(990);
    expect(q.wait({}, 1_000)).toBe(0);
    q.spend({}, 1_000);
    expect(q.wait({}, 1_001)).toBe(999);
  });

  it('takes a reset already past (a clock ahead of the server\'s, a delta of 0) as no reset: no refill on every answer', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 0, 0, 50)], 0);
    expect(q.wait({}, 10)).toBe(990);
    q.spend({}, 10);
    q.answered({}, [reading('x', 0, 0, 50)], 20);
    expect(q.wait({}, 30)).toBe(990);
  });

  it('holds every request by a spent limit first read without its size: an inferred limit bounds no cost', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 0, 30_000)], 0);
    expect(q.wait({}, 10)).toBe(29_990);
    expect(q.wait({ cost: 25 }, 10)).toBe(29_990);
  });

  it('never holds a request by a limit it spends nothing of, even one overspent', () => {
    const q = new DeclaredQuotas();
    q.spend({ cost: { orders: 1, weight: 1 } }, 0);
    q.spend({ cost: { orders: 1, weight: 1 } }, 0);
    q.answered({ cost: { orders: 1, weight: 1 } }, [reading('orders', 0, 8_000, 10), reading('weight', 5_000, 50_000, 6_000)], 10);
    expect(q.wait({ cost: { orders: 0, weight: 1 } }, 20)).toBe(0);
    expect(q.wait({ cost: { orders: 1, weight: 1 } }, 20)).toBe(7_990);
  });

  it('lets one request go first when a window resets by our clock, and the rest only once the server says it reset too', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 0, 1_000, 10, 1_000)], 0);
    expect(q.wait({}, 1_000)).toBe(0);
    q.spend({}, 1_000);
    expect(q.wait({}, 1_001)).toBe(999);
    // Its answer: the server has not reset yet (its clock is behind). Spent; another goes 200 ms later.
    q.answered({}, [reading('x', 0, 990, 10, 1_000)], 1_010);
    expect(q.wait({}, 1_011)).toBe(199);
    expect(q.wait({}, 1_210)).toBe(0);
    q.spend({}, 1_210);
    // This time it had: 9 left, and the rest of the window goes.
    q.answered({}, [reading('x', 9, 790, 10, 1_000)], 1_220);
    expect(q.describe(1_220)[0].remaining).toBe(9);
    expect(q.wait({}, 1_221)).toBe(0);
  });

  it('holds a request for the limit it falls under, by its cost', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('weight', 10, 60_000, 100), reading('orders', 0, 5_000, 10)], 0);
    expect(q.wait({ cost: { weight: 5, orders: 0 } }, 1)).toBe(0);
    expect(q.wait({ cost: { weight: 5, orders: 1 } }, 1)).toBe(4_999);
    expect(q.wait({ cost: { weight: 20, orders: 0 } }, 1)).toBe(59_999);
  });

  it('lets go a request that costs more than a whole window holds, rather than hold it forever', () => {
    const q = new DeclaredQuotas();
    q.spend({}, 0);
    q.answered({}, [reading('x', 3, 1_000, 5)], 0);
    expect(q.wait({ cost: 50 }, 1)).toBe(0);
  });
});

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T12:00:00Z') }));
afterEach(() => jest.useRealTimers());
const tick = (ms = 1) => jest.advanceTimersByTimeAsync(ms);
const fast: BackoffOptions = { strategy: constant(0) };

/** IETF draft -08 headers: `limit` per `windowS`, `left` remaining, `resetS` to go. */
const ietf = (limit: number, left: number, resetS: number, windowS = 1) => ({
  'ratelimit-policy': `"default";q=${limit};w=${windowS}`,
  ratelimit: `"default";r=${left};t=${resetS}`,
});

describe('a server that declares its quota (attach)', () => {
  it('spends the quota without a 429: holds the rest until the window resets, then sends the next window\'s', async () => {
    const { api, calls, inFlight } = manual();
    attach(api, fast);
    const all = Array.from({ length: 25 }, (_, i) => api.get(`/q${i}`));
    await tick();
    // First contact: the ramp's first round, answered with the quota: 10 a second, 6 left after these 4.
    expect(inFlight()).toHaveLength(4);
    inFlight().forEach((c, i) => c.reply(200, ietf(10, 9 - i, 1)));
    await tick();
    expect(calls).toHaveLength(10);
    inFlight().forEach((c, i) => c.reply(200, ietf(10, 5 - i, 1)));
    await tick(500);
    expect(calls).toHaveLength(10);
    expect(backoffSnapshot(api)[0].quotas).toEqual([expect.objectContaining({ id: 'ratelimit:default', remaining: 0, limit: 10 })]);
    // The window resets: one goes first, and once its answer says the server reset too, the rest.
    await tick(500);
    expect(calls).toHaveLength(11);
    inFlight()[0].reply(200, ietf(10, 9, 1));
    await tick();
    expect(calls).toHaveLength(20);
    inFlight().forEach((c, i) => c.reply(200, ietf(10, 8 - i, 1)));
    await tick(1_000);
    expect(calls).toHaveLength(21);
    inFlight()[0].reply(200, ietf(10, 9, 1));
    await tick();
    expect(calls).toHaveLength(25);
    inFlight().forEach((c, i) => c.reply(200, ietf(10, 8 - i, 1)));
    expect((await Promise.all(all)).every((r: AxiosResponse) => r.status === 200)).toBe(true);
  });

  it('fails at once a request that a declared limit would hold longer than maxRetryAfter, and one already held when it would', async () => {
    const { api, inFlight } = manual();
    attach(api, { ...fast, maxRetryAfter: 10_000 });
    const first = api.get('/a');
    await tick();
    // GitHub's hourly limit, spent, resetting in an hour.
    inFlight()[0].reply(200, { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3_600) });
    await first;
    const error = await rejection(api.get('/b'));
    expect(error.code).toBe('ERR_BACKOFF_HELD');
    expect(error.backoff).toMatchObject({ reason: 'retry-after-too-long' });
    expect(error.message).toMatch(/holds requests for a limit it declared, for \d+ ms, longer than maxRetryAfter \(10000 ms\)/);
  });

  it('holds by an endpoint\'s own limit (Bybit) only the requests to that endpoint', async () => {
    const { api, calls, inFlight } = manual('https://api.bybit.com');
    attach(api, fast);
    const bybit = (left: number) => ({ 'x-bapi-limit': '10', 'x-bapi-limit-status': String(left), 'x-bapi-limit-reset-timestamp': String(Date.now() + 1_000) });
    const order = api.post('/v5/order/create', {});
    await tick();
    inFlight()[0].reply(200, bybit(0));
    await order;
    const positions = Array.from({ length: 3 }, () => api.get('/v5/position/list', { params: { category: 'linear' } }));
    const next = api.post('/v5/order/create', {});
    await tick();
    // The order endpoint is spent for a second; the position endpoint is not held by it.
    expect(calls.map((c) => c.config.url)).toEqual(['/v5/order/create', '/v5/position/list', '/v5/position/list', '/v5/position/list']);
    inFlight().forEach((c) => c.reply(200, bybit(49)));
    await Promise.all(positions);
    await tick(1_000);
    expect(calls).toHaveLength(5);
    inFlight()[0].reply(200, bybit(9));
    await next;
  });

  it('does not let GitHub\'s spent search limit hold the core API', async () => {
    const { api, calls, inFlight } = manual('https://api.github.com');
    attach(api, fast);
    const reset = String(Math.floor(Date.now() / 1000) + 40);
    const search = api.get('/search/issues', { params: { q: 'x' } });
    await tick();
    inFlight()[0].reply(200, { 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'x-ratelimit-resource': 'search' });
    await search;
    const core = api.get('/repos/o/r');
    await tick();
    expect(calls.map((c) => c.config.url)).toEqual(['/search/issues', '/repos/o/r']);
    inFlight()[0].reply(200, { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '3999', 'x-ratelimit-reset': reset, 'x-ratelimit-resource': 'core' });
    await core;
  });

  it('reads nothing with quotas: false', async () => {
    const { api, calls, inFlight } = manual();
    attach(api, { ...fast, quotas: false });
    const all = Array.from({ length: 12 }, (_, i) => api.get(`/q${i}`));
    await tick();
    inFlight().forEach((c) => c.reply(200, ietf(10, 0, 1)));
    await tick();
    // Only the ramp: the next round of 8 goes.
    expect(calls).toHaveLength(12);
    inFlight().forEach((c) => c.reply(200));
    await Promise.all(all);
  });

  it('survives a reader that throws or answers nonsense: requests go as if nothing were declared', async () => {
    for (const quotas of [() => { throw new Error('bad reader'); }, () => [{ id: 'x', remaining: NaN }, null, 'x'] as never]) {
      const { api, inFlight } = manual();
      attach(api, { ...fast, quotas });
      const all = Array.from({ length: 6 }, (_, i) => api.get(`/q${i}`));
      for (let i = 0; i < 3; i++) {
        await tick();
        inFlight().forEach((c) => c.reply(200));
      }
      expect((await Promise.all(all)).map((r: AxiosResponse) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    }
  });

  it('refuses a quotas option that is no reader, naming it', () => {
    const { api } = manual();
    expect(() => attach(api, { quotas: true as never })).toThrow('quotas must be a reader (headers, now) => readings, or false, got true');
  });
});

describe('Binance\'s weights', () => {
  it('holds a heavy request until the minute resets, and lets a light one that fits go past it', async () => {
    const { api, calls, inFlight } = manual('https://api.binance.com');
    attach(api, { ...fast, quotas: binanceQuotas(), cost: binanceCost });
    const first = api.get('/api/v3/time');
    await tick();
    // 5,990 of the minute's 6,000 weight used.
    inFlight()[0].reply(200, { 'x-mbx-used-weight-1m': '5990' });
    await first;
    const depth = api.get('/api/v3/depth', { params: { symbol: 'BTCUSDT', limit: 5000 } });
    await tick();
    expect(calls).toHaveLength(1);
    const ticker = api.get('/api/v3/ticker/price', { params: { symbol: 'BTCUSDT' } });
    await tick();
    // The price (weight 2) fits what is left; the order book (250) does not: the price goes first.
    expect(calls.map((c) => c.config.url)).toEqual(['/api/v3/time', '/api/v3/ticker/price']);
    inFlight()[0].reply(200, { 'x-mbx-used-weight-1m': '5992' });
    await ticker;
    await tick(60_000);
    expect(calls.map((c) => c.config.url)).toEqual(['/api/v3/time', '/api/v3/ticker/price', '/api/v3/depth']);
    inFlight()[0].reply(200, { 'x-mbx-used-weight-1m': '250' });
    await depth;
  });
});

describe('Kraken\'s call counter, counted here', () => {
  it.each([
    ['/0/private/Balance', 1],
    ['/0/private/TradesHistory', 2],
    ['/0/private/Ledgers', 2],
    ['/0/private/AddOrder', 0],
    ['/0/private/CancelOrder', 0],
    ['/0/public/Ticker', 0],
    ['https://api.kraken.com/0/private/OpenOrders?x=1', 1],
  ])('%s adds %p', (url, units) => {
    expect(krakenCost({ url })).toEqual({ [KRAKEN_COUNTER]: units });
  });

  it('refuses a tier it does not know, naming it', () => {
    expect(() => krakenQuotas('gold' as never)).toThrow("krakenQuotas(tier) takes 'starter', 'intermediate' or 'pro', got gold");
  });

  it('sends a starter tier\'s 15 calls at once, then one each 3 s as the counter decays, and never more', async () => {
    const { api, calls, inFlight } = manual('https://api.kraken.com');
    attach(api, presets.kraken({ strategy: constant(0) }));
    const all = Array.from({ length: 20 }, () => api.post('/0/private/Balance', 'nonce=1'));
    await tick();
    // The ramp's first round carries the first reading of the counter.
    expect(calls).toHaveLength(4);
    inFlight().forEach((c) => c.reply(200, {}, { error: [], result: {} }));
    await tick();
    expect(calls).toHaveLength(15);
    inFlight().forEach((c) => c.reply(200, {}, { error: [], result: {} }));
    await tick(2_900);
    expect(calls).toHaveLength(15);
    await tick(200);
    expect(calls).toHaveLength(16);
    for (let i = 0; i < 20 && calls.length < 20; i++) {
      inFlight().forEach((c) => c.reply(200, {}, { error: [], result: {} }));
      await tick(3_100);
    }
    inFlight().forEach((c) => c.reply(200, {}, { error: [], result: {} }));
    expect(await Promise.all(all)).toHaveLength(20);
  });

  it('lets orders go past a spent counter: they count on the trading engine\'s limiter', async () => {
    const { api, calls, inFlight } = manual('https://api.kraken.com');
    attach(api, presets.kraken({ strategy: constant(0) }));
    const reads = Array.from({ length: 20 }, () => api.post('/0/private/Balance', 'nonce=1'));
    for (let i = 0; i < 2; i++) {
      await tick();
      inFlight().forEach((c) => c.reply(200, {}, { error: [], result: {} }));
    }
    const order = api.post('/0/private/AddOrder', 'nonce=2');
    await tick();
    expect(calls[calls.length - 1].config.url).toBe('/0/private/AddOrder');
    inFlight().forEach((c) => c.reply(200, {}, { error: [], result: {} }));
    await order;
    for (let i = 0; i < 20 && calls.length < 21; i++) {
      await tick(3_100);
      inFlight().forEach((c) => c.reply(200, {}, { error: [], result: {} }));
    }
    await Promise.all(reads);
  });
});
