import { isAxiosError, type AxiosRequestConfig } from 'axios';
import { attach, constant, presets, type BackoffOptions, type Classifier, type RetryContext } from '../lib';
import { manual } from './support/manual';
import { rejection, scripted } from './support/mock';

const fast: BackoffOptions = { strategy: constant(0) };

describe('classify, on responses axios resolved', () => {
  it('retries an HTTP 200 that carries a rate-limit code', async () => {
    const bybitLimited = [200, { retCode: 10006, retMsg: 'Too many visits!', result: {} }] as const;
    const { api, seen } = scripted([[...bybitLimited], [200, { retCode: 0, result: { list: [] } }]]);
    attach(api, presets.bybit({ ...fast }));
    const response = await api.get('/v5/market/tickers');
    expect(response.data.retCode).toBe(0);
    expect(seen).toHaveLength(2);
  });

  it('waits for the reset the body or headers name, and holds other requests to the origin meanwhile', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-24T12:00:00Z') });
    try {
      const { api, calls } = manual();
      attach(api, presets.bybit({ ...fast, pacing: false }));
      const first = api.get('/v5/order/realtime');
      await jest.advanceTimersByTimeAsync(1);
      const reset = String(Date.now() + 2_000);
      calls[0].reply(200, { 'X-Bapi-Limit-Reset-Timestamp': reset }, { retCode: 10006, retMsg: 'Too many visits!' });
      await jest.advanceTimersByTimeAsync(1);
      void api.get('/v5/market/tickers');
      await jest.advanceTimersByTimeAsync(1990);
      expect(calls).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(20);
      expect(calls.map((c) => c.config.url).sort()).toEqual(['/v5/market/tickers', '/v5/order/realtime', '/v5/order/realtime']);
      calls.slice(1).forEach((c) => c.reply(200, {}, { retCode: 0 }));
      expect((await first).data.retCode).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('resolves an unknown-outcome POST with its response, marked, without retrying it', async () => {
    const { api, seen } = scripted([[200, { retCode: 10016, retMsg: 'Internal system error.' }]]);
    attach(api, presets.bybit(fast));
    const response = await api.post('/v5/order/create', { orderLinkId: 'o-1' });
    expect(seen).toHaveLength(1);
    expect(response.data.retCode).toBe(10016);
    expect(response.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method', attempts: 1 });
  });

  it('lets a fatal verdict through at once', async () => {
    const { api, seen } = scripted([[200, { error: ['EGeneral:Temporary lockout'], result: {} }]]);
    attach(api, presets.kraken(fast));
    const response = await api.get('/0/private/Balance');
    expect(seen).toHaveLength(1);
    expect(response.backoff?.reason).toBe('not-retryable');
    expect(response.backoff?.message).toMatch(/lockout/i);
  });
});

describe('classify, on responses axios rejected', () => {
  it('outranks the status: OKX 50004 under HTTP 400 is an unknown outcome, marked on the error', async () => {
    const { api, seen } = scripted([[400, { code: '50004', msg: 'Endpoint request timeout (does not mean that the request was successful or failed, please check the request result).', data: [] }]]);
    attach(api, presets.okx(fast));
    const error = await rejection(api.post('/api/v5/trade/order', { clOrdId: 'c1' }));
    expect(seen).toHaveLength(1);
    expect(error.response?.status).toBe(400);
    expect(error.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
  });

  it('retries a GET with that same unknown outcome', async () => {
    const { api, seen } = scripted([[400, { code: '50004', msg: 'timeout', data: [] }], [200, { code: '0', data: [] }]]);
    attach(api, presets.okx(fast));
    expect((await api.get('/api/v5/trade/order')).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('cannot turn an error into a success: ok on a 500 stops it', async () => {
    const { api, seen } = scripted([500, 200]);
    attach(api, { ...fast, classify: () => ({ kind: 'ok' }) });
    const error = await rejection(api.get('/x'));
    expect(error.backoff?.reason).toBe('not-retryable');
    expect(seen).toHaveLength(1);
  });

  it('falls back to the status when the classifier throws', async () => {
    const { api, seen } = scripted([503, 200]);
    const broken: Classifier = () => {
      throw new Error('bug');
    };
    attach(api, { ...fast, classify: broken });
    expect((await api.get('/x')).status).toBe(200);
    expect(seen).toHaveLength(2);
  });
});

describe('re-signing', () => {
  const stale = [400, { code: -1021, msg: "Timestamp for this request is outside of the recvWindow." }] as const;

  it('does not retry a stale signature without a resign hook, and says so', async () => {
    const { api, seen } = scripted([[...stale], 200]);
    attach(api, presets.binance(fast));
    const error = await rejection(api.post('/api/v3/order', { symbol: 'BTCUSDT' }));
    expect(seen).toHaveLength(1);
    expect(error.backoff).toMatchObject({ outcome: 'resign', reason: 'needs-resign' });
    expect(error.backoff?.message).toMatch(/resign/);
  });

  it('retries it, POST included, with the config the hook returns', async () => {
    const { api, seen } = scripted([[...stale], 200]);
    let clock = 1_000;
    const resign = jest.fn((config: AxiosRequestConfig, _ctx: RetryContext) => ({
      ...config,
      params: { ...config.params, timestamp: ++clock, signature: `sig-${clock}` },
    }));
    attach(api, presets.binance({ ...fast, resign }));
    const response = await api.post('/api/v3/order', { symbol: 'BTCUSDT' }, { params: { timestamp: clock, signature: 'sig-1000' } });
    expect(response.status).toBe(200);
    expect(seen.map((c) => c.params)).toEqual([
      { timestamp: 1000, signature: 'sig-1000' },
      { timestamp: 1001, signature: 'sig-1001' },
    ]);
    expect(resign).toHaveBeenCalledTimes(1);
    expect(resign.mock.calls[0][1]).toMatchObject({ attempt: 1, outcome: 'resign' });
  });

  it('runs before every retry, not only stale signatures', async () => {
    const { api, seen } = scripted([503, 503, 200]);
    let nonce = 0;
    const resign = jest.fn((config: AxiosRequestConfig): AxiosRequestConfig => ({ ...config, headers: { ...config.headers, 'X-Nonce': String(++nonce) } }));
    attach(api, { ...fast, resign });
    await api.get('/x');
    expect(seen.map((c) => c.headers?.['X-Nonce'])).toEqual([undefined, '1', '2']);
  });

  it('keeps the error, and does not retry, when the hook throws', async () => {
    const { api, seen } = scripted([503, 200]);
    attach(api, { ...fast, resign: () => Promise.reject(new Error('key vault down')) });
    const error = await rejection(api.get('/x'));
    expect(isAxiosError(error)).toBe(true);
    expect(error.response?.status).toBe(503);
    expect(error.backoff?.reason).toBe('hook-failed');
    expect(seen).toHaveLength(1);
  });
});

describe('a successful status that classify called a failure, given up', () => {
  it('resolves with the response and tells onGiveUp, with an error made for it', async () => {
    const { api } = scripted([[200, { retCode: 10016, retMsg: 'Internal System Error', result: {} }]]);
    const onGiveUp = jest.fn();
    attach(api, presets.bybit({ ...fast, onGiveUp }));
    const response = await api.post('/v5/order/create', { symbol: 'BTCUSDT', qty: '1' });
    expect(response.status).toBe(200);
    expect(response.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
    expect(onGiveUp).toHaveBeenCalledTimes(1);
    const [ctx] = onGiveUp.mock.calls[0];
    expect(ctx).toMatchObject({ reason: 'unsafe-method', outcome: 'unknown', response: { status: 200 } });
    expect(isAxiosError(ctx.error)).toBe(true);
    expect(ctx.error).toMatchObject({ code: 'ERR_BACKOFF_GAVE_UP', response: { status: 200 } });
  });
});
