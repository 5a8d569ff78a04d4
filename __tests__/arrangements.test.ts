/**
 * Pins that every request settles whatever users put around `attach`: interceptors that
 * unwrap, throw, refresh a token or call the same instance, a second `attach`, axios-retry,
 * axios-mock-adapter, the fetch adapter, `validateStatus`, slow first requests, aborts and
 * timeouts while held. Each test runs against a real loopback server (or a mock adapter),
 * checks what the caller gets and what the server saw, and bounds every wait: a request
 * that hangs fails here in a few seconds, not at jest's timeout.
 */
import axios, { isCancel, type AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import axiosRetry from 'axios-retry';
import MockAdapter from 'axios-mock-adapter';
import { attach, backoffInfo, constant, type BackoffOptions } from '../lib';
import { failureWithin, within } from './support/bounded';
import { freePort, later, reply, serversClosedAfterEach, type ScriptedServer, type Step } from './support/server';

const start = serversClosedAfterEach();
const fast: BackoffOptions = { strategy: constant(0) };

/** Answers by path (query left out); anything unlisted gets `fallback`. */
function routes(table: Record<string, Step>, fallback: Step = reply(200, { ok: true })): Step {
  return (req, res, arrival) => (table[arrival.url.split('?')[0]] ?? fallback)(req, res, arrival);
}

const paths = (server: ScriptedServer): string[] => server.arrivals.map((a) => a.url);

/** axios' fetch adapter came in 1.7; the peer range starts at 1.6, where these tests cannot run. */
const hasFetchAdapter = (() => {
  try {
    axios.getAdapter('fetch');
    return true;
  } catch {
    return false;
  }
})();
const withFetch = hasFetchAdapter ? describe : describe.skip;

type Order = 'before' | 'after';
const ORDERS: Order[] = ['before', 'after'];

/** Installs `plugin` on the instance before or after `attach`. */
function arrange(api: AxiosInstance, order: Order, plugin: () => void, options: BackoffOptions = fast): void {
  if (order === 'before') plugin();
  attach(api, options);
  if (order === 'after') plugin();
}

describe('a response interceptor that unwraps r => r.data', () => {
  it.each(ORDERS)('settles two sequential requests to one origin when registered %s attach', async (order) => {
    const server = await start([reply(200, { price: '1.0' })]);
    const api = server.client();
    arrange(api, order, () => api.interceptors.response.use((r) => r.data));

    const first: unknown = await within(api.get('/api/v3/ticker'));
    const second: unknown = await within(api.get('/api/v3/depth'));

    expect([first, second]).toEqual([{ price: '1.0' }, { price: '1.0' }]);
    expect(paths(server)).toEqual(['/api/v3/ticker', '/api/v3/depth']);
  });
});

describe('a request interceptor that throws once (a signer not ready)', () => {
  /** A signer that throws `error` on its first call only, synchronously or from an async function. */
  function throwsOnce(kind: 'sync' | 'async', error: Error) {
    let ready = false;
    const sign = (config: InternalAxiosRequestConfig) => {
      if (ready) return config;
      ready = true;
      throw error;
    };
    return kind === 'sync' ? sign : async (config: InternalAxiosRequestConfig) => sign(config);
  }
  const cases = ORDERS.flatMap((order) => (['sync', 'async'] as const).map((kind) => [kind, order] as const));

  it.each(cases)(
    'rejects the first request with the %s interceptor\'s error (registered %s attach), and later ones settle promptly',
    async (kind, order) => {
      const server = await start([reply(200, { ok: true })]);
      const api = server.client();
      const notReady = new Error('signer not ready');
      arrange(api, order, () => api.interceptors.request.use(throwsOnce(kind, notReady)));

      expect(await failureWithin(api.get('/api/v3/account'))).toBe(notReady);
      const second = await within(api.get('/api/v3/openOrders'), 1000);
      const third = await within(api.get('/api/v3/myTrades'), 1000);

      expect([second.status, third.status]).toEqual([200, 200]);
      expect(paths(server)).toEqual(['/api/v3/openOrders', '/api/v3/myTrades']);
    },
  );
});

describe('the "401 -> refresh token -> return api(err.config)" interceptor', () => {
  /** A server that accepts only the refreshed token, and hands it out at /refresh. */
  const authServer = routes(
    { '/refresh': reply(200, { token: 'fresh' }) },
    (req, res, arrival) => (req.headers.authorization === 'Bearer fresh' ? reply(200, { ok: true }) : reply(401))(req, res, arrival),
  );

  function installRefresh(api: AxiosInstance, refresh: () => Promise<string>) {
    let token = 'stale';
    let refreshed = false;
    return () => {
      api.interceptors.request.use((config) => {
        config.headers.set('Authorization', `Bearer ${token}`);
        return config;
      });
      api.interceptors.response.use(undefined, async (error: AxiosError) => {
        if (error.response?.status !== 401 || refreshed || !error.config) throw error;
        refreshed = true;
        token = await refresh();
        return api(error.config);
      });
    };
  }

  const cases = ORDERS.flatMap((order) => (['another client', 'the same instance'] as const).map((via) => [order, via] as const));

  it.each(cases)('settles with the replay\'s 200 when registered %s attach, refreshing through %s', async (order, via) => {
    const server = await start([authServer]);
    const api = server.client();
    const other = server.client();
    const client = via === 'the same instance' ? api : other;
    const refresh = async () => ((await client.post('/refresh')).data as { token: string }).token;
    arrange(api, order, installRefresh(api, refresh));

    const response = await within(api.get('/api/v3/account'));

    expect(response.status).toBe(200);
    expect(response.data).toEqual({ ok: true });
    expect(paths(server)).toEqual(['/api/v3/account', '/refresh', '/api/v3/account']);
    expect(server.arrivals.map((a) => a.headers.authorization)[2]).toBe('Bearer fresh');
  });
});

describe('a request interceptor that lazily fetches server time through the same instance', () => {
  const timeServer = routes({ '/api/v3/time': reply(200, { serverTime: 1_700_000_000_000 }) });

  function installSigner(api: AxiosInstance) {
    let skew: Promise<number> | undefined;
    return () => {
      api.interceptors.request.use(async (config) => {
        if (config.url === '/api/v3/time') return config;
        skew ??= api.get('/api/v3/time').then((r) => (r.data as { serverTime: number }).serverTime - Date.now());
        config.headers.set('X-Timestamp', String(Date.now() + (await skew)));
        config.headers.set('X-Signature', 'signed');
        return config;
      });
    };
  }

  it.each(ORDERS)('settles the first signed request when registered %s attach', async (order) => {
    const server = await start([timeServer]);
    const api = server.client();
    arrange(api, order, installSigner(api));

    const response = await within(api.get('/api/v3/account'));

    expect(response.status).toBe(200);
    expect(paths(server)).toEqual(['/api/v3/time', '/api/v3/account']);
    expect(server.arrivals[1].headers['x-signature']).toBe('signed');
  });

  it.each(ORDERS)('settles three concurrent first signed requests when registered %s attach', async (order) => {
    const server = await start([timeServer]);
    const api = server.client();
    arrange(api, order, installSigner(api));

    const responses = await within(Promise.all([1, 2, 3].map((n) => api.get(`/api/v3/account?n=${n}`))));

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(paths(server).filter((p) => p === '/api/v3/time')).toHaveLength(1);
    expect(server.arrivals.filter((a) => a.headers['x-signature'] === 'signed')).toHaveLength(3);
  });
});

describe('attach called twice on one instance', () => {
  /** Attaches a second time; false when that attach refused at once, naming attach. */
  function attachAgain(api: AxiosInstance, options: BackoffOptions): boolean {
    try {
      attach(api, options);
      return true;
    } catch (error) {
      expect((error as Error).message).toMatch(/attach/);
      return false;
    }
  }

  it('either refuses at once naming attach, or lets sequential requests settle', async () => {
    const server = await start([reply(200, { ok: true })]);
    const api = server.client();
    attach(api, fast);
    attachAgain(api, fast);

    const statuses: number[] = [];
    for (const path of ['/a', '/b', '/c']) statuses.push((await within(api.get(path))).status);

    expect(statuses).toEqual([200, 200, 200]);
    expect(paths(server)).toEqual(['/a', '/b', '/c']);
  });

  it('does not multiply retries: with retries: 2 an always-503 GET reaches the server at most 3 times', async () => {
    const server = await start([reply(503)]);
    const api = server.client();
    const options = { ...fast, retries: 2 };
    attach(api, options);
    attachAgain(api, options);

    const error = await failureWithin(api.get('/api/v3/ticker'));

    expect(error.response?.status).toBe(503);
    expect(server.arrivals.length).toBeGreaterThanOrEqual(1);
    expect(server.arrivals.length).toBeLessThanOrEqual(3);
  });
});

describe('axios-retry on the same instance', () => {
  const installRetry = (api: AxiosInstance) => () => void axiosRetry(api, { retries: 2, retryDelay: () => 0 });

  it.each(ORDERS)('settles a GET answered 503 then 200 with the 200, installed %s attach', async (order) => {
    const server = await start([reply(503), reply(200, { ok: true })]);
    const api = server.client();
    arrange(api, order, installRetry(api));

    const response = await within(api.get('/api/v3/ticker'), 1000);

    expect(response.status).toBe(200);
    expect(paths(server)).toEqual(['/api/v3/ticker', '/api/v3/ticker']);
  });

  it.each(ORDERS)('settles an order POST answered 503 once, as an unknown outcome, installed %s attach', async (order) => {
    const server = await start([reply(503), reply(200, { status: 'FILLED' })]);
    const api = server.client();
    arrange(api, order, installRetry(api));

    const error = await failureWithin(api.post('/api/v3/order', { symbol: 'BTCUSDT' }), 1000);

    expect(error.response?.status).toBe(503);
    expect(backoffInfo(error)?.outcome).toBe('unknown');
    expect(server.arrivals.map((a) => a.method)).toEqual(['POST']);
  });
});

describe('validateStatus: () => true', () => {
  it('holds requests sent right after a 429 until its Retry-After ends, and hands the 429 to its caller', async () => {
    const server = await start([reply(429, { code: -1003 }, { 'Retry-After': '1' }), reply(200, { ok: true })]);
    const api = server.client({ validateStatus: () => true });
    attach(api, fast);

    const limited = await within(api.get('/api/v3/ticker'));
    const burst = await within(Promise.all(['/a', '/b', '/c'].map((p) => api.get(p))), 2500);

    expect(limited.status).toBe(429);
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(server.arrivals).toHaveLength(4);
    const gaps = server.arrivals.slice(1).map((a) => a.at - server.arrivals[0].at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000 - 50);
  });
});

describe('a slow first request to a new origin', () => {
  it('does not hold a second request sent 50 ms later: it settles first', async () => {
    const server = await start([later(1500, reply(200, { slow: true })), reply(200, { slow: false })]);
    const api = server.client();
    attach(api, fast);
    const order: string[] = [];
    const track = (name: string, p: Promise<AxiosResponse>) => p.then((r) => {
        order.push(name);
        return r;
      });

    const slow = track('slow', api.get('/api/v3/historicalTrades'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const quick = track('quick', api.get('/api/v3/ticker'));
    const [slowResponse, quickResponse] = await within(Promise.all([slow, quick]), 2500);

    expect([slowResponse.status, quickResponse.status]).toEqual([200, 200]);
    expect(order).toEqual(['quick', 'slow']);
    expect(paths(server)).toEqual(['/api/v3/historicalTrades', '/api/v3/ticker']);
  });
});

describe('a nested request through the same instance inside a response interceptor', () => {
  it.each(ORDERS)('settles when the interceptor fetching /meta once is registered %s attach', async (order) => {
    const server = await start([routes({ '/meta': reply(200, { region: 'eu' }) }, reply(200, { price: '1.0' }))]);
    const api = server.client();
    let meta: Promise<unknown> | undefined;
    arrange(api, order, () =>
      api.interceptors.response.use(async (response) => {
        if (response.config.url === '/meta') return response;
        meta ??= api.get('/meta').then((r) => r.data);
        return { ...response, data: { ...response.data, meta: await meta } };
      }),
    );

    const first = await within(api.get('/api/v3/ticker'));
    const second = await within(api.get('/api/v3/depth'));

    expect(first.data).toEqual({ price: '1.0', meta: { region: 'eu' } });
    expect(second.data).toEqual({ price: '1.0', meta: { region: 'eu' } });
    expect(paths(server)).toEqual(['/api/v3/ticker', '/meta', '/api/v3/depth']);
  });
});

withFetch("the fetch adapter (adapter: 'fetch')", () => {
  it('retries a POST refused at connect, which succeeds once the server listens', async () => {
    const port = await freePort();
    let server: ScriptedServer | undefined;
    const api = axios.create({ baseURL: `http://127.0.0.1:${port}`, adapter: 'fetch' });
    attach(api, {
      ...fast,
      onRetry: async ({ attempt }) => {
        if (attempt === 1) server = await start([reply(200, { status: 'FILLED' })], port);
      },
    });

    const response = await within(api.post('/api/v3/order', { symbol: 'BTCUSDT' }));

    expect(response.data).toEqual({ status: 'FILLED' });
    expect(response.config.backoffState?.attempt).toBe(1);
    expect(server?.arrivals.map((a) => a.method)).toEqual(['POST']);
  });

  it('retries a GET answered 429 with Retry-After: 1, then 200', async () => {
    const server = await start([reply(429, { code: -1003 }, { 'Retry-After': '1' }), reply(200, { ok: true })]);
    const api = server.client({ adapter: 'fetch' });
    attach(api, fast);

    const response = await within(api.get('/api/v3/ticker'), 2500);

    expect(response.status).toBe(200);
    expect(response.config.backoffState?.delays).toEqual([1000]);
    expect(server.arrivals).toHaveLength(2);
    expect(server.arrivals[1].at - server.arrivals[0].at).toBeGreaterThanOrEqual(1000 - 50);
  });
});

describe('axios-mock-adapter on the instance', () => {
  function mocked(order: Order) {
    const api = axios.create({ baseURL: 'https://api.exchange.test' });
    let mock: MockAdapter | undefined;
    arrange(api, order, () => void (mock = new MockAdapter(api)));
    return { api, mock: mock as MockAdapter };
  }

  it.each(ORDERS)('retries a GET after a network error with no code (unknown outcome), created %s attach', async (order) => {
    const { api, mock } = mocked(order);
    mock.onGet('/x').networkErrorOnce();
    mock.onGet('/x').reply(200, { ok: true });

    const response = await within(api.get('/x'));

    expect(response.status).toBe(200);
    expect(mock.history.get).toHaveLength(2);
  });

  it.each(ORDERS)('does not retry a POST after a network error with no code, created %s attach', async (order) => {
    const { api, mock } = mocked(order);
    mock.onPost('/x').networkErrorOnce();
    mock.onPost('/x').reply(200, { ok: true });

    const error = await failureWithin(api.post('/x', { symbol: 'BTCUSDT' }));

    expect(error.message).toBe('Network Error');
    expect(backoffInfo(error)).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
    expect(mock.history.post).toHaveLength(1);
  });
});

describe('a request held by a cooldown', () => {
  /** An origin that answered 429 Retry-After: 1 to a request that did not retry it. */
  async function coolingOrigin() {
    const server = await start([reply(429, { code: -1003 }, { 'Retry-After': '1' }), reply(200, { ok: true })]);
    const api = server.client();
    attach(api, fast);
    const limited = await failureWithin(api.get('/api/v3/ticker', { backoff: { retries: 0 } }));
    expect(limited.response?.status).toBe(429);
    return { server, api };
  }

  it('rejects at once with the cancel error when its own signal aborts, and later requests settle', async () => {
    const { server, api } = await coolingOrigin();
    const controller = new AbortController();
    const held = api.get('/api/v3/account', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);

    const error = await failureWithin(held, 500);
    const after = await within(api.get('/api/v3/depth'), 2000);

    expect(isCancel(error)).toBe(true);
    expect(after.status).toBe(200);
    expect(paths(server)).toEqual(['/api/v3/ticker', '/api/v3/depth']);
  });

  it('rejects with a timeout error when its timeout passes while held, and later requests settle', async () => {
    const { server, api } = await coolingOrigin();

    const error = await failureWithin(api.get('/api/v3/account', { timeout: 200 }), 600);
    const after = await within(api.get('/api/v3/depth'), 2000);

    expect(error.code).toBe('ECONNABORTED');
    expect(after.status).toBe(200);
    expect(paths(server)).toEqual(['/api/v3/ticker', '/api/v3/depth']);
  });
});

describe('answers the caller will never read', () => {
  it('releases the stream body of each failed attempt before retrying, so a small pool of sockets does not run dry', async () => {
    const server = await start([reply(503), reply(503), reply(503), reply(200, { ok: true })]);
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 2 });
    try {
      const api = axios.create({ baseURL: server.url, httpAgent: agent });
      attach(api, { ...fast, probing: false });
      const response = await within(api.get('/stream', { responseType: 'stream' }));
      expect(response.status).toBe(200);
      response.data.destroy();
      expect(server.arrivals).toHaveLength(4);
    } finally {
      agent.destroy();
    }
  });
});

withFetch('the fetch adapter, when the server drops the connection after reading the request', () => {
  it('reports an order POST as an unknown outcome (it may have been placed), sent once', async () => {
    const server = await start([(req) => req.socket.destroy()]);
    const api = server.client({ adapter: 'fetch' });
    attach(api, fast);

    const error = await failureWithin(api.post('/api/v3/order', { qty: 1 }));

    expect(backoffInfo(error)).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
    expect(server.arrivals).toHaveLength(1);
  });
});
