import axios, { AxiosError, isAxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { attach, backoff, memoryStore, presets, type CoordinationOptions, type RetryOptions } from '../lib';

// The user's objects (instance options, per-request overrides, preset overrides, request
// configs and bodies) are read, never written. Each scenario runs twice: once on deep-frozen
// inputs (a write throws in strict mode, and would surface as a changed outcome), once on
// plain inputs compared with a deep snapshot taken before (a write that a catch swallowed).

// ---------------------------------------------------------------------------------------------
// Snapshots

function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return value;
  seen.add(value);
  for (const key of Reflect.ownKeys(value as object)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && 'value' in descriptor) deepFreeze(descriptor.value, seen);
  }
  return Object.freeze(value);
}

/** A structural copy: same prototypes, functions kept by identity, so toStrictEqual compares them by reference. */
function copy<T>(value: T, seen = new Map<unknown, unknown>()): T {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value) as T;
  const out = Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value));
  seen.set(value, out);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
    if ('value' in descriptor) descriptor.value = copy(descriptor.value, seen);
    Object.defineProperty(out, key, descriptor);
  }
  return out as T;
}

/** Every object and function reachable from `value`, in a fixed order: the same references must be there after. */
function references(value: unknown, out: unknown[] = [], seen = new Set<unknown>()): unknown[] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return out;
  seen.add(value);
  out.push(value);
  for (const key of Reflect.ownKeys(value as object)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && 'value' in descriptor) references(descriptor.value, out, seen);
  }
  return out;
}

interface Snapshot {
  expectUnchanged(): void;
}

function snapshot(value: unknown): Snapshot {
  const shape = copy(value);
  const refs = references(value);
  return {
    expectUnchanged() {
      expect(value).toStrictEqual(shape);
      const now = references(value);
      expect(now).toHaveLength(refs.length);
      now.forEach((ref, i) => expect(ref).toBe(refs[i]));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A server in an adapter: a script of replies per path, one a attempt (the last repeats)

type Reply = number | [number, unknown, Record<string, string>] | 'ECONNRESET';

function scriptedApi(scripts: Record<string, Reply[]>): { api: AxiosInstance; attempts: Record<string, number> } {
  const attempts: Record<string, number> = {};
  const api = axios.create({
    baseURL: 'https://api.exchange.test',
    adapter: async (config) => {
      const path = config.url ?? '';
      const script = scripts[path] ?? [404];
      attempts[path] = (attempts[path] ?? 0) + 1;
      const step = script[Math.min(attempts[path] - 1, script.length - 1)];
      if (step === 'ECONNRESET') throw new AxiosError('socket hang up', 'ECONNRESET', config);
      const [status, data, headers] = typeof step === 'number' ? [step, {}, {}] : step;
      const response: AxiosResponse = { status, statusText: String(status), data, headers, config, request: {} };
      if (status >= 200 && status < 300) return response;
      throw new AxiosError(`status ${status}`, 'ERR_BAD_RESPONSE', config, {}, response);
    },
  });
  return { api, attempts };
}

/** What a caller sees: the status, or the error's code and the library's facts. */
async function outcome(request: Promise<AxiosResponse>): Promise<unknown> {
  try {
    const response = await request;
    return { status: response.status, attempts: (response.config.backoffState?.attempt ?? 0) + 1 };
  } catch (error) {
    if (!isAxiosError(error)) throw error;
    return { status: error.response?.status, code: error.code, backoff: error.backoff && { ...error.backoff, hookError: undefined } };
  }
}

// ---------------------------------------------------------------------------------------------
// The inputs, built fresh for each run

const noWait = (): number => 0;

function inputs() {
  const calls: string[] = [];
  const instance: RetryOptions = {
    retries: 3,
    strategy: noWait,
    statusCodes: [408, 425, 429, 500, 502, 503, 504],
    methods: ['GET', 'put', 'delete'],
    idempotencyHeader: 'Idempotency-Key',
    shouldRetry: (_error, ctx) => (ctx.method === 'delete' ? false : undefined),
    maxRetryAfter: 5_000,
    maxElapsed: 60_000,
    onRetry: (ctx) => void calls.push(`retry ${ctx.attempt} ${ctx.outcome}`),
    onGiveUp: (ctx) => void calls.push(`give up ${ctx.reason}`),
    classify: (response) => ((response.data as { busy?: boolean } | undefined)?.busy ? { kind: 'transient' } : undefined),
    resign: (config) => ({ ...config, headers: { ...config.headers, 'X-Signature': `signed ${calls.length}` } }),
  };
  const shared: CoordinationOptions = {
    key: (config) => String(config.baseURL),
    cooldown: true,
    pacing: true,
    probing: { threshold: 50, interval: 10 },
    budget: { capacity: 1000, retryCost: 1, timeoutCost: 2 },
    store: memoryStore(),
  };
  const override: RetryOptions = { retries: 1, statusCodes: [503], methods: ['get'], strategy: noWait, onRetry: instance.onRetry };
  const presetOverrides: RetryOptions = {
    retries: 2, strategy: noWait, maxRetryAfter: 1_000, statusCodes: [429, 418, 503], onRetry: instance.onRetry, onGiveUp: instance.onGiveUp,
  };
  const order = { symbol: 'BTCUSDT', side: 'BUY', quantity: '0.01', tags: ['a', 'b'], meta: { source: 'bot', nested: [{ n: 1 }] } };
  const request: AxiosRequestConfig = {
    params: { symbol: 'BTCUSDT', limit: 5, ids: [1, 2] },
    headers: { 'X-Api-Key': 'key', 'Idempotency-Key': 'order-1' },
    timeout: 1_000,
  };
  return { calls, instance, shared, override, presetOverrides, order, request, perRequest: { ...request, backoff: override } };
}

type Inputs = ReturnType<typeof inputs>;

/** The same inputs, deep-frozen; only the hooks' own log stays writable. */
function frozenInputs(): Inputs {
  const { calls, ...read } = inputs();
  return { calls, ...deepFreeze(read) };
}

const RATE_LIMITED: Reply = [429, { code: -1003, msg: 'Too many requests' }, { 'Retry-After': '0' }];

/** attach with instance and shared options: GETs, POSTs and overrides through retries, give-ups and classify. */
async function throughAttach(input: Inputs): Promise<unknown[]> {
  const { api, attempts } = scriptedApi({
    '/retried': [503, [429, {}, { 'Retry-After': '0' }], 200],
    '/keyed-order': [500, 200],
    '/order': [RATE_LIMITED, 200],
    '/unsafe-order': ['ECONNRESET', 200],
    '/override': [503, 503, 200],
    '/off': [503, 200],
    '/final': [404],
    '/busy': [[200, { busy: true }, {}], 200],
    '/vetoed': [503, 200],
    '/burst/1': [503, 200],
    '/burst/2': [503, 200],
    '/burst/3': [503, 200],
  });
  const detach = attach(api, { ...input.instance, ...input.shared });
  const results = [
    await outcome(api.get('/retried', input.request)),
    await outcome(api.post('/keyed-order', input.order, input.request)),
    await outcome(api.post('/order', input.order)),
    await outcome(api.post('/unsafe-order', input.order)),
    await outcome(api.get('/override', input.perRequest)),
    await outcome(api.get('/off', { ...input.request, backoff: false })),
    await outcome(api.get('/final', input.request)),
    await outcome(api.put('/busy', input.order, input.perRequest)),
    await outcome(api.delete('/vetoed', input.request)),
    ...(await Promise.all([1, 2, 3].map((n) => outcome(api.get(`/burst/${n}`, input.perRequest))))),
  ];
  detach();
  return [results, attempts, input.calls];
}

/** The hand-registered pair, on the failed attempt's config. */
async function throughBackoffPair(input: Inputs): Promise<unknown[]> {
  const { api, attempts } = scriptedApi({ '/retried': [502, 200], '/order': [RATE_LIMITED, 200], '/override': [503, 503] });
  const id = api.interceptors.response.use(...backoff(api, input.instance));
  const results = [
    await outcome(api.get('/retried', input.request)),
    await outcome(api.post('/order', input.order, input.request)),
    await outcome(api.get('/override', input.perRequest)),
  ];
  api.interceptors.response.eject(id);
  return [results, attempts, input.calls];
}

/** A preset with the user's overrides, attached as returned. */
async function throughPreset(input: Inputs): Promise<unknown[]> {
  const { api, attempts } = scriptedApi({
    '/api/v3/order': [RATE_LIMITED, 200],
    '/api/v3/ticker': [[200, { code: -1003, msg: 'Too many requests' }, {}], 200],
    '/api/v3/depth': [[200, { code: -1021, msg: 'Timestamp outside recvWindow' }, {}], 200],
  });
  const options = input.presetOverrides;
  const binance = presets.binance(options);
  const detach = attach(api, binance);
  const results = [
    await outcome(api.post('/api/v3/order', input.order, input.request)),
    await outcome(api.get('/api/v3/ticker', input.request)),
    await outcome(api.get('/api/v3/depth', input.request)),
  ];
  detach();
  return [results, attempts, binance.classify === presets.binance().classify];
}

const SCENARIOS: Array<[string, (input: Inputs) => Promise<unknown[]>]> = [
  ['attach, with per-request overrides', throughAttach],
  ['the backoff pair, with per-request overrides', throughBackoffPair],
  ['a preset with overrides', throughPreset],
];

describe('the option merge never mutates what the user passed', () => {
  it.each(SCENARIOS)('%s: deep-frozen inputs give the same outcomes as plain ones', async (_name, scenario) => {
    const plain = await scenario(inputs());
    const frozen = await scenario(frozenInputs());
    expect(frozen).toEqual(plain);
  });

  it.each(SCENARIOS)('%s: every input is deep-equal to its snapshot, with the same references', async (_name, scenario) => {
    const input = inputs();
    const { calls, ...read } = input;
    const before = snapshot(read);
    await scenario(input);
    before.expectUnchanged();
    expect(calls.length).toBeGreaterThan(0);
  });

  it('the scenarios run what they claim: retries, give-ups, an override, classify, a preset', async () => {
    const [results, attempts, calls] = await throughAttach(inputs());
    expect(results).toEqual([
      { status: 200, attempts: 3 },
      { status: 200, attempts: 2 },
      { status: 200, attempts: 2 },
      { status: undefined, code: 'ECONNRESET', backoff: expect.objectContaining({ reason: 'unsafe-method' }) },
      { status: 503, code: 'ERR_BAD_RESPONSE', backoff: expect.objectContaining({ reason: 'retries-exhausted', attempts: 2 }) },
      { status: 503, code: 'ERR_BAD_RESPONSE', backoff: undefined },
      { status: 404, code: 'ERR_BAD_RESPONSE', backoff: expect.objectContaining({ reason: 'not-retryable' }) },
      { status: 200, attempts: 2 },
      { status: 503, code: 'ERR_BAD_RESPONSE', backoff: expect.objectContaining({ reason: 'vetoed' }) },
      { status: 200, attempts: 2 }, { status: 200, attempts: 2 }, { status: 200, attempts: 2 },
    ]);
    expect(attempts).toMatchObject({ '/retried': 3, '/override': 2, '/off': 1, '/busy': 2, '/vetoed': 1, '/burst/3': 2 });
    expect(calls).toEqual(expect.arrayContaining(['retry 1 unknown', 'retry 2 rate-limited', 'give up unsafe-method']));
    const [presetResults] = await throughPreset(inputs());
    expect(presetResults).toEqual([
      { status: 200, attempts: 2 },
      { status: 200, attempts: 2 },
      { status: 200, attempts: 1 },
    ]);
  });

  it('a preset returns a new object each call, so attaching one leaves the next as it was', () => {
    const overrides = deepFreeze<RetryOptions>({ retries: 2 });
    const first = presets.kraken(overrides);
    const second = presets.kraken(overrides);
    expect(first).not.toBe(second);
    expect(first).toStrictEqual(second);
    const before = snapshot(second);
    attach(axios.create(), deepFreeze(first))();
    before.expectUnchanged();
    expect(Object.isFrozen(presets)).toBe(true);
  });
});
