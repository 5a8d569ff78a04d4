import axios, { isCancel, type AxiosResponse } from 'axios';
import { attach, constant, memoryStore, type BackoffEvent, type BackoffOptions, type BackoffStore } from '../lib';
import { manual } from './support/manual';
import { rejection } from './support/mock';

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T12:00:00Z') }));
afterEach(() => jest.useRealTimers());

/** Lets promise chains and 0 ms timers run. */
const tick = (ms = 1) => jest.advanceTimersByTimeAsync(ms);

const fast: BackoffOptions = { strategy: constant(0) };

/** An attached instance whose origin a first request's 429 has put in a cooldown of `seconds`. */
async function coolingDown(seconds: number) {
  const { api, calls } = manual();
  attach(api, { ...fast, retries: 0 });
  const first = rejection(api.get('/a'));
  await tick();
  calls[0].reply(429, { 'retry-after': String(seconds) });
  await first;
  return { api, calls };
}

function settled<T>(promise: Promise<T>) {
  const box: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(box, { done: true, value }),
    (error) => Object.assign(box, { done: true, error }),
  );
  return box;
}

describe('the fast path', () => {
  it('dispatches synchronously when nothing holds the origin back', () => {
    const { api, calls } = manual();
    attach(api);
    void api.get('/x');
    // axios only calls the adapter in the same tick when every request interceptor ran synchronously.
    expect(calls).toHaveLength(1);
  });

  it('holds a request asynchronously while its origin cools down', async () => {
    const { api, calls } = manual();
    attach(api, fast);
    const first = settled(api.get('/a'));
    await tick();
    calls[0].reply(429, { 'retry-after': '2' });
    await tick();
    void api.get('/b');
    expect(calls).toHaveLength(1);
    await tick(1998);
    expect(calls).toHaveLength(1);
    // Refused on first contact, nothing learned: the ramp starts again from one.
    await tick(2);
    expect(calls).toHaveLength(2);
    calls[1].reply(200);
    await tick(2);
    expect(calls.map((c) => c.config.url).sort()).toEqual(['/a', '/a', '/b']);
    expect(first.done).toBe(false);
  });
});

describe('cooldown', () => {
  it('is shared by every request to the origin, new ones and retries, and not by other origins', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, pacing: false });
    const requests = [api.get('/a'), api.get('/b')];
    await tick();
    calls[0].reply(200);
    await tick();
    expect(calls).toHaveLength(2);
    calls[1].reply(429, { 'retry-after': '3' });
    await tick();
    const other = api.get('https://other.exchange.test/x');
    const later = api.get('/c');
    await tick();
    expect(calls.map((c) => c.config.url)).toEqual(['/a', '/b', 'https://other.exchange.test/x']);
    calls[2].reply(200);
    await tick(2990);
    expect(calls).toHaveLength(3);
    await tick(20);
    expect(calls.slice(3).map((c) => c.config.url).sort()).toEqual(['/b', '/c']);
    calls.slice(3).forEach((c) => c.reply(200));
    await Promise.all([...requests, other, later]);
  });

  it('fails a request at once when the cooldown is longer than maxRetryAfter', async () => {
    const { api, calls } = manual();
    const onGiveUp = jest.fn();
    attach(api, { ...fast, maxRetryAfter: 10_000, onGiveUp });
    const first = rejection(api.get('/a'));
    await tick();
    calls[0].reply(418, { 'retry-after': '259200' });
    expect((await first).backoff?.reason).toBe('retry-after-too-long');
    const error = await rejection(api.get('/b'));
    expect(error.code).toBe('ERR_BACKOFF_HELD');
    expect(error.backoff).toMatchObject({ reason: 'retry-after-too-long', outcome: 'rate-limited' });
    expect(error.message).toMatch(/cooling down/);
    expect(calls).toHaveLength(1);
    expect(onGiveUp).toHaveBeenCalledTimes(2);
  });

  it('lets a held request time out with its own timeout, unsent', async () => {
    const { api, calls } = manual();
    attach(api, fast);
    void rejection(api.get('/a'));
    await tick();
    calls[0].reply(429, { 'retry-after': '30' });
    await tick();
    const held = rejection(api.get('/b', { timeout: 500 }));
    await tick(500);
    const error = await held;
    expect(error.code).toBe('ECONNABORTED');
    expect(error.backoff).toMatchObject({ reason: 'held-too-long', outcome: 'not-processed' });
    expect(calls.map((c) => c.config.url)).toEqual(['/a']);
  });

  it('lets a held request go when its signal aborts, with axios cancel error and no timer left', async () => {
    const { api, calls } = await coolingDown(30);
    const controller = new AbortController();
    const held = rejection(api.get('/b', { signal: controller.signal }));
    await tick();
    controller.abort();
    expect(isCancel(await held)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('releases a held request with a signal and a timeout, leaving no listener and no timer behind', async () => {
    const { api, calls } = await coolingDown(2);
    const listening = new Set<unknown>();
    const signal = {
      aborted: false,
      addEventListener: (_: 'abort', listener: () => void) => listening.add(listener),
      removeEventListener: (_: 'abort', listener: () => void) => listening.delete(listener),
    };
    const held = settled(api.get('/b', { signal, timeout: 60_000 }));
    await tick();
    expect(listening.size).toBe(1);
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    await tick(2_000);
    expect(calls.map((c) => c.config.url)).toEqual(['/a', '/b']);
    expect(listening.size).toBe(0);
    calls[1].reply(200);
    await tick();
    expect(held).toMatchObject({ done: true, value: { status: 200 } });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('fails a held request whose maxElapsed ends before the cooldown', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 0, maxElapsed: 5_000 });
    void rejection(api.get('/a'));
    await tick();
    calls[0].reply(429, { 'retry-after': '20' });
    await tick();
    const error = await rejection(api.get('/b'));
    expect(error.backoff?.reason).toBe('max-elapsed');
    expect(calls).toHaveLength(1);
  });
});

describe('first-contact ramp and paced release', () => {
  it('ramps up in rounds of 4, 8, 16 while every answer is a success', async () => {
    const { api, inFlight } = manual();
    attach(api, fast);
    const all = Array.from({ length: 30 }, (_, i) => api.get(`/r${i}`));
    const rounds: number[] = [];
    for (let i = 0; i < 4; i++) {
      await tick();
      rounds.push(inFlight().length);
      inFlight().forEach((c) => c.reply(200));
    }
    await Promise.all(all);
    expect(rounds).toEqual([4, 8, 16, 2]);
  });

  it('after a rate limit, releases held requests at the pace the origin admitted', async () => {
    const { api, calls, inFlight } = manual();
    attach(api, fast);
    const all = Array.from({ length: 24 }, (_, i) => api.get(`/p${i}`));
    // The round of 4 succeeds; in the round of 8, seven are refused until +1 s, and then one answers admitted.
    await tick();
    expect(inFlight()).toHaveLength(4);
    inFlight().forEach((c) => c.reply(200));
    await tick();
    const round = inFlight();
    expect(round).toHaveLength(8);
    round.slice(1).forEach((c) => c.reply(429, { 'retry-after': '1' }));
    round[0].reply(200);
    await tick(998);
    expect(inFlight()).toHaveLength(0);
    // 5 were admitted in about 1 s: 5 go when the cooldown ends, then nothing until the next window.
    await tick(2);
    expect(inFlight()).toHaveLength(5);
    inFlight().forEach((c) => c.reply(200));
    const afterFirstWindow = calls.length;
    // The window is a whole second and 2 % for a batch's spread, from the first release (the cooldown
    // ended within a tenth of a window of the server's): the next 5 go 1020 ms after it.
    await tick(1_010);
    expect(calls.length).toBe(afterFirstWindow);
    await tick(20);
    expect(inFlight()).toHaveLength(5);
    for (let i = 0; i < 10 && calls.length < 12 + 7 + 12; i++) {
      inFlight().forEach((c) => c.reply(200));
      await tick(1_030);
    }
    inFlight().forEach((c) => c.reply(200));
    await tick();
    const results = await Promise.all(all);
    expect(results.every((r: AxiosResponse) => r.status === 200)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('a 429 that says nothing of how long', () => {
  it('backs the whole origin off, 1 s then 2 s, and lets one probe go before the others', async () => {
    const { api, inFlight, calls } = manual();
    const events: BackoffEvent[] = [];
    attach(api, { ...fast, retries: 5, onEvent: (e) => void events.push(e) });
    const all = Array.from({ length: 12 }, (_, i) => api.get(`/h${i}`));
    await tick();
    expect(inFlight()).toHaveLength(4);
    inFlight().forEach((c) => c.reply(429));
    await tick(0);
    // Four refusals of requests already out: one backoff, not four.
    expect(events.filter((e) => e.type === 'cooldown')).toEqual([expect.objectContaining({ waitMs: 1_000, status: 429 })]);
    await tick(999);
    expect(inFlight()).toHaveLength(0);
    await tick(1);
    // One probe, whatever is queued.
    expect(inFlight()).toHaveLength(1);
    await tick(500);
    expect(inFlight()).toHaveLength(1);
    inFlight()[0].reply(429);
    await tick(1_999);
    expect(inFlight()).toHaveLength(0);
    await tick(1);
    expect(inFlight()).toHaveLength(1);
    inFlight()[0].reply(200);
    // The probe went through; nothing was ever admitted to cut a pace from: the others follow the ramp, from one.
    await tick();
    expect(inFlight()).toHaveLength(1);
    for (let i = 0; i < 40 && calls.length < 4 + 2 + 11; i++) {
      inFlight().forEach((c) => c.reply(200));
      await tick(100);
    }
    inFlight().forEach((c) => c.reply(200));
    await tick();
    expect((await Promise.all(all)).every((r: AxiosResponse) => r.status === 200)).toBe(true);
    expect(calls).toHaveLength(4 + 2 + 11);
  });

  it('does not wait forever for a probe that hangs: another goes after a second', async () => {
    const { api, inFlight, calls } = manual();
    attach(api, { ...fast, retries: 3 });
    const all = Array.from({ length: 6 }, (_, i) => settled(api.get(`/h${i}`)));
    await tick();
    inFlight().forEach((c) => c.reply(429));
    await tick(1_000);
    expect(inFlight()).toHaveLength(1);
    // The probe never answers.
    await tick(999);
    expect(inFlight()).toHaveLength(1);
    await tick(1);
    expect(inFlight()).toHaveLength(2);
    inFlight().forEach((c) => c.reply(200));
    for (let i = 0; i < 10 && all.some((r) => !r.done); i++) {
      await tick(10);
      inFlight().forEach((c) => c.reply(200));
    }
    expect(all.every((r) => r.value?.status === 200)).toBe(true);
    expect(calls.length).toBe(4 + 6);
  });

  it('holds nothing when cooldown is off', async () => {
    const { api, inFlight } = manual();
    attach(api, { ...fast, retries: 1, cooldown: false, pacing: false });
    const all = Array.from({ length: 3 }, (_, i) => api.get(`/h${i}`));
    await tick();
    inFlight().forEach((c) => c.reply(429));
    await tick();
    expect(inFlight()).toHaveLength(3);
    inFlight().forEach((c) => c.reply(200));
    expect((await Promise.all(all)).map((r: AxiosResponse) => r.status)).toEqual([200, 200, 200]);
  });
});

describe('outage probing', () => {
  it('sends one probe at a time after repeated failures, then releases the rest when a probe succeeds', async () => {
    const { api, calls, inFlight } = manual();
    attach(api, { ...fast, retries: 50, probing: { threshold: 3, interval: 200 } });
    const all = Array.from({ length: 20 }, (_, i) => api.get(`/o${i}`));
    // The first round of the ramp, 4, fails: 3 failures in a row start probing.
    await tick();
    expect(inFlight()).toHaveLength(4);
    inFlight().forEach((c) => c.reply(503));
    // Probing: a probe each 200 ms, one at a time, whatever is queued.
    for (let i = 0; i < 5; i++) {
      await tick(199);
      expect(inFlight()).toHaveLength(0);
      await tick(1);
      expect(inFlight()).toHaveLength(1);
      inFlight()[0].reply(503);
    }
    expect(calls).toHaveLength(9);
    await tick(200);
    inFlight()[0].reply(200);
    // The rest go out ramping up again (2, 4, 8 …), not all at once.
    const rounds: number[] = [];
    for (let i = 0; i < 10; i++) {
      await tick();
      if (inFlight().length === 0) break;
      rounds.push(inFlight().length);
      inFlight().forEach((c) => c.reply(200));
    }
    expect(rounds).toEqual([2, 4, 8, 5]);
    const results = await Promise.all(all);
    expect(results).toHaveLength(20);
    expect(calls.length).toBe(9 + 1 + 19);
  });

  it('can be turned off', async () => {
    const { api, inFlight } = manual();
    attach(api, { ...fast, retries: 0, probing: false, pacing: false });
    const all = Array.from({ length: 10 }, (_, i) => rejection(api.get(`/o${i}`)));
    await tick();
    expect(inFlight()).toHaveLength(10);
    inFlight().forEach((c) => c.reply(503));
    await Promise.all(all);
    void rejection(api.get('/again'));
    await tick();
    expect(inFlight()).toHaveLength(1);
  });
});

describe('retry budget', () => {
  it('throws failures at once when the origin has spent its retry tokens', async () => {
    const { api, inFlight } = manual();
    attach(api, { ...fast, retries: 10, probing: false, budget: { capacity: 10, retryCost: 5 } });
    const request = rejection(api.get('/x'));
    for (let i = 0; i < 3; i++) {
      await tick();
      inFlight()[0]?.reply(503);
    }
    const error = await request;
    expect(error.response?.status).toBe(503);
    expect(error.backoff).toMatchObject({ reason: 'budget-exhausted', attempts: 3 });
  });

  it('is not drawn on by rate limits: a client that waits as told never fails with budget-exhausted', async () => {
    const { api, inFlight } = manual();
    const events: BackoffEvent[] = [];
    attach(api, { ...fast, retries: 10, probing: false, pacing: false, budget: { capacity: 5, retryCost: 5 }, onEvent: (e) => events.push(e) });
    const request = settled(api.get('/x'));
    for (let i = 0; i < 6; i++) {
      await tick(1_000);
      inFlight()[0].reply(429, { 'retry-after': '1' });
    }
    await tick(1_000);
    inFlight()[0].reply(200);
    await tick();
    expect(request.value?.status).toBe(200);
    expect(events.filter((e) => e.type === 'budget')).toEqual([]);
    // The budget is whole: a 503 after all this may still be retried once.
    void settled(api.get('/y'));
    await tick();
    inFlight()[0].reply(503);
    await tick();
    expect(inFlight()).toHaveLength(1);
  });

  it('is given back only what a retry drew: a success after a waited 429 earns 1 token, not a retry\'s cost', async () => {
    const { api, inFlight } = manual();
    attach(api, { ...fast, retries: 3, probing: false, pacing: false, budget: { capacity: 10, retryCost: 5 } });
    const drain = rejection(api.get('/drain'));
    for (let i = 0; i < 3; i++) {
      await tick();
      inFlight()[0]?.reply(503);
    }
    expect((await drain).backoff?.reason).toBe('budget-exhausted');
    const limited = settled(api.get('/limited'));
    await tick();
    inFlight()[0].reply(429, { 'retry-after': '1' });
    await tick(1_000);
    inFlight()[0].reply(200);
    await tick();
    expect(limited.value?.status).toBe(200);
    // 0 tokens + 1: a 503 now finds too few tokens to retry.
    const after = rejection(api.get('/after'));
    await tick();
    inFlight()[0].reply(503);
    expect((await after).backoff?.reason).toBe('budget-exhausted');
  });

  it('is refilled by successes', async () => {
    const { api, inFlight } = manual();
    attach(api, { ...fast, retries: 1, probing: false, budget: { capacity: 5, retryCost: 5 } });
    const first = settled(api.get('/x'));
    await tick();
    inFlight()[0].reply(503);
    await tick();
    inFlight()[0].reply(200);
    await tick();
    expect(first.done).toBe(true);
    // The successful retry returned its 5 tokens: the next failure may retry again.
    const second = settled(api.get('/y'));
    await tick();
    inFlight()[0].reply(503);
    await tick();
    expect(inFlight()).toHaveLength(1);
    inFlight()[0].reply(200);
    await tick();
    expect(second.value?.status).toBe(200);
  });
});

describe('key', () => {
  it('groups by what the key function returns, e.g. an API key', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, key: (config) => String(config.headers?.['X-MBX-APIKEY'] ?? 'none') });
    const a = settled(api.get('/a', { headers: { 'X-MBX-APIKEY': 'alice' } }));
    await tick();
    calls[0].reply(429, { 'retry-after': '5' });
    await tick();
    void api.get('/b', { headers: { 'X-MBX-APIKEY': 'bob' } });
    void api.get('/c', { headers: { 'X-MBX-APIKEY': 'alice' } });
    await tick();
    expect(calls.map((c) => c.config.url)).toEqual(['/a', '/b']);
    expect(a.done).toBe(false);
  });
});

describe('options', () => {
  it.each([
    [{ probing: { threshold: 0 } }, /probing\.threshold.*0/],
    [{ budget: { capacity: -1 } }, /budget\.capacity.*-1/],
    [{ cooldown: 'yes' }, /cooldown must be true or false/],
    [{ key: 'origin' }, /key must be a function/],
    [{ store: {} }, /store must implement BackoffStore/],
    [{ probing: { threshhold: 3 } }, /probing has an unknown option "threshhold"/],
    [{ budget: { cost: 3 } }, /budget has an unknown option "cost"/],
    [new Map([['retries', 1]]), /options must be a plain options object/],
  ])('attach rejects %p', (options, message) => {
    expect(() => attach(axios.create(), options as BackoffOptions)).toThrow(message);
  });

  it('refuses coordination options per request, and on the hand-registered pair', async () => {
    const { api } = manual();
    attach(api);
    // @ts-expect-error the compiler refuses it too: budget is shared, not per request
    await expect(api.get('/x', { backoff: { budget: false } })).rejects.toThrow(/config\.backoff\.budget.*set it on attach/);
    const { backoff } = await import('../lib');
    // @ts-expect-error cooldown is shared: the hand-registered pair has no transport to hold requests at
    expect(() => backoff(api, { cooldown: false })).toThrow(/cooldown needs the request side that attach installs/);
  });
});

describe('stores that answer asynchronously', () => {
  /** The memory store, with take and prepare answering later, as a shared store does. */
  function slowStore(onPrepare: (store: BackoffStore) => void = () => undefined) {
    const inner = memoryStore();
    const takes: number[] = [];
    const store: BackoffStore = {
      ...inner,
      take: (...args) => {
        takes.push(args[2]);
        return Promise.resolve(inner.take(...args));
      },
      prepare: () => new Promise<void>((resolve) => setTimeout(() => (onPrepare(inner), resolve()), 5)),
    };
    return { store, takes };
  }

  it('takes one pace token per request, not two', async () => {
    const { store, takes } = slowStore();
    const { api, inFlight } = manual();
    attach(api, { ...fast, store });
    void api.get('/warm');
    await tick(10);
    inFlight()[0].reply(200);
    await tick();
    store.setPace('https://api.exchange.test', { capacity: 4, periodMs: 1_000 });
    void api.get('/a');
    await tick(10);
    expect(inFlight()).toHaveLength(1);
    expect(takes).toEqual([1]);
  });

  it('fails at once when the ban a store loads is longer than maxRetryAfter', async () => {
    const { store } = slowStore((s) => s.setCooldown('https://api.exchange.test', Date.now() + 60_000));
    const { api, calls } = manual();
    attach(api, { ...fast, maxRetryAfter: 1_000, store });
    const request = rejection(api.get('/a'));
    await tick(10);
    const error = await request;
    expect(error.backoff?.reason).toBe('retry-after-too-long');
    expect(calls).toHaveLength(0);
  });
});

describe('our own backoff is not the server\'s wait', () => {
  it('does not fail a request by maxRetryAfter for the backoff after 429s that named no wait', async () => {
    const { api, inFlight } = manual();
    attach(api, { ...fast, retries: 0, maxRetryAfter: 1_500 });
    const a = rejection(api.get('/a'));
    await tick();
    inFlight()[0].reply(429);
    await a;
    // Held 1 s, then the probe: refused again, the origin backs off 2 s, longer than maxRetryAfter.
    const b = rejection(api.get('/b'));
    await tick(1_000);
    inFlight()[0].reply(429);
    await b;
    const c = settled(api.get('/c'));
    await tick();
    expect(c.done).toBe(false);
    await tick(2_000);
    inFlight()[0].reply(200);
    await tick();
    expect(c.value?.status).toBe(200);
  });
});
