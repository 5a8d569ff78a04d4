import axios, { isCancel } from 'axios';
import { Agent } from 'node:http';
import { attach, constant, type BackoffOptions } from '../lib';
import { runTypeScript } from './support/child';
import { rejection } from './support/mock';
import { dropConnection, freePort, later, reply, serversClosedAfterEach, type ScriptedServer } from './support/server';

const start = serversClosedAfterEach();
const fast: BackoffOptions = { strategy: constant(0) };

describe('connection reset (the server drops the socket without answering)', () => {
  it('retries a GET, which then succeeds', async () => {
    const server = await start([dropConnection, reply(200, { ok: true })]);
    const api = server.client();
    attach(api, fast);
    const response = await api.get('/api/v3/ticker');
    expect(response.data).toEqual({ ok: true });
    expect(server.arrivals.map((a) => a.method)).toEqual(['GET', 'GET']);
  });

  it('does not retry a POST: the server may have acted on it', async () => {
    const server = await start([dropConnection, reply(200)]);
    const api = server.client();
    attach(api, fast);
    const error = await rejection(api.post('/api/v3/order', { symbol: 'BTCUSDT' }));
    expect(error.code).toBe('ECONNRESET');
    expect(error.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method', attempts: 1 });
    expect(server.arrivals).toHaveLength(1);
  });
});

describe('connection refused (the request never left)', () => {
  it('retries a POST, which succeeds once the server listens', async () => {
    const port = await freePort();
    const agent = new Agent({ keepAlive: false });
    let server: ScriptedServer | undefined;
    const refusals: Array<string | undefined> = [];
    try {
      const api = axios.create({ baseURL: `http://127.0.0.1:${port}`, httpAgent: agent });
      attach(api, {
        ...fast,
        onRetry: async ({ attempt, error }) => {
          refusals.push(error?.code);
          if (attempt === 1) server = await start([reply(200, { status: 'FILLED' })], port);
        },
      });
      const response = await api.post('/api/v3/order', { symbol: 'BTCUSDT' });
      expect(response.data).toEqual({ status: 'FILLED' });
      expect(response.config.backoffState?.attempt).toBe(1);
      expect(refusals).toEqual(['ECONNREFUSED']);
      expect(server?.arrivals).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });
});

describe('timeout', () => {
  const slow = later(300, reply(200));

  it('retries a GET, giving each attempt its full timeout', async () => {
    const server = await start([slow]);
    const api = server.client({ timeout: 100 });
    attach(api, { ...fast, retries: 1 });
    const error = await rejection(api.get('/api/v3/depth'));
    expect(error.code).toBe('ECONNABORTED');
    expect(error.backoff).toMatchObject({ outcome: 'unknown', reason: 'retries-exhausted', attempts: 2 });
    expect(server.arrivals.map((a) => a.method)).toEqual(['GET', 'GET']);
    // The server sees an attempt from its arrival to the client hanging up: a
    // little less than the client's 100 ms, never a fraction left from the first.
    await server.settled();
    for (const { at, closedAt } of server.arrivals) expect(closedAt! - at).toBeGreaterThanOrEqual(50);
  });

  it('does not retry a POST that timed out', async () => {
    const server = await start([slow]);
    const api = server.client({ timeout: 100 });
    attach(api, fast);
    const error = await rejection(api.post('/api/v3/order', { symbol: 'BTCUSDT' }));
    expect(error.code).toBe('ECONNABORTED');
    expect(error.backoff).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
    expect(server.arrivals).toHaveLength(1);
  });
});

describe('Retry-After over the wire', () => {
  it('waits the server\'s 1 s before the retry, whatever the strategy says', async () => {
    const server = await start([reply(429, { code: -1003 }, { 'Retry-After': '1' }), reply(200)]);
    const api = server.client();
    attach(api, fast);
    const started = Date.now();
    const response = await api.get('/api/v3/ticker');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5000);
    expect(response.config.backoffState?.delays).toEqual([1000]);
    expect(server.arrivals[1].at - server.arrivals[0].at).toBeGreaterThanOrEqual(950);
  });

  it('rejects with axios\' cancel error at once when aborted mid-wait', async () => {
    const server = await start([reply(429, {}, { 'Retry-After': '30' }), reply(200)]);
    const api = server.client();
    const controller = new AbortController();
    const onRetry = jest.fn(() => {
      setTimeout(() => controller.abort(), 50);
    });
    attach(api, { onRetry });
    const started = Date.now();
    const error = await rejection(api.get('/api/v3/ticker', { signal: controller.signal }));
    expect(isCancel(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(server.arrivals).toHaveLength(1);
  });
});

describe('a process with nothing left to do', () => {
  it('exits by itself after a retried request, with no timer left', async () => {
    const { code, killed, stdout, stderr } = await runTypeScript('__tests__/support/exit-check.ts', 10_000);

    expect({ killed, code, stderr }).toEqual({ killed: false, code: 0, stderr: '' });
    const printed = JSON.parse(stdout) as { status: number; arrivals: number; resources: string[] };
    expect(printed).toMatchObject({ status: 200, arrivals: 2 });
    expect(printed.resources).not.toContain('Timeout');
  });
});
