import axios, { type AxiosStatic, type InternalAxiosRequestConfig } from 'axios';
import { attach, backoffAdapter, backoffInfo, backoffSnapshot, constant, presets, type BackoffOptions } from '../lib';
import { reply, serversClosedAfterEach } from './support/server';
import { failureWithin, within } from './support/bounded';

// backoffAdapter: attach's behaviour below the interceptors, for clients whose instance is out of
// reach. Against a real loopback server; every wait is short and bounded by jest's timeout.

const start = serversClosedAfterEach();
const fast: BackoffOptions = { strategy: constant(0) };

/** A second copy of axios, as an SDK that bundles its own brings. */
function otherAxiosCopy(): AxiosStatic {
  let copy: AxiosStatic | undefined;
  jest.isolateModules(() => {
    copy = require('axios');
  });
  if (!copy || copy === axios) throw new Error('expected a separate copy of axios');
  return copy;
}

describe('backoffAdapter', () => {
  it('waits out a 429\'s Retry-After and resolves with the retry\'s answer, state on the config', async () => {
    const server = await start([reply(429, { code: -1003 }, { 'Retry-After': '1' }), reply(200, { price: '1' })]);
    const api = axios.create({ baseURL: server.url, adapter: backoffAdapter(fast) });

    const response = await within(api.get('/api/v3/ticker'));

    expect(response.data).toEqual({ price: '1' });
    expect(response.config.backoffState).toMatchObject({ attempt: 1, delays: [1000] });
    expect(server.arrivals).toHaveLength(2);
    expect(server.arrivals[1].at - server.arrivals[0].at).toBeGreaterThanOrEqual(950);
  });

  it('runs the client\'s signer once, and resign before each retry: the retry carries a fresh signature', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    let signed = 0;
    const resign = jest.fn((config: { params?: Record<string, unknown> }) => ({ ...config, params: { ...config.params, timestamp: 'fresh' } }));
    const api = axios.create({ baseURL: server.url, adapter: backoffAdapter({ ...fast, resign }) });
    api.interceptors.request.use((config) => {
      signed++;
      config.params = { ...config.params, timestamp: 'first' };
      return config;
    });

    await within(api.get('/api/v3/account'));

    expect(signed).toBe(1);
    expect(resign).toHaveBeenCalledTimes(1);
    expect(server.arrivals.map((a) => new URL(a.url, server.url).searchParams.get('timestamp'))).toEqual(['first', 'fresh']);
  });

  it('sends an order answered 503 once, and reports it as an unknown outcome', async () => {
    const server = await start([reply(503, {})]);
    const api = axios.create({ baseURL: server.url, adapter: backoffAdapter(fast) });

    const error = await failureWithin(api.post('/api/v3/order', { qty: 1 }));

    expect(error.response?.status).toBe(503);
    expect(backoffInfo(error)).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
    expect(server.arrivals).toHaveLength(1);
  });

  it('sends an OKX order answered 503 with code 50001 once: OKX does not say it was not placed', async () => {
    const server = await start([reply(503, { code: '50001', msg: 'Service temporarily unavailable. Please try again later.', data: [] })]);
    const api = axios.create({ baseURL: server.url, adapter: backoffAdapter(presets.okx(fast)) });

    const error = await failureWithin(api.post('/api/v5/trade/order', { instId: 'BTC-USDT', side: 'buy', sz: '1' }));

    expect(backoffInfo(error)).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
    expect(server.arrivals).toHaveLength(1);
  });

  it('holds every instance that uses it while their server cools down, as one client', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    const adapter = backoffAdapter({ ...fast, retries: 0 });
    const first = axios.create({ baseURL: server.url, adapter });
    const second = axios.create({ baseURL: server.url, adapter });

    await failureWithin(first.get('/a'));
    const sentAt = Date.now();
    await within(second.get('/b'));

    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900);
    expect(server.arrivals.map((a) => a.url)).toEqual(['/a', '/b']);
  });

  it('works with another copy of axios, as an SDK that bundles its own uses it', async () => {
    const server = await start([reply(503, {}), reply(200, { ok: true })]);
    const copy = otherAxiosCopy();
    const api = copy.create({ baseURL: server.url, adapter: backoffAdapter(fast) });

    const response = await within(api.get('/x'));

    expect(response.data).toEqual({ ok: true });
    expect(server.arrivals).toHaveLength(2);
  });

  it('sends the headers another copy of axios made: an SDK\'s signature is not lost on the way', async () => {
    const server = await start([reply(200, {})]);
    const copy = otherAxiosCopy();
    const api = copy.create({ baseURL: server.url, adapter: backoffAdapter(fast) as never, headers: { 'X-Signature': 'abc' } });

    await within(api.get('/signed', { headers: { 'X-Timestamp': '1' } }));

    expect(server.arrivals[0].headers).toMatchObject({ 'x-signature': 'abc', 'x-timestamp': '1' });
  });

  it('can stand as a copy\'s default adapter, for a client that makes its instances on the fly', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, { ok: true })]);
    const copy = otherAxiosCopy();
    copy.defaults.adapter = backoffAdapter(fast);

    const response = await within(copy.create({ baseURL: server.url }).get('/x'));

    expect(response.data).toEqual({ ok: true });
    expect(server.arrivals).toHaveLength(2);
  });

  it('wraps the transport it is given', async () => {
    const seen: string[] = [];
    const inner = async (config: InternalAxiosRequestConfig) => {
      seen.push(String(config.url));
      return { status: seen.length === 1 ? 503 : 200, statusText: '', headers: {}, data: '{"n":1}', config, request: {} };
    };
    const api = axios.create({ baseURL: 'https://api.exchange.test', adapter: backoffAdapter({ ...fast, adapter: inner }), validateStatus: () => true });

    const response = await within(api.get('/x'));

    // validateStatus accepts the 503, so it is the caller's; the adapter's lane still learned from it.
    expect(response.status).toBe(503);
    expect(seen).toEqual(['/x']);
  });

  it('does not retry a request with backoff: false, and fails one whose override is invalid before sending', async () => {
    const server = await start([reply(503, {})]);
    const api = axios.create({ baseURL: server.url, adapter: backoffAdapter(fast) });

    expect((await failureWithin(api.get('/x', { backoff: false }))).response?.status).toBe(503);
    expect((await failureWithin(api.get('/y', { backoff: { retries: -1 } }))).message).toBe('config.backoff.retries must be a whole number >= 0, got -1');
    expect(server.arrivals.map((a) => a.url)).toEqual(['/x']);
  });

  it('refuses bad options when it is made', () => {
    expect(() => backoffAdapter({ retries: 1.5 })).toThrow('retries must be a whole number >= 0, got 1.5');
    expect(() => backoffAdapter({ adapter: 42 as never })).toThrow(/adapter must be an axios adapter/);
    expect(() => backoffAdapter({ retrys: 2 } as never)).toThrow(/unknown option "retrys"/);
  });
  it('fails a signed request at once, unsent, when a cooldown outlasts its validity and nothing can re-sign it', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '2' }), reply(200, {})]);
    const signedUntil = jest.fn((config: { url?: string }) => (config.url === '/signed' ? Date.now() + 500 : undefined));
    const adapter = backoffAdapter({ ...fast, retries: 0, signedUntil });
    const api = axios.create({ baseURL: server.url, adapter });
    await failureWithin(api.get('/limited'));

    const error = await failureWithin(api.get('/signed'), 1_000);

    expect(backoffInfo(error)).toMatchObject({ reason: 'needs-resign' });
    expect(error.message).toMatch(/past the end of the signed request's validity/);
    expect(server.arrivals.map((a) => a.url)).toEqual(['/limited']);
  });

  it('holds a signed request through a cooldown when resign can renew it', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    const adapter = backoffAdapter({ ...fast, retries: 0, signedUntil: () => Date.now() + 100, resign: (config) => config });
    const api = axios.create({ baseURL: server.url, adapter });
    await failureWithin(api.get('/limited'));

    await within(api.get('/signed'));

    expect(server.arrivals.map((a) => a.url)).toEqual(['/limited', '/signed']);
  });

  it('signs a held request again as it leaves, when the hold outlasted its signature', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    const stamp = (config: { headers?: unknown }) => Number((config.headers as Record<string, unknown>)['x-ts']);
    const resign = jest.fn((config: { headers?: unknown }) => ({ ...config, headers: { ...(config.headers as object), 'x-ts': String(Date.now()) } }));
    const adapter = backoffAdapter({ ...fast, retries: 0, signedUntil: (config) => stamp(config) + 1_200, resign });
    const api = axios.create({ baseURL: server.url, adapter });
    await failureWithin(api.get('/limited'));
    const signedAt = Date.now();

    await within(api.get('/signed', { headers: { 'x-ts': String(signedAt) } }));

    expect(resign).toHaveBeenCalledTimes(1);
    const sent = Number(server.arrivals[1].headers['x-ts']);
    expect(sent).toBeGreaterThan(signedAt + 500);
  });

  it('sends a held request as it is when its signature outlives the hold', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    const resign = jest.fn((config: object) => config);
    const adapter = backoffAdapter({ ...fast, retries: 0, signedUntil: () => Date.now() + 60_000, resign });
    const api = axios.create({ baseURL: server.url, adapter });
    await failureWithin(api.get('/limited'));

    await within(api.get('/signed'));

    expect(resign).not.toHaveBeenCalled();
  });

  it('fails a held request whose renewal fails, and lets the next one through: the slot goes back', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    const resign = () => {
      throw new Error('signer down');
    };
    const adapter = backoffAdapter({ ...fast, retries: 0, signedUntil: (config) => (config.url === '/signed' ? Date.now() : undefined), resign });
    const api = axios.create({ baseURL: server.url, adapter });
    await failureWithin(api.get('/limited'));

    const error = await failureWithin(api.get('/signed'));
    await within(api.get('/next'));

    expect(error.message).toMatch(/held the request, and resign threw: signer down$/);
    expect(backoffInfo(error)).toMatchObject({ reason: 'hook-failed', outcome: 'not-processed', hookError: new Error('signer down') });
    expect((error as { cause?: unknown }).cause).toEqual(new Error('signer down'));
    expect(server.arrivals.map((a) => a.url)).toEqual(['/limited', '/next']);
  });

  describe('a signedUntil that throws fails the request with hook-failed wherever it is asked, unsent', () => {
    const throwing = (config: { url?: string }) => {
      if (config.url === '/signed') throw new Error('bad hook');
      return undefined;
    };
    const expectHookFailed = (error: Error) => {
      expect(error.message).toMatch(/held the request, and signedUntil threw: bad hook$/);
      expect(backoffInfo(error)).toMatchObject({ reason: 'hook-failed', outcome: 'not-processed', attempts: 0, hookError: new Error('bad hook') });
      expect((error as { cause?: unknown }).cause).toEqual(new Error('bad hook'));
    };

    it('held behind a cooldown', async () => {
      const server = await start([reply(429, {}, { 'Retry-After': '2' }), reply(200, {})]);
      const api = axios.create({ baseURL: server.url, adapter: backoffAdapter({ ...fast, retries: 0, signedUntil: throwing }) });
      await failureWithin(api.get('/limited'));

      expectHookFailed(await failureWithin(api.get('/signed'), 1_000));
      expect(server.arrivals.map((a) => a.url)).toEqual(['/limited']);
    });

    it('held behind an outage probe, a hold of no known length', async () => {
      const server = await start([reply(503, {})]);
      const adapter = backoffAdapter({ ...fast, retries: 0, budget: false, probing: { threshold: 1, interval: 5_000 }, signedUntil: throwing });
      const api = axios.create({ baseURL: server.url, adapter });
      await failureWithin(api.get('/down'));

      expectHookFailed(await failureWithin(api.get('/signed'), 1_000));
      expect(server.arrivals.map((a) => a.url)).toEqual(['/down']);
    });

    it('asked as a held request leaves to be renewed, and the next request still goes', async () => {
      const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
      const resign = jest.fn((config: object) => config);
      const api = axios.create({ baseURL: server.url, adapter: backoffAdapter({ ...fast, retries: 0, signedUntil: throwing, resign }) });
      await failureWithin(api.get('/limited'));

      expectHookFailed(await failureWithin(api.get('/signed')));
      await within(api.get('/next'));

      expect(resign).not.toHaveBeenCalled();
      expect(server.arrivals.map((a) => a.url)).toEqual(['/limited', '/next']);
    });

    it('says nothing of the origin: a hook that throws as held requests leave opens no outage', async () => {
      const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
      const adapter = backoffAdapter({ ...fast, retries: 0, budget: false, probing: { threshold: 1, interval: 5_000 }, signedUntil: throwing, resign: (c) => c });
      const api = axios.create({ baseURL: server.url, adapter });
      await failureWithin(api.get('/limited'));

      expectHookFailed(await failureWithin(api.get('/signed')));

      expect(backoffSnapshot(adapter)[0]).toMatchObject({ failures: 0, probing: false });
      await within(api.get('/next'), 1_000);
    });

    it('under attach too, and the request is not marked as one the server may have acted on', async () => {
      const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
      const api = axios.create({ baseURL: server.url });
      attach(api, { ...fast, retries: 0, budget: false, probing: { threshold: 1, interval: 5_000 }, signedUntil: throwing, resign: (c) => c });
      await failureWithin(api.get('/limited'));

      const error = await failureWithin(api.get('/signed'));

      expectHookFailed(error);
      expect(error.config?.backoffState?.snapshot?.acted).toBeFalsy();
      expect(backoffSnapshot(api)[0]).toMatchObject({ failures: 0, probing: false });
    });

    it('names a thrown value that cannot be shown without failing itself', async () => {
      const server = await start([reply(429, {}, { 'Retry-After': '2' }), reply(200, {})]);
      const odd = Object.create(null) as object;
      const signedUntil = (config: { url?: string }) => {
        if (config.url === '/signed') throw odd;
        return undefined;
      };
      const api = axios.create({ baseURL: server.url, adapter: backoffAdapter({ ...fast, retries: 0, signedUntil }) });
      await failureWithin(api.get('/limited'));

      const error = await failureWithin(api.get('/signed'), 1_000);

      expect(error.message).toMatch(/signedUntil threw: an object$/);
      expect(backoffInfo(error)).toMatchObject({ reason: 'hook-failed' });
      expect(backoffInfo(error)?.hookError).toBe(odd);
    });
  });

  it('a resign that throws as a held request leaves opens no outage either', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    const resign = () => {
      throw new Error('signer down');
    };
    const adapter = backoffAdapter({
      ...fast, retries: 0, budget: false, probing: { threshold: 1, interval: 5_000 },
      signedUntil: (config) => (config.url === '/signed' ? Date.now() : undefined), resign,
    });
    const api = axios.create({ baseURL: server.url, adapter });
    await failureWithin(api.get('/limited'));

    await failureWithin(api.get('/signed'));

    expect(backoffSnapshot(adapter)[0]).toMatchObject({ failures: 0, probing: false });
  });

  it('fails a signed request held behind an outage probe before its signature expires, unsent, when nothing can re-sign it', async () => {
    const server = await start([reply(503, {})]);
    let signedAt = 0;
    const signedUntil = (config: { url?: string }) => (config.url === '/signed' ? signedAt + 900 : undefined);
    // One failure opens the outage; the next probe may go 5 s later.
    const adapter = backoffAdapter({ ...fast, retries: 0, budget: false, probing: { threshold: 1, interval: 5_000 }, signedUntil });
    const api = axios.create({ baseURL: server.url, adapter });
    await failureWithin(api.get('/down'));
    signedAt = Date.now();

    const error = await failureWithin(api.get('/signed'), 2_000);

    expect(backoffInfo(error)).toMatchObject({ reason: 'needs-resign' });
    expect(Date.now() - signedAt).toBeLessThan(900);
    expect(server.arrivals.map((a) => a.url)).toEqual(['/down']);
  });

  it('stops with hook-failed when signedUntil throws before a retry', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '1' }), reply(200, {})]);
    const signedUntil = () => {
      throw new Error('bad hook');
    };
    const api = axios.create({ baseURL: server.url, adapter: backoffAdapter({ ...fast, signedUntil }) });

    const error = await failureWithin(api.get('/x'));

    expect(backoffInfo(error)).toMatchObject({ reason: 'hook-failed' });
    expect(server.arrivals).toHaveLength(1);
  });
});
