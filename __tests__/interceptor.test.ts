import axios, { isAxiosError, type AxiosError } from 'axios';
import { Readable } from 'stream';
import { attach, backoff, constant, type RetryOptions } from '../lib';
import { rejection, scripted, type Reply } from './support/mock';

const fast: RetryOptions = { strategy: constant(0) };
const METHODS = ['get', 'head', 'options', 'put', 'delete', 'post', 'patch'] as const;
const IDEMPOTENT = new Set(['get', 'head', 'options', 'put', 'delete']);

async function send(method: (typeof METHODS)[number], script: Reply[], options: RetryOptions = fast) {
  const { api, seen } = scripted([...script, 200]);
  attach(api, options);
  const result = await api.request({ method, url: '/x', data: method === 'get' ? undefined : { a: 1 } }).then(
    (r) => r.status,
    (e: AxiosError) => e,
  );
  return { result, attempts: seen.length };
}

describe('the safety matrix, through the interceptor', () => {
  const rows: Array<{ row: string; reply: Reply; retried: (m: string) => boolean }> = [
    { row: '429', reply: [429, {}, { 'Retry-After': '0' }], retried: () => true },
    { row: '418 with Retry-After', reply: [418, {}, { 'Retry-After': '0' }], retried: () => true },
    { row: 'connection refused', reply: 'ECONNREFUSED', retried: () => true },
    { row: 'DNS failure', reply: 'ENOTFOUND', retried: () => true },
    { row: '408', reply: 408, retried: () => true },
    { row: '425', reply: 425, retried: () => true },
    { row: 'connection reset', reply: 'ECONNRESET', retried: (m) => IDEMPOTENT.has(m) },
    { row: 'timeout', reply: 'ECONNABORTED', retried: (m) => IDEMPOTENT.has(m) },
    ...[500, 502, 503, 504].map((s) => ({ row: String(s), reply: s as Reply, retried: (m: string) => IDEMPOTENT.has(m) })),
    ...[400, 401, 403, 404, 418].map((s) => ({ row: String(s), reply: s as Reply, retried: () => false })),
  ];
  for (const { row, reply, retried } of rows) {
    for (const method of METHODS) {
      const expected = retried(method);
      it(`${expected ? 'retries' : 'does not retry'} a ${method.toUpperCase()} after ${row}`, async () => {
        const { result, attempts } = await send(method, [reply]);
        expect(attempts).toBe(expected ? 2 : 1);
        if (expected) expect(result).toBe(200);
        else expect(isAxiosError(result)).toBe(true);
      });
    }
  }
});

describe('giving up', () => {
  it('rejects with the last AxiosError, its config carrying backoffState', async () => {
    const { api, seen } = scripted([503, 502, 504, 500]);
    attach(api, { ...fast, retries: 3 });
    const error = await rejection(api.get('/x'));
    expect(isAxiosError(error)).toBe(true);
    expect(error.response?.status).toBe(500);
    expect(seen).toHaveLength(4);
    expect(error.config?.backoffState?.attempt).toBe(3);
    expect(error.config?.backoffState?.delays).toEqual([0, 0, 0]);
    expect(error.backoff).toMatchObject({ outcome: 'unknown', reason: 'retries-exhausted', attempts: 4 });
  });

  it('marks a POST whose outcome is unknown, without retrying it', async () => {
    const { api, seen } = scripted([503]);
    attach(api, fast);
    const error = await rejection(api.post('/api/v3/order', { symbol: 'BTCUSDT' }));
    expect(seen).toHaveLength(1);
    expect(error.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method', attempts: 1 });
  });

  it('makes no retry with retries: 0', async () => {
    const { api, seen } = scripted([503, 200]);
    attach(api, { ...fast, retries: 0 });
    expect((await rejection(api.get('/x'))).backoff?.reason).toBe('retries-exhausted');
    expect(seen).toHaveLength(1);
  });

  it('lets errors that are not axios errors through untouched', async () => {
    const { api } = scripted([200]);
    const boom = new Error('interceptor bug');
    api.interceptors.response.use(() => {
      throw boom;
    });
    attach(api, fast);
    await expect(api.get('/x')).rejects.toBe(boom);
  });
});

describe('idempotency header opt-in', () => {
  it('retries a POST on 503 when it carries the configured header', async () => {
    const { api, seen } = scripted([503, 200]);
    attach(api, { ...fast, idempotencyHeader: 'Idempotency-Key' });
    const response = await api.post('/order', { a: 1 }, { headers: { 'idempotency-key': 'k-1' } });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('does not retry a POST on 503 without the header', async () => {
    const { api, seen } = scripted([503, 200]);
    attach(api, { ...fast, idempotencyHeader: 'Idempotency-Key' });
    expect((await rejection(api.post('/order', { a: 1 }))).backoff?.reason).toBe('unsafe-method');
    expect(seen).toHaveLength(1);
  });
});

describe('state', () => {
  it('puts backoffState on every attempt, attempt 0 on the first', async () => {
    const { api, seen } = scripted([503, 429, 200]);
    attach(api, fast);
    const before = Date.now();
    const response = await api.get('/x');
    expect(seen.map((c) => c.backoffState?.attempt)).toEqual([0, 1, 2]);
    expect(response.config.backoffState?.attempt).toBe(2);
    expect(response.config.backoffState?.delays).toEqual([0, 0]);
    expect(response.config.backoffState?.startedAt).toBeGreaterThanOrEqual(before);
    expect(seen.every((c) => c.backoffState?.startedAt === seen[0].backoffState?.startedAt)).toBe(true);
  });

  it('starts afresh when a settled config is sent again', async () => {
    const { api, seen } = scripted([503, 503, 200]);
    attach(api, { ...fast, retries: 1 });
    const error = await rejection(api.get('/x'));
    expect(error.config?.backoffState?.attempt).toBe(1);
    const response = await api.request(error.config!);
    expect(response.config.backoffState?.attempt).toBe(0);
    expect(seen).toHaveLength(3);
  });
});

describe('per-request overrides', () => {
  it('turns retries off with backoff: false', async () => {
    const { api, seen } = scripted([503, 200]);
    attach(api, fast);
    const error = await rejection(api.get('/x', { backoff: false }));
    expect(seen).toHaveLength(1);
    expect(error.backoff).toBeUndefined();
  });

  it('overrides the instance options with an object', async () => {
    const { api, seen } = scripted([503]);
    attach(api, { ...fast, retries: 5 });
    await rejection(api.get('/x', { backoff: { retries: 1 } }));
    expect(seen).toHaveLength(2);
  });

  it('widens the methods for one request', async () => {
    const { api, seen } = scripted([503, 200]);
    attach(api, fast);
    await api.post('/x', {}, { backoff: { methods: ['post'] } });
    expect(seen).toHaveLength(2);
  });

  it('rejects a bad override before sending, naming the option', async () => {
    const { api, seen } = scripted([200]);
    attach(api, fast);
    await expect(api.get('/x', { backoff: { retries: -2 } })).rejects.toThrow(/retries.*-2/);
    await expect(api.get('/x', { backoff: { retry: 2 } as never })).rejects.toThrow(/config\.backoff.*"retry"/);
    expect(seen).toHaveLength(0);
  });
});

describe('options are checked when handed over', () => {
  const api = axios.create();
  it.each([
    [{ retries: -1 }, RangeError, /retries.*-1/],
    [{ retries: 1.5 }, RangeError, /retries.*1\.5/],
    [{ retries: NaN }, RangeError, /retries.*NaN/],
    [{ strategy: 5 }, TypeError, /strategy/],
    [{ statusCodes: ['429'] }, TypeError, /statusCodes.*"429"/],
    [{ maxRetryAfter: -1 }, RangeError, /maxRetryAfter.*-1/],
  ])('attach and backoff throw for %p', (options, kind, message) => {
    expect(() => attach(api, options as RetryOptions)).toThrow(kind);
    expect(() => attach(api, options as RetryOptions)).toThrow(message);
    expect(() => backoff(api, options as RetryOptions)).toThrow(message);
  });

  it('throws when the instance is not an axios instance', () => {
    expect(() => backoff(undefined as never)).toThrow(/instance must be an axios instance/);
  });
});

describe('attach and backoff', () => {
  it('detach removes the interceptors, and may be called twice', async () => {
    const { api, seen } = scripted([503, 200]);
    const detach = attach(api, fast);
    detach();
    detach();
    await rejection(api.get('/x'));
    expect(seen).toHaveLength(1);
  });

  it('works as a hand-registered response interceptor pair', async () => {
    const { api, seen } = scripted([503, 429, 200]);
    api.interceptors.response.use(...backoff(api, fast));
    const response = await api.get('/x');
    expect(response.status).toBe(200);
    // Without attach's request interceptor the state is set on the first config when it fails.
    expect(seen.map((c) => c.backoffState?.attempt)).toEqual([0, 1, 2]);
    expect(response.config.backoffState?.attempt).toBe(2);
  });
});

describe('bodies that cannot be sent twice', () => {
  it('does not retry a stream body, and says why', async () => {
    const { api, seen } = scripted([503, 200]);
    attach(api, fast);
    const error = await rejection(api.put('/upload', Readable.from(['chunk'])));
    expect(seen).toHaveLength(1);
    expect(error.backoff?.reason).toBe('body-not-replayable');
    expect(error.backoff?.message).toMatch(/stream/);
  });
});

describe('the request as made', () => {
  it('is recorded before every request interceptor, those registered after attach included', async () => {
    const { api, seen } = scripted([503, 503, 200]);
    api.interceptors.request.use((config) => ({ ...config, url: `${config.url}/before` }));
    attach(api, fast);
    api.interceptors.request.use((config) => {
      config.url = `${config.url}/after`;
      config.params = { ...config.params, signature: `${config.params?.signature ?? ''}x` };
      return config;
    });
    await api.get('/x', { params: { symbol: 'BTCUSDT' } });
    expect(seen.map((c) => c.url)).toEqual(['/x/after/before', '/x/after/before', '/x/after/before']);
    expect(seen.map((c) => c.params)).toEqual(Array(3).fill({ symbol: 'BTCUSDT', signature: 'x' }));
  });
});

describe('the hand-registered pair, spread forgotten', () => {
  it('is mended, and says so once: use(backoff(api)) still retries', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { api, seen } = scripted([503, 200]);
      api.interceptors.response.use(backoff(api, fast) as never);
      await Promise.resolve(); // set up, then used: the mend runs as soon as the setup code yields
      const response = await api.get('/x');
      expect(response.status).toBe(200);
      expect(seen).toHaveLength(2);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/\.\.\.backoff\(api\)/);
    } finally {
      warn.mockRestore();
    }
  });
});
