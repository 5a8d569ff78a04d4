import axios, { type AxiosResponse } from 'axios';
import { attach, constant, memoryStore, type BackoffOptions, type BackoffStore } from '../lib';
import { isHeldError } from '../lib/coordinator';
import { IDLE_AFTER } from '../lib/coordination/gate';
import { manual } from './support/manual';
import { rejection } from './support/mock';

// What the transport guarantees, under fake timers: the shapes of answer and of load that a
// loopback server cannot produce on demand (a 30-day wait, a thousand held requests, an idle hour).

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') }));
afterEach(() => jest.useRealTimers());

const tick = (ms = 1) => jest.advanceTimersByTimeAsync(ms);
const fast: BackoffOptions = { strategy: constant(0) };

/** An attached instance whose origin a first request, answered 429 with `headers`, has put in a cooldown. */
async function afterA429(options: BackoffOptions, headers: Record<string, string>) {
  const { api, calls } = manual();
  attach(api, { ...fast, ...options });
  const first = rejection(api.get('/a'));
  await tick();
  calls[0].reply(429, headers);
  return { api, calls, first: await first };
}

describe('a server wait that cannot be meant', () => {
  it.each([
    ['Retry-After of 300 years', { 'retry-after': '9999999999' }],
    ['X-RateLimit-Reset as an epoch in microseconds', { 'x-ratelimit-reset': String(Date.parse('2026-12-01T12:00:00Z') * 1000) }],
  ])('(%s) holds the origin for maxRetryAfter at most, never for years', async (_, headers) => {
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 1, maxRetryAfter: 10_000 });
    const first = rejection(api.get('/a'));
    await tick();
    calls[0].reply(429, headers);
    expect((await first).backoff?.reason).toBe('retry-after-too-long');
    const next = api.get('/b');
    await tick(9_990);
    expect(calls).toHaveLength(1);
    await tick(20);
    expect(calls.map((c) => c.config.url)).toEqual(['/a', '/b']);
    calls[1].reply(200);
    expect((await next).status).toBe(200);
  });

  it('while a three-day ban, which can be meant, still fails every request at once', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 0, maxRetryAfter: 10_000 });
    const first = rejection(api.get('/a'));
    await tick();
    calls[0].reply(418, { 'retry-after': String(3 * 24 * 3600) });
    await first;
    await tick(3_600_000);
    expect((await rejection(api.get('/b'))).backoff?.reason).toBe('retry-after-too-long');
    expect(calls).toHaveLength(1);
  });
});

describe('releasing a long cooldown', () => {
  it('lets held requests out in batches, one turn of the event loop each, so the loop never stalls', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, pacing: false });
    const first = rejection(api.get('/a', { backoff: { retries: 0 } }));
    await tick();
    calls[0].reply(429, { 'retry-after': '1' });
    await first;
    const held = Array.from({ length: 1000 }, (_, i) => api.get(`/h${i}`));
    await tick(999);
    expect(calls).toHaveLength(1);
    // The cooldown ends: the first turn releases one batch, the next turns the rest.
    await jest.advanceTimersToNextTimerAsync();
    const firstTurn = calls.length - 1;
    expect(firstTurn).toBeGreaterThan(0);
    expect(firstTurn).toBeLessThanOrEqual(128);
    await tick(20);
    expect(calls).toHaveLength(1001);
    calls.slice(1).forEach((c) => c.reply(200));
    expect((await Promise.all(held)).every((r: AxiosResponse) => r.status === 200)).toBe(true);
  });
});

describe('idle keys', () => {
  /** memoryStore, telling which keys it was asked to forget. */
  function forgetfulStore(): { store: BackoffStore; forgotten: string[] } {
    const store = memoryStore();
    const forgotten: string[] = [];
    const forget = store.forget?.bind(store);
    return { store: { ...store, forget: (key, now) => (forgotten.push(key), forget?.(key, now)) }, forgotten };
  }

  it('are dropped with their state after an idle spell, unless a cooldown they learned is still in force', async () => {
    const { api, calls } = manual();
    const { store, forgotten } = forgetfulStore();
    attach(api, { ...fast, retries: 0, store, key: (config) => String(config.headers?.['X-Api-Key']) });
    const sent = Array.from({ length: 50 }, (_, i) => api.get('/x', { headers: { 'X-Api-Key': `k${i}` } }));
    await tick();
    calls.forEach((c, i) => (i === 7 ? c.reply(429, { 'retry-after': String(3600) }) : c.reply(200)));
    await Promise.allSettled(sent);
    await tick(IDLE_AFTER + 1);
    // A key never seen before makes the gate look for idle ones.
    const fresh = api.get('/x', { headers: { 'X-Api-Key': 'new' } });
    await tick();
    calls[50].reply(200);
    await fresh;
    expect(forgotten).toHaveLength(49);
    expect(forgotten).not.toContain('k7');
  });

  it('start afresh when used again: a forgotten key has no cooldown and sends at once', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, key: (config) => String(config.url) });
    const first = api.get('/one');
    await tick();
    calls[0].reply(200);
    await first;
    await tick(IDLE_AFTER + 1);
    void api.get('/two');
    const again = api.get('/one');
    await tick();
    expect(calls.map((c) => c.config.url)).toEqual(['/one', '/two', '/one']);
    calls.slice(1).forEach((c) => c.reply(200));
    expect((await again).status).toBe(200);
  });
});

describe('what the server may have done, over every attempt', () => {
  it('reports a GET whose first attempt met a 503 as unknown, though its last attempt was rate limited', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 1, pacing: false });
    const request = rejection(api.get('/a'));
    await tick();
    calls[0].reply(503);
    await tick();
    calls[1].reply(429, { 'retry-after': '120' });
    const error = await request;
    expect(error.response?.status).toBe(429);
    expect(error.backoff).toMatchObject({ outcome: 'unknown', reason: 'retries-exhausted' });
  });

  it('reports a re-send that another interceptor made, held until its timeout, as unknown when the first send may have acted', async () => {
    const { api, calls } = manual();
    // As axios-retry does: the same config sent again, from a response interceptor registered before attach.
    api.interceptors.response.use(undefined, (error) => (error.response?.status === 503 ? api.request({ ...error.config, timeout: 500 }) : Promise.reject(error)));
    attach(api, { ...fast, retries: 0 });
    const request = rejection(api.post('/order', { qty: 1 }));
    await tick();
    calls[0].reply(503, { 'retry-after': '30' });
    await tick(500);
    const error = await request;
    expect(error.backoff).toMatchObject({ reason: 'held-too-long', outcome: 'unknown' });
    expect(calls).toHaveLength(1);
  });
});

describe('adapters that misbehave', () => {
  it('give the place back when the adapter throws instead of rejecting', async () => {
    let fail = true;
    const api = axios.create({
      baseURL: 'https://api.exchange.test',
      adapter: (config) => {
        if (fail) throw new Error('adapter bug');
        return Promise.resolve({ status: 200, statusText: 'OK', headers: {}, data: {}, config, request: {} });
      },
    });
    attach(api, fast);
    await expect(api.get('/a')).rejects.toThrow('adapter bug');
    fail = false;
    // On first contact the ramp lets one request out at a time: a place not given back would hold this one.
    const next = api.get('/b').then((r) => r.status);
    await tick(10);
    expect(await Promise.race([next, 'still held'])).toBe(200);
  });

  it('give the place back, and reject nothing unhandled, when the store throws while learning', async () => {
    const store = memoryStore();
    const broken: BackoffStore = { ...store, setBreaker: () => { throw new Error('store down'); } };
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 0, store: broken, probing: { threshold: 1 } });
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const first = rejection(api.get('/a'));
      await tick();
      calls[0].reply(503);
      await first;
      const next = api.get('/b');
      await tick();
      calls[1].reply(200);
      expect((await next).status).toBe(200);
      await tick();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('two copies of the package (CommonJS and ES modules loaded together)', () => {
  it('refuse a second attach on one instance, and know each other\'s held errors', async () => {
    let other: typeof import('../lib') | undefined;
    let otherMarker: typeof import('../lib/coordinator') | undefined;
    jest.isolateModules(() => {
      other = require('../lib');
      otherMarker = require('../lib/coordinator');
    });
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 0, maxRetryAfter: 1_000 });
    expect(() => other?.attach(api)).toThrow(/already has axios-backoff attached/);
    const first = rejection(api.get('/a'));
    await tick();
    calls[0].reply(429, { 'retry-after': '60' });
    await first;
    const held = await rejection(api.get('/b'));
    expect(isHeldError(held)).toBe(true);
    expect(otherMarker?.isHeldError(held)).toBe(true);
  });
});

describe('holds that must end', () => {
  it('does not wait forever for a probe that hangs: the next probe goes after a while', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 0, probing: { threshold: 1, interval: 100 } });
    const failed = rejection(api.get('/a'));
    await tick();
    calls[0].reply(503);
    await failed;
    void api.get('/hangs').catch(() => undefined);
    const next = api.get('/b');
    await tick(100);
    expect(calls.map((c) => c.config.url)).toEqual(['/a', '/hangs']);
    await tick(1_000);
    expect(calls.map((c) => c.config.url)).toEqual(['/a', '/hangs', '/b']);
    calls[2].reply(200);
    expect((await next).status).toBe(200);
  });

  it('rejects at once, and never sends, a held request whose legacy CancelToken is cancelled', async () => {
    const { api, calls } = await afterA429({ retries: 0 }, { 'retry-after': '1' });
    const source = axios.CancelToken.source();
    const order = rejection(api.post('/order', { qty: 1 }, { cancelToken: source.token }));
    await tick(50);
    source.cancel('user changed their mind');
    const error = await order;
    expect(axios.isCancel(error)).toBe(true);
    await tick(2_000);
    expect(calls.map((c) => c.config.url)).toEqual(['/a']);
  });

  it('keeps a wait of years at 7 days even with maxRetryAfter: Infinity, and its timer within setTimeout\'s range', async () => {
    const { api, calls } = await afterA429({ retries: 0, maxRetryAfter: Infinity }, { 'retry-after': '9999999999' });
    const held = api.get('/b');
    await tick(6 * 24 * 3600_000);
    expect(calls).toHaveLength(1);
    await tick(24 * 3600_000 + 10);
    expect(calls).toHaveLength(2);
    calls[1].reply(200);
    expect((await held).status).toBe(200);
  });

  it('sets no deadline timer past 2^31-1 ms (it would fire at once): a 30-day maxElapsed holds as long as needed', async () => {
    const { api, calls } = await afterA429({ retries: 0, maxElapsed: 30 * 24 * 3600_000 }, { 'retry-after': '2' });
    const held = api.get('/b');
    await tick(1_000);
    expect(calls).toHaveLength(1);
    await tick(1_010);
    expect(calls).toHaveLength(2);
    calls[1].reply(200);
    expect((await held).status).toBe(200);
  });

  it('sends a request held by the first-contact ramp alone when its timeout comes, instead of failing it', async () => {
    const { api, calls } = manual();
    attach(api, fast);
    const requests = Array.from({ length: 6 }, (_, i) => api.get(`/r${i}`, { timeout: 100 }));
    await tick();
    expect(calls).toHaveLength(4);
    await tick(100);
    expect(calls).toHaveLength(6);
    calls.forEach((c) => c.reply(200));
    expect((await Promise.all(requests)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('says what held a request that timed out: the cooldown, not a "failing server"', async () => {
    const { api, calls } = await afterA429({ retries: 0 }, { 'retry-after': '30' });
    const held = rejection(api.get('/b', { timeout: 200 }));
    await tick(200);
    expect((await held).message).toBe('timeout of 200ms exceeded while cooling down https://api.exchange.test');
    expect(calls).toHaveLength(1);
  });
});

describe('stores that fail', () => {
  it('lets requests go, with nothing rejected unhandled, when the store throws as a paced request takes its token', async () => {
    const store = memoryStore();
    const broken: BackoffStore = {
      ...store,
      take: (key, bucket, n, spec, now) => {
        if (bucket === 'pace') throw new Error('store down');
        return store.take(key, bucket, n, spec, now);
      },
    };
    broken.setPace('https://api.exchange.test', { capacity: 1, periodMs: 1_000 });
    const { api, calls } = manual();
    attach(api, { ...fast, store: broken });
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const requests = [api.get('/a'), api.get('/b')];
      await tick();
      calls[0].reply(200);
      await tick();
      expect(calls).toHaveLength(2);
      calls[1].reply(200);
      expect((await Promise.all(requests)).map((r) => r.status)).toEqual([200, 200]);
      await tick();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('keeps what is in force when asked to forget a key: another instance sharing the store may rely on it', () => {
    const store = memoryStore();
    const now = Date.now();
    store.setPace('paced', { capacity: 5, periodMs: 1_000 });
    store.setCooldown('cooling', now + 60_000);
    store.setBreaker('down', { failures: 5, probing: true });
    store.setCooldown('idle', now - 1);
    for (const key of ['paced', 'cooling', 'down', 'idle']) store.forget?.(key, now);
    expect(store.pace('paced')).toEqual({ capacity: 5, periodMs: 1_000 });
    expect(store.cooldownUntil('cooling')).toBe(now + 60_000);
    expect(store.breaker('down').probing).toBe(true);
    expect(store.cooldownUntil('idle')).toBe(0);
  });
});

describe('a request with backoff: false', () => {
  it('is not retried, but waits out a cooldown and teaches one: sent into it, it could extend a ban', async () => {
    const { api, calls } = await afterA429({ retries: 0, pacing: false }, { 'retry-after': '2' });
    const unretried = rejection(api.get('/b', { backoff: false }));
    await tick(1_000);
    expect(calls).toHaveLength(1);
    await tick(1_010);
    expect(calls).toHaveLength(2);
    calls[1].reply(429, { 'retry-after': '3' });
    expect((await unretried).response?.status).toBe(429);
    const later = api.get('/c');
    await tick(2_990);
    expect(calls).toHaveLength(2);
    await tick(20);
    calls[2].reply(200);
    expect((await later).status).toBe(200);
  });
});

describe('an interceptor before attach that re-sends the request (auth refresh)', () => {
  it('does not multiply retries: the outer level lets the nested level\'s decision stand', async () => {
    const { api, calls } = manual();
    let refreshed = false;
    api.interceptors.response.use(undefined, (error) => {
      if (error.response?.status !== 401 || refreshed) return Promise.reject(error);
      refreshed = true;
      return api.request(error.config);
    });
    const onRetry = jest.fn();
    attach(api, { ...fast, retries: 2, pacing: false, probing: false, onRetry });
    const request = rejection(api.get('/a'));
    for (const status of [401, 503, 503, 503]) {
      await tick();
      calls[calls.length - 1].reply(status);
    }
    await tick(10);
    const error = await request;
    expect(calls).toHaveLength(4);
    expect(onRetry).toHaveBeenCalledTimes(2);
    expect(error.backoff).toMatchObject({ reason: 'retries-exhausted', outcome: 'unknown' });
  });
});

describe('a cooldown that grows while requests are held', () => {
  it('fails at once the held requests that may not wait that long, instead of holding them to its end', async () => {
    const { api, calls } = manual();
    const onGiveUp = jest.fn();
    attach(api, { ...fast, retries: 0, maxRetryAfter: 2_000, pacing: false, onGiveUp });
    const slow = rejection(api.get('/slow'));
    const short = rejection(api.get('/short'));
    await tick();
    calls[1].reply(429, { 'retry-after': '1' });
    await short;
    const held = rejection(api.get('/held'));
    await tick(100);
    calls[0].reply(429, { 'retry-after': '6' });
    await slow;
    await tick();
    const error = await held;
    expect(error.backoff).toMatchObject({ reason: 'retry-after-too-long', outcome: 'rate-limited' });
    expect(calls).toHaveLength(2);
    expect(onGiveUp).toHaveBeenCalledTimes(3);
  });
});

describe('requests that never answer (long polls)', () => {
  it('do not slow the first-contact ramp to a request a stall: the rounds grow while nothing is refused', async () => {
    const { api, calls } = manual();
    attach(api, fast);
    Array.from({ length: 8 }, (_, i) => void api.get(`/poll${i}`).catch(() => undefined));
    const quote = api.get('/quote');
    // Rounds of 1, 2, 4 stall in turn (250 ms each); the round of 8 takes the last poll and the quote.
    await tick(760);
    expect(calls.map((c) => c.config.url)).toContain('/quote');
    calls.find((c) => c.config.url === '/quote')?.reply(200);
    expect((await quote).status).toBe(200);
  });
});

describe('a classifier', () => {
  it('reads each response once, whatever the transport and the response side both need of it', async () => {
    const { api, calls } = manual();
    const classify = jest.fn(() => undefined);
    attach(api, { ...fast, classify });
    const request = api.get('/a');
    await tick();
    calls[0].reply(200, {}, '{"code":0}');
    await request;
    expect(classify).toHaveBeenCalledTimes(1);
  });

  it('sees status, headers and the parsed body on a copy of the response, as on the response', async () => {
    const { api, calls } = manual();
    const seen: unknown[] = [];
    attach(api, { ...fast, classify: (response) => void seen.push({ ...response }) });
    const request = api.get('/a');
    await tick();
    calls[0].reply(200, { 'x-test': '1' }, '{"retCode":0}');
    await request;
    expect(seen[0]).toMatchObject({ status: 200, headers: { 'x-test': '1' }, data: { retCode: 0 } });
  });
});
