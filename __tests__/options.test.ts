import { optionsForRequest, resolveOptions } from '../lib/options';
import type { RetryOptions } from '../lib/types';

/** Hands resolveOptions a value its types forbid, as untyped callers can. */
const unchecked = (options: Record<string, unknown>) => options as RetryOptions;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const noop = () => undefined;
const fiveMs = () => 5;

describe('resolveOptions defaults', () => {
  it.each([
    ['no argument', undefined],
    ['an empty object', {}],
    ['every option undefined', {
      retries: undefined, strategy: undefined, statusCodes: undefined, methods: undefined,
      idempotencyHeader: undefined, shouldRetry: undefined, maxRetryAfter: undefined,
      maxElapsed: undefined, onRetry: undefined, onGiveUp: undefined,
    }],
  ])('fills every default from %s', (_name, options) => {
    const resolved = resolveOptions(options);
    expect(resolved.retries).toBe(3);
    expect(resolved.statusCodes).toEqual(new Set([408, 418, 425, 429, 500, 502, 503, 504]));
    expect(resolved.methods).toEqual(new Set(['get', 'head', 'options', 'put', 'delete']));
    expect(resolved.maxRetryAfter).toBe(60_000);
    expect(resolved.maxElapsed).toBe(Infinity);
    expect(resolved.idempotencyHeader).toBeUndefined();
    expect(resolved.shouldRetry).toBeUndefined();
    expect(resolved.onRetry).toBeUndefined();
    expect(resolved.onGiveUp).toBeUndefined();
    expect(typeof resolved.strategy).toBe('function');
  });

  it('defaults the strategy to exponential backoff, 200 ms doubling to 30 s, with full jitter', () => {
    const { strategy } = resolveOptions();
    const random = jest.spyOn(Math, 'random');
    try {
      random.mockReturnValue(0.5);
      expect([1, 2, 3, 40].map((attempt) => strategy({ attempt, previousDelay: 0 }))).toEqual([100, 200, 400, 15_000]);
      random.mockReturnValue(0);
      expect(strategy({ attempt: 3, previousDelay: 0 })).toBe(0);
    } finally {
      random.mockRestore();
    }
  });

  it('keeps the given values next to the defaults it fills', () => {
    const strategy = () => 5;
    const resolved = resolveOptions({ retries: 0, strategy, maxRetryAfter: 0 });
    expect(resolved.retries).toBe(0);
    expect(resolved.strategy).toBe(strategy);
    expect(resolved.maxRetryAfter).toBe(0);
    expect(resolved.statusCodes).toEqual(new Set([408, 418, 425, 429, 500, 502, 503, 504]));
  });

  it('lowercases methods and the idempotency header, and accepts empty lists', () => {
    const resolved = resolveOptions({
      methods: ['GET', 'Post'], idempotencyHeader: 'Idempotency-Key', statusCodes: [],
    });
    expect(resolved.methods).toEqual(new Set(['get', 'post']));
    expect(resolved.idempotencyHeader).toBe('idempotency-key');
    expect(resolved.statusCodes).toEqual(new Set());
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(resolveOptions({ retries: 2 }))).toBe(true);
  });
});

describe('resolveOptions validation', () => {
  type Row = [option: string, value: unknown, error: typeof RangeError | typeof TypeError, shown: string];
  const cases: Row[] = [
    ['retries', -1, RangeError, '-1'],
    ['retries', 1.5, RangeError, '1.5'],
    ['retries', NaN, RangeError, 'NaN'],
    ['retries', Infinity, RangeError, 'Infinity'],
    ['retries', '3', RangeError, '"3"'],
    ['strategy', 'x', TypeError, '"x"'],
    ['strategy', null, TypeError, 'null'],
    ['statusCodes', [700], TypeError, '[700]'],
    ['statusCodes', [99], TypeError, '[99]'],
    ['statusCodes', [429.5], TypeError, '[429.5]'],
    ['statusCodes', ['429'], TypeError, '["429"]'],
    ['statusCodes', 429, TypeError, '429'],
    ['methods', ['GET ', 5], TypeError, '["GET ", 5]'],
    ['methods', 'get', TypeError, '"get"'],
    ['maxRetryAfter', -1, RangeError, '-1'],
    ['maxRetryAfter', NaN, RangeError, 'NaN'],
    ['maxRetryAfter', '1000', RangeError, '"1000"'],
    ['maxElapsed', -5, RangeError, '-5'],
    ['maxElapsed', NaN, RangeError, 'NaN'],
    ['onRetry', 'log', TypeError, '"log"'],
    ['onGiveUp', 5, TypeError, '5'],
    ['shouldRetry', true, TypeError, 'true'],
    ['idempotencyHeader', 'bad header', TypeError, '"bad header"'],
    ['idempotencyHeader', '', TypeError, '""'],
    ['idempotencyHeader', 42, TypeError, '42'],
  ];

  it.each(cases)('refuses %s = %p with a message naming the option and the value', (option, value, ErrorClass, shown) => {
    const resolve = () => resolveOptions(unchecked({ [option]: value }));
    expect(resolve).toThrow(ErrorClass);
    expect(resolve).toThrow(new RegExp(`\\b${escape(option)}\\b.*${escape(shown)}`));
  });

  it('refuses an unknown option key, naming it', () => {
    const resolve = () => resolveOptions(unchecked({ retry: 3 }));
    expect(resolve).toThrow(TypeError);
    expect(resolve).toThrow(/unknown option "retry"/);
  });

  it.each([null, 3, 'retries', [1]])('refuses %p as the options object', (options) => {
    expect(() => resolveOptions(options as unknown as RetryOptions)).toThrow(TypeError);
  });
});

describe('resolveOptions never mutates its input', () => {
  const input = (): RetryOptions => ({
    retries: 2,
    strategy: fiveMs,
    statusCodes: [429, 503],
    methods: ['GET', 'Put'],
    idempotencyHeader: 'Idempotency-Key',
    shouldRetry: noop,
    maxRetryAfter: 5_000,
    maxElapsed: 20_000,
    onRetry: noop,
    onGiveUp: noop,
  });

  it('works on a deep-frozen object and leaves it as it was', () => {
    const options = deepFreeze(input());
    const before = input();
    expect(() => resolveOptions(options)).not.toThrow();
    expect(options).toEqual(before);
  });

  it('copies the arrays, so later changes to them do not reach the resolved options', () => {
    const options = input();
    const resolved = resolveOptions(options);
    (options.statusCodes as number[]).push(500);
    (options.methods as string[]).push('post');
    expect(resolved.statusCodes).toEqual(new Set([429, 503]));
    expect(resolved.methods).toEqual(new Set(['get', 'put']));
  });

  it('leaves a frozen base and override as they were when merging a request override', () => {
    const base = deepFreeze(input());
    const override = deepFreeze<RetryOptions>({ retries: 1, statusCodes: [429] });
    optionsForRequest(base, resolveOptions(base), override);
    expect(base).toEqual(input());
    expect(override).toEqual({ retries: 1, statusCodes: [429] });
  });
});

describe('optionsForRequest', () => {
  const base: RetryOptions = { retries: 5, statusCodes: [429, 503], maxRetryAfter: 1_000 };
  const resolvedBase = resolveOptions(base);

  it('turns retries off for config.backoff = false', () => {
    expect(optionsForRequest(base, resolvedBase, false)).toBeUndefined();
  });

  it.each([undefined, null])('hands back the same resolved object for config.backoff = %p', (override) => {
    expect(optionsForRequest(base, resolvedBase, override)).toBe(resolvedBase);
  });

  it("merges an override over the instance's options", () => {
    const resolved = optionsForRequest(base, resolvedBase, { retries: 1, methods: ['get'] });
    expect(resolved?.retries).toBe(1);
    expect(resolved?.methods).toEqual(new Set(['get']));
    expect(resolved?.statusCodes).toEqual(new Set([429, 503]));
    expect(resolved?.maxRetryAfter).toBe(1_000);
    expect(resolved?.maxElapsed).toBe(Infinity);
  });

  it("does not let an undefined override value erase the instance's value", () => {
    const resolved = optionsForRequest(base, resolvedBase, { retries: undefined, statusCodes: undefined });
    expect(resolved?.retries).toBe(5);
    expect(resolved?.statusCodes).toEqual(new Set([429, 503]));
  });

  it("does not change the instance's resolved options", () => {
    optionsForRequest(base, resolvedBase, { retries: 0 });
    expect(resolvedBase.retries).toBe(5);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown key', { retry: 1 }, /unknown option "retry"/],
    ['true', true, /true/],
    ['a string', 'off', /"off"/],
    ['an array', [1], /\[1\]/],
  ])('refuses %s with a message starting config.backoff', (_name, override, names) => {
    const merge = () => optionsForRequest(base, resolvedBase, override);
    expect(merge).toThrow(TypeError);
    expect(merge).toThrow(/^config\.backoff/);
    expect(merge).toThrow(names);
  });

  it.each<[string, unknown, typeof RangeError | typeof TypeError, string]>([
    ['retries', -1, RangeError, '-1'],
    ['retries', 1.5, RangeError, '1.5'],
    ['statusCodes', [700], TypeError, '[700]'],
    ['maxElapsed', -5, RangeError, '-5'],
    ['onRetry', 'log', TypeError, '"log"'],
  ])('refuses an override %s = %p with a message starting config.backoff', (option, value, ErrorClass, shown) => {
    const merge = () => optionsForRequest(base, resolvedBase, { [option]: value });
    expect(merge).toThrow(ErrorClass);
    expect(merge).toThrow(new RegExp(`^config\\.backoff\\b.*\\b${escape(option)}\\b.*${escape(shown)}`));
  });
});
