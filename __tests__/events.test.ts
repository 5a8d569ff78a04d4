import { attach, backoffAdapter, backoffSnapshot, constant, type BackoffEvent, type BackoffOptions } from '../lib';
import { debugFromEnvironment, fingerprint, formatEvent } from '../lib/coordination/events';
import { manual } from './support/manual';
import { rejection } from './support/mock';

// What the library tells about what it decides: onEvent, the DEBUG switch, and the per-server snapshot.

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') }));
afterEach(() => jest.useRealTimers());

const tick = (ms = 1) => jest.advanceTimersByTimeAsync(ms);
const fast: BackoffOptions = { strategy: constant(0) };
const ORIGIN = 'https://api.exchange.test';

describe('onEvent', () => {
  it('tells of a cooldown, the requests it held and released, the retry, and the budget a 503\'s retry drew on', async () => {
    const { api, calls } = manual();
    const events: BackoffEvent[] = [];
    attach(api, { ...fast, pacing: false, onEvent: (e) => void events.push(e) });
    const first = api.get('/a');
    await tick();
    calls[0].reply(429, { 'retry-after': '1' });
    await tick();
    const second = api.get('/b');
    await tick(1_000);
    calls.slice(1).forEach((c) => c.reply(200));
    await tick();
    await Promise.all([first, second]);
    // A rate limit waited out as told draws nothing from the budget; a 503's retry does.
    expect(events.filter((e) => e.type === 'budget')).toEqual([]);
    const third = api.get('/c');
    await tick();
    calls[calls.length - 1].reply(503);
    await tick();
    calls[calls.length - 1].reply(200);
    await third;
    const types = events.map((e) => e.type);
    expect(events).toContainEqual({ type: 'cooldown', key: ORIGIN, waitMs: 1_000, status: 429 });
    expect(events).toContainEqual({ type: 'retry', key: ORIGIN, attempt: 1, delay: 1_000, outcome: 'rate-limited', status: 429 });
    expect(events).toContainEqual({ type: 'budget', key: ORIGIN, cost: 5, ok: true });
    expect(events).toContainEqual(expect.objectContaining({ type: 'held', key: ORIGIN, reason: 'cooldown' }));
    expect(types).toContain('released');
    expect(types.indexOf('cooldown')).toBeLessThan(types.indexOf('released'));
  });

  it('tells of probing during an outage, its end, and a give-up', async () => {
    const { api, calls } = manual();
    const events: BackoffEvent[] = [];
    attach(api, { ...fast, retries: 0, probing: { threshold: 2, interval: 10 }, onEvent: (e) => void events.push(e) });
    for (const path of ['/a', '/b']) {
      const failed = rejection(api.get(path));
      await tick();
      calls[calls.length - 1].reply(503);
      await failed;
    }
    const probe = api.get('/c');
    await tick(20);
    calls[calls.length - 1].reply(200);
    await probe;
    expect(events).toContainEqual({ type: 'probing', key: ORIGIN, probing: true, failures: 2 });
    expect(events).toContainEqual({ type: 'probing', key: ORIGIN, probing: false, failures: 0 });
    expect(events).toContainEqual({ type: 'give-up', key: ORIGIN, reason: 'retries-exhausted', outcome: 'unknown', attempts: 1, status: 503 });
  });

  it('names a key the user chose (it may be an API key) by a fingerprint, and carries no header, query or body', async () => {
    const { api, calls } = manual();
    const events: BackoffEvent[] = [];
    attach(api, { ...fast, retries: 0, key: (config) => String(config.headers?.['X-MBX-APIKEY']), onEvent: (e) => void events.push(e) });
    const request = rejection(api.post('/api/v3/order?signature=deadbeef', { secret: 's3cret' }, {
      headers: { 'X-MBX-APIKEY': 'my-api-key', Authorization: 'Bearer token' },
    }));
    await tick();
    calls[0].reply(429, { 'retry-after': '1' });
    await request;
    const text = JSON.stringify(events);
    expect(events[0].key).toBe(fingerprint('my-api-key'));
    for (const secret of ['my-api-key', 'Bearer', 'deadbeef', 's3cret']) expect(text).not.toContain(secret);
  });

  it('changes nothing when the listener throws', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, onEvent: () => { throw new Error('metrics down'); } });
    const request = api.get('/a');
    await tick();
    calls[0].reply(503);
    await tick();
    calls[1].reply(200);
    expect((await request).status).toBe(200);
  });

  it('is checked at attach, and refused per request', async () => {
    const { api } = manual();
    expect(() => attach(api, { onEvent: 'log' as never })).toThrow('onEvent must be a function, got "log"');
    attach(api);
    // @ts-expect-error onEvent is shared by every request to a server
    await expect(api.get('/x', { backoff: { onEvent: () => undefined } })).rejects.toThrow(/config\.backoff\.onEvent.*set it on attach/);
  });
});

describe('DEBUG=axios-backoff', () => {
  it('prints every event as one line to stderr', async () => {
    const saved = process.env.DEBUG;
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      process.env.DEBUG = 'express,axios-backoff';
      const { api, calls } = manual();
      attach(api, { ...fast, retries: 0 });
      const request = rejection(api.get('/a'));
      await tick();
      calls[0].reply(429, { 'retry-after': '2' });
      await request;
      const lines = printed.mock.calls.map((c) => String(c[0]));
      expect(lines).toContain(`axios-backoff ${ORIGIN} cooldown waitMs=2000 status=429`);
      expect(lines).toContain(`axios-backoff ${ORIGIN} give-up reason=retries-exhausted outcome=rate-limited attempts=1 status=429`);
    } finally {
      printed.mockRestore();
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });

  it.each([
    ['axios-backoff', true], ['axios-backoff:*', true], ['*', true], ['express, axios-backoff', true],
    ['express', false], ['axios-backoffs', false], ['axios', false], ['', false],
  ])('reads DEBUG=%p as %p', (value, on) => {
    const saved = process.env.DEBUG;
    try {
      process.env.DEBUG = value;
      expect(debugFromEnvironment()).toBe(on);
    } finally {
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });

  it('formats an event as its key, its type and its facts', () => {
    expect(formatEvent({ type: 'held', key: 'k', reason: 'ramp', held: 3 })).toBe('axios-backoff k held reason=ramp held=3');
  });
});

describe('backoffSnapshot', () => {
  it('shows each server\'s cooldown, held and in-flight requests, for an instance and for an adapter', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 0, pacing: false });
    expect(backoffSnapshot(api)).toEqual([]);
    const first = rejection(api.get('/a'));
    await tick();
    calls[0].reply(429, { 'retry-after': '5' });
    await first;
    void api.get('/b').catch(() => undefined);
    await tick(1_000);
    expect(backoffSnapshot(api)).toEqual([
      {
        key: ORIGIN, coolingMs: 4_000, pace: undefined, probing: false, failures: 0, held: 1, inFlight: 0, ramping: false,
        paceTokens: undefined, budgetTokens: 500, quotas: [],
      },
    ]);
    expect(backoffSnapshot(backoffAdapter())).toEqual([]);
  });

  it('shows the tokens left of a learned pace and of the retry budget', async () => {
    const { api, calls } = manual();
    attach(api, { ...fast, retries: 1 });
    const requests = ['/a', '/b', '/c', '/d', '/e', '/f'].map((path) => api.get(path));
    await tick();
    // The ramp's first round: 4 admitted; then one more admitted and one refused until +1 s.
    calls.slice(0, 4).forEach((c) => c.reply(200));
    await tick();
    calls.slice(4).forEach((c, i) => c.reply(i === 0 ? 200 : 429, { 'retry-after': '1' }));
    await tick(1_001);
    const [origin] = backoffSnapshot(api);
    expect(origin.pace).toEqual({ capacity: 5, periodMs: expect.any(Number) });
    // The 429's retry waited as told: the budget is whole.
    expect(origin.budgetTokens).toBe(500);
    expect(origin.paceTokens).toBeLessThanOrEqual(5);
    // Let the rest go, each window in turn, and answer them.
    for (let i = 0; i < 3 && calls.length < 7; i++) await tick(1_100);
    calls.slice(6).forEach((c) => c.reply(200));
    expect((await Promise.all(requests)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});
