import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { createHmac } from 'node:crypto';
import { attach, backoff, constant, type RetryOptions } from '../lib';
import { reply, serversClosedAfterEach, type Arrival } from './support/server';

const start = serversClosedAfterEach();
const fast: RetryOptions = { strategy: constant(0) };
const limited = reply(429, { code: -1003, msg: 'Too many requests' }, { 'Retry-After': '0' });
const SECRET = 'test-secret';

/** How the response side is installed: `attach`, or the pair registered by hand. */
const installs: Array<[string, (api: AxiosInstance, options: RetryOptions) => void]> = [
  ['attach', (api, options) => attach(api, options)],
  ['backoff registered by hand', (api, options) => api.interceptors.response.use(...backoff(api, options))],
];

function attemptOf(config: InternalAxiosRequestConfig): number {
  return config.backoffState?.attempt ?? 0;
}

function query(arrival: Arrival): URLSearchParams {
  return new URL(arrival.url, 'http://loopback').searchParams;
}

function sign(params: Iterable<[string, string]>): string {
  const canonical = [...params].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join('&');
  return createHmac('sha256', SECRET).update(canonical).digest('hex');
}

describe('a JSON body replayed after 429', () => {
  it('arrives byte-identical on each attempt, with its headers, path and params intact', async () => {
    const server = await start([limited, reply(200, { status: 'FILLED' })]);
    const api = server.client({ baseURL: `${server.url}/api`, headers: { 'X-MBX-APIKEY': 'key-1' } });
    attach(api, fast);
    const response = await api.post('/v3/order', { a: 1 }, { params: { symbol: 'BTCUSDT' } });
    expect(response.data).toEqual({ status: 'FILLED' });
    expect(server.arrivals).toHaveLength(2);
    for (const arrival of server.arrivals) {
      expect(arrival.method).toBe('POST');
      expect(arrival.url).toBe('/api/v3/order?symbol=BTCUSDT');
      expect(arrival.body).toBe('{"a":1}');
      expect(arrival.headers['content-type']).toMatch(/^application\/json/);
      expect(arrival.headers['content-length']).toBe(String(Buffer.byteLength(arrival.body)));
      expect(arrival.headers['x-mbx-apikey']).toBe('key-1');
    }
  });
});

describe('request interceptors registered before attach run again on each attempt', () => {
  it.each(installs)('re-signs the query on each attempt (%s)', async (_name, install) => {
    const server = await start([limited, limited, reply(200)]);
    const api = server.client();
    // A timestamp that gains a digit between attempts (9, 10, 11).
    let clock = 9;
    api.interceptors.request.use((config) => {
      // In place, as signing interceptors often do: the next attempt must not start from this.
      const params = (config.params ??= {}) as Record<string, string>;
      params.timestamp = String(clock++);
      params.signature = sign(Object.entries(params).filter(([k]) => k !== 'signature'));
      return config;
    });
    install(api, fast);
    await api.get('/api/v3/account', { params: { recvWindow: '5000' } });

    expect(server.arrivals).toHaveLength(3);
    const timestamps = server.arrivals.map((arrival) => {
      const params = query(arrival);
      expect(params.getAll('signature')).toHaveLength(1);
      expect(params.getAll('timestamp')).toHaveLength(1);
      expect(params.get('recvWindow')).toBe('5000');
      const signed = [...params].filter(([k]) => k !== 'signature');
      expect(params.get('signature')).toBe(sign(signed));
      return params.get('timestamp');
    });
    expect(timestamps).toEqual(['9', '10', '11']);
  });

  it.each(installs)('sends a complete body with its own Content-Length when an interceptor resizes it (%s)', async (_name, install) => {
    const server = await start([limited, limited, reply(200)]);
    const api = server.client();
    api.interceptors.request.use((config) => {
      // By hand the retry starts from the failed config, whose body axios already serialized.
      const data = typeof config.data === 'string' ? JSON.parse(config.data) : config.data;
      config.data = { ...data, nonce: 'n'.repeat(attemptOf(config) + 1) };
      return config;
    });
    install(api, fast);
    await api.post('/api/v3/order', { symbol: 'BTCUSDT', quantity: '0.01' });

    expect(server.arrivals).toHaveLength(3);
    server.arrivals.forEach((arrival, attempt) => {
      expect(arrival.headers['content-length']).toBe(String(Buffer.byteLength(arrival.body)));
      expect(JSON.parse(arrival.body)).toEqual({ symbol: 'BTCUSDT', quantity: '0.01', nonce: 'n'.repeat(attempt + 1) });
    });
  });

  it('appends to the URL once per attempt, not once more per retry', async () => {
    const server = await start([limited, limited, reply(200)]);
    const api = server.client();
    api.interceptors.request.use((config) => {
      config.url = `${config.url}/v2`;
      return config;
    });
    attach(api, fast);
    await api.get('/api/orders', { params: { limit: 10 } });
    expect(server.arrivals.map((a) => a.url)).toEqual(Array(3).fill('/api/orders/v2?limit=10'));
  });

  it('keeps the configured timeout on every attempt', async () => {
    const server = await start([reply(503), limited, reply(200)]);
    const api = server.client({ timeout: 4000 });
    const timeouts: Array<number | undefined> = [];
    api.interceptors.request.use((config) => {
      timeouts.push(config.timeout);
      return config;
    });
    attach(api, fast);
    const response = await api.get('/api/v3/ticker', { timeout: 2500 });
    expect(timeouts).toEqual([2500, 2500, 2500]);
    expect(response.config.timeout).toBe(2500);
    expect(server.arrivals).toHaveLength(3);
  });
});

describe('response interceptors registered before attach', () => {
  it('see each attempt: the 429 as a rejection, the 200 as a response, each once', async () => {
    const server = await start([limited, reply(200, { ok: true })]);
    const api = server.client();
    const seen: string[] = [];
    api.interceptors.response.use(
      (response) => {
        seen.push(`fulfilled ${response.status} attempt ${attemptOf(response.config)}`);
        return response;
      },
      (error) => {
        seen.push(`rejected ${error.response?.status} attempt ${attemptOf(error.config)}`);
        throw error;
      },
    );
    attach(api, fast);
    const response = await api.get('/api/v3/ticker');
    expect(response.data).toEqual({ ok: true });
    expect(seen).toEqual(['rejected 429 attempt 0', 'fulfilled 200 attempt 1']);
  });
});
