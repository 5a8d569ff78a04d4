import { isCancel, type AxiosError } from 'axios';
import { attach, constant, exponential, type BackoffOptions, type GiveUpContext, type RetryContext } from '../lib';
import { rejection, scripted, type Reply } from './support/mock';

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T12:00:00Z') }));
afterEach(() => jest.useRealTimers());

/** Lets the promise chain and any 0 ms wait run. */
async function drain(): Promise<void> {
  // Node runs a 0 ms timer after 1 ms.
  await jest.advanceTimersByTimeAsync(1);
}

function setup(script: Reply[], options: BackoffOptions) {
  const s = scripted(script);
  attach(s.api, options);
  return s;
}

describe('the server sets the floor of the wait', () => {
  it('waits out Retry-After in seconds even when the strategy says 0', async () => {
    const { api, seen } = setup([[429, {}, { 'Retry-After': '3' }], 200], { strategy: constant(0) });
    const request = api.get('/x');
    await drain();
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(2998);
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect((await request).status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(seen[1].backoffState?.delays).toEqual([3000]);
  });

  it('waits until an HTTP-date Retry-After', async () => {
    const at = new Date(Date.now() + 5000).toUTCString();
    const { api, seen } = setup([[503, {}, { 'retry-after': at }], 200], { strategy: constant(10) });
    const request = api.get('/x');
    await jest.advanceTimersByTimeAsync(4990);
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(10);
    await request;
    expect(seen).toHaveLength(2);
  });

  it('uses the strategy when it asks for longer than the server', async () => {
    const { api, seen } = setup([[429, {}, { 'Retry-After': '1' }], 200], { strategy: constant(2500) });
    const request = api.get('/x');
    await jest.advanceTimersByTimeAsync(2499);
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await request;
    expect(seen[1].backoffState?.delays).toEqual([2500]);
  });

  it.each(['0', 'Thu, 01 Jan 2026 00:00:00 GMT'])('reads Retry-After %p on a 503 as "retry now", not "give up"', async (value) => {
    const { api, seen } = setup([[503, {}, { 'Retry-After': value }], 200], { strategy: constant(0) });
    const request = api.get('/order');
    await jest.advanceTimersByTimeAsync(0);
    expect((await request).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it.each(['0', 'Thu, 01 Jan 2026 00:00:00 GMT'])('reads Retry-After %p on a 429 as "soon": retried once the origin backed off 1 s, as for a 429 with none', async (value) => {
    const { api, seen } = setup([[429, {}, { 'Retry-After': value }], 200], { strategy: constant(0) });
    const request = api.post('/order', { a: 1 });
    await jest.advanceTimersByTimeAsync(999);
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect((await request).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it.each(['soon', '-5', ''])('falls back to the strategy on Retry-After %p', async (value) => {
    const { api, seen } = setup([[503, {}, { 'Retry-After': value }], 200], { strategy: constant(700) });
    const request = api.get('/x');
    await jest.advanceTimersByTimeAsync(699);
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await request;
    expect(seen[1].backoffState?.delays).toEqual([700]);
  });

  it.each(['soon', '-5', ''])('holds a 429 with Retry-After %p as one with none: the strategy, and the origin backs off 1 s', async (value) => {
    const { api, seen } = setup([[429, {}, { 'Retry-After': value }], 200], { strategy: constant(700) });
    const request = api.get('/x');
    await jest.advanceTimersByTimeAsync(999);
    expect(seen).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    await request;
    expect(seen[1].backoffState?.delays).toEqual([700]);
  });
});

describe('waits that are not started', () => {
  it('fails at once when Retry-After exceeds maxRetryAfter', async () => {
    const { api, seen } = setup([[429, {}, { 'Retry-After': '259200' }], 200], { maxRetryAfter: 60_000 });
    const error = await rejection(api.get('/x'));
    expect(error.response?.status).toBe(429);
    expect(error.backoff?.reason).toBe('retry-after-too-long');
    expect(seen).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops before a wait that would end past maxElapsed', async () => {
    const strategy = exponential({ initial: 1000, jitter: 'none' });
    const { api, seen } = setup([503], { strategy, retries: 10, maxElapsed: 5000 });
    const request = rejection(api.get('/x'));
    await jest.advanceTimersByTimeAsync(1000 + 2000);
    const error = await request;
    // 1 s + 2 s fit; the next 4 s wait would end at 7 s, past the 5 s budget.
    expect(seen).toHaveLength(3);
    expect(error.backoff?.reason).toBe('max-elapsed');
    expect(error.config?.backoffState?.delays).toEqual([1000, 2000]);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('abort', () => {
  it('rejects at once with axios cancel error when the signal aborts mid-wait, leaving no timer', async () => {
    const onRetry = jest.fn();
    const onGiveUp = jest.fn();
    const { api, seen } = setup([[429, {}, { 'Retry-After': '30' }], 200], { onRetry, onGiveUp });
    const controller = new AbortController();
    const request = rejection(api.get('/x', { signal: controller.signal }));
    await drain();
    expect(jest.getTimerCount()).toBe(1);
    controller.abort();
    const error = await request;
    expect(isCancel(error)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(seen).toHaveLength(1);
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(onGiveUp).not.toHaveBeenCalled();
  });

  it('fires no hook when the signal aborts during an async onRetry', async () => {
    const controller = new AbortController();
    const onGiveUp = jest.fn();
    const { api, seen } = setup([503, 200], {
      strategy: constant(100),
      onRetry: () => controller.abort(),
      onGiveUp,
    });
    const error = await rejection(api.get('/x', { signal: controller.signal }));
    expect(isCancel(error)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(onGiveUp).not.toHaveBeenCalled();
  });
});

describe('hooks', () => {
  it('awaits an async onRetry before the wait, with attempt, delay and error', async () => {
    const calls: RetryContext[] = [];
    let release!: () => void;
    const { api, seen } = setup([[429, {}, { 'Retry-After': '1' }], 503, 200], {
      strategy: constant(0),
      onRetry: (ctx) => {
        calls.push(ctx);
        return ctx.attempt === 1 ? new Promise<void>((r) => (release = r)) : undefined;
      },
    });
    const request = api.get('/x');
    await jest.advanceTimersByTimeAsync(5000);
    expect(seen).toHaveLength(1);
    release();
    await jest.advanceTimersByTimeAsync(1000);
    // Node runs a 0 ms timer after 1 ms.
    await jest.advanceTimersByTimeAsync(1);
    expect((await request).status).toBe(200);
    expect(calls.map((c) => [c.attempt, c.delay, c.serverDelay, c.outcome, c.error?.response?.status])).toEqual([
      [1, 1000, 1000, 'rate-limited', 429],
      [2, 0, undefined, 'unknown', 503],
    ]);
  });

  it('calls onGiveUp once, with the reason, and keeps the error if it throws', async () => {
    const seenBy: GiveUpContext[] = [];
    const { api } = setup([503], {
      strategy: constant(0),
      retries: 2,
      onGiveUp: (ctx) => {
        seenBy.push(ctx);
        throw new Error('logger down');
      },
    });
    const request = rejection(api.get('/x'));
    await jest.advanceTimersByTimeAsync(10);
    const error = await request;
    expect(error.response?.status).toBe(503);
    expect(seenBy).toHaveLength(1);
    expect(seenBy[0]).toMatchObject({ attempt: 2, reason: 'retries-exhausted', outcome: 'unknown' });
    expect(seenBy[0].error).toBe(error);
  });

  it('keeps the original error when onRetry throws, and does not retry', async () => {
    const { api, seen } = setup([503, 200], { onRetry: () => Promise.reject(new Error('metrics down')) });
    const error = await rejection(api.get('/x'));
    expect(error.response?.status).toBe(503);
    expect(error.backoff?.reason).toBe('hook-failed');
    expect((error.backoff?.hookError as Error).message).toBe('metrics down');
    expect(seen).toHaveLength(1);
  });
});

describe('shouldRetry', () => {
  it('sees the default decision and can veto it', async () => {
    const shouldRetry = jest.fn(() => false);
    const { api, seen } = setup([503, 200], { strategy: constant(0), shouldRetry });
    const error = await rejection(api.get('/x'));
    expect(error.backoff?.reason).toBe('vetoed');
    expect(seen).toHaveLength(1);
    expect(shouldRetry).toHaveBeenCalledWith(error, expect.objectContaining({
      attempt: 1, outcome: 'unknown', method: 'get', decision: { kind: 'retry' },
    }));
  });

  it('can widen, asynchronously: a POST whose 503 the user knows to be safe', async () => {
    const { api, seen } = setup([503, 200], {
      strategy: constant(0),
      shouldRetry: async (error: AxiosError, ctx) => {
        expect(ctx.decision).toEqual({ kind: 'stop', reason: 'unsafe-method' });
        return error.config?.url === '/api/v3/order/test';
      },
    });
    const request = api.post('/api/v3/order/test', {});
    await drain();
    expect((await request).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('leaves the default when it returns undefined', async () => {
    const { api, seen } = setup([503, 200], { strategy: constant(0), shouldRetry: () => undefined });
    const request = api.get('/x');
    await drain();
    await request;
    expect(seen).toHaveLength(2);
  });

  it('does not retry, and keeps the original error, when it throws', async () => {
    const { api, seen } = setup([503, 200], {
      shouldRetry: () => {
        throw new Error('bug in predicate');
      },
    });
    const error = await rejection(api.get('/x'));
    expect(error.response?.status).toBe(503);
    expect(error.backoff?.reason).toBe('hook-failed');
    expect(seen).toHaveLength(1);
  });

  it('cannot go past retries', async () => {
    const shouldRetry = jest.fn(() => true);
    const { api, seen } = setup([503], { strategy: constant(0), retries: 1, shouldRetry });
    const request = rejection(api.get('/x'));
    await drain();
    expect((await request).backoff?.reason).toBe('retries-exhausted');
    expect(seen).toHaveLength(2);
    expect(shouldRetry).toHaveBeenCalledTimes(1);
  });
});

describe('strategy context', () => {
  it('passes attempt from 1 and the previous delay', async () => {
    const contexts: Array<[number, number]> = [];
    const { api } = setup([503, 503, 503, 200], {
      strategy: (ctx) => {
        contexts.push([ctx.attempt, ctx.previousDelay]);
        return ctx.attempt * 100;
      },
    });
    const request = api.get('/x');
    await jest.advanceTimersByTimeAsync(600);
    await request;
    expect(contexts).toEqual([[1, 0], [2, 100], [3, 200]]);
  });

  it.each([[NaN], [-50], [Infinity]])('sanitizes a strategy that returns %p', async (bad) => {
    const { api, seen } = setup([503, 200], { strategy: () => bad, maxElapsed: 10_000 });
    const request = api.get('/x').then(() => 'ok', (e: AxiosError) => e.backoff?.reason);
    await jest.advanceTimersByTimeAsync(0);
    // NaN and negatives become "now"; Infinity becomes the longest wait, which the budget refuses.
    expect(await request).toBe(bad === Infinity ? 'max-elapsed' : 'ok');
    expect(seen).toHaveLength(bad === Infinity ? 1 : 2);
  });
});
