import { MAX_DELAY } from '../lib/clock';
import { constant, decorrelatedJitter, exponential, linear } from '../lib/strategies';
import type { Jitter, Strategy } from '../lib/types';

const ATTEMPTS = Array.from({ length: 40 }, (_, i) => i + 1);
const IN_RANGE = [0, 0.5, 0.999999];
const OUT_OF_RANGE = [-1, 2, NaN, Infinity, -Infinity];

const fixed = (r: number) => () => r;
const at = (strategy: Strategy, attempt: number, previousDelay = 0) => strategy({ attempt, previousDelay });
/** Hands a factory a value its types forbid, as untyped callers can. */
const unchecked = <T>(value: unknown) => value as T;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What each jitter mode makes of the capped base delay, for a random() in [0, 1). */
const JITTERED: Record<Jitter, (base: number, r: number) => number> = {
  none: (base) => base,
  full: (base, r) => r * base,
  equal: (base, r) => base / 2 + (r * base) / 2,
};

const BOUNDS: Record<Jitter, (base: number) => [number, number]> = {
  none: (base) => [base, base],
  full: (base) => [0, base],
  equal: (base) => [base / 2, base],
};

const FAMILIES = [
  {
    name: 'exponential',
    make: (jitter: Jitter, random: () => number) =>
      exponential({ initial: 100, factor: 2, max: 10_000, jitter, random }),
    base: (attempt: number) => Math.min(10_000, 100 * 2 ** (attempt - 1)),
  },
  {
    name: 'linear',
    make: (jitter: Jitter, random: () => number) =>
      linear({ initial: 100, step: 250, max: 5_000, jitter, random }),
    base: (attempt: number) => Math.min(5_000, 100 + 250 * (attempt - 1)),
  },
];

const JITTERS: Jitter[] = ['none', 'full', 'equal'];

describe.each(FAMILIES)('$name', ({ make, base }) => {
  describe.each(JITTERS)("jitter '%s'", (jitter) => {
    it.each(IN_RANGE)('gives the formula and stays in bounds with random() = %p, attempts 1..40', (r) => {
      const strategy = make(jitter, fixed(r));
      for (const attempt of ATTEMPTS) {
        const delay = at(strategy, attempt);
        const [low, high] = BOUNDS[jitter](base(attempt));
        expect(delay).toBeCloseTo(JITTERED[jitter](base(attempt), r), 6);
        expect(delay).toBeGreaterThanOrEqual(low);
        expect(delay).toBeLessThanOrEqual(high);
      }
    });

    it.each(OUT_OF_RANGE)('stays in bounds when random() returns %p', (r) => {
      const strategy = make(jitter, fixed(r));
      for (const attempt of ATTEMPTS) {
        const delay = at(strategy, attempt);
        const [low, high] = BOUNDS[jitter](base(attempt));
        expect(delay).toBeGreaterThanOrEqual(low);
        expect(delay).toBeLessThanOrEqual(high);
      }
    });
  });

  it("is non-decreasing with jitter 'none' and reaches its cap", () => {
    const strategy = make('none', fixed(0.5));
    const delays = ATTEMPTS.map((attempt) => at(strategy, attempt));
    delays.slice(1).forEach((delay, i) => expect(delay).toBeGreaterThanOrEqual(delays[i]));
    expect(delays[delays.length - 1]).toBe(base(40));
  });

  it.each([0, NaN, -3, 0.5, 1.5])('reads attempt %p as the first retry', (attempt) => {
    const strategy = make('none', fixed(0.5));
    expect(at(strategy, attempt)).toBe(base(1));
  });
});

describe('exponential', () => {
  it('defaults to initial 200, factor 2, max 30000 and full jitter', () => {
    const half = exponential({ random: fixed(0.5) });
    // full jitter with random() = 0.5 halves the base: 200, 400, 800 … capped at 30000
    expect([1, 2, 3, 8, 9, 40].map((n) => at(half, n))).toEqual([100, 200, 400, 12_800, 15_000, 15_000]);
    const zero = exponential({ random: fixed(0) });
    expect(ATTEMPTS.map((n) => at(zero, n))).toEqual(ATTEMPTS.map(() => 0));
  });

  it('caps at max before jitter, so a steep factor never overshoots', () => {
    const steep = exponential({ initial: 1_000, factor: 10, max: 7_500, jitter: 'none' });
    expect([1, 2, 3, 40].map((n) => at(steep, n))).toEqual([1_000, 7_500, 7_500, 7_500]);
  });

  it('with factor 1 is constant at initial', () => {
    const flat = exponential({ initial: 300, factor: 1, jitter: 'none' });
    expect(ATTEMPTS.map((n) => at(flat, n))).toEqual(ATTEMPTS.map(() => 300));
  });

  it('never returns more than 2^31-1 ms, whatever max says', () => {
    const huge = exponential({ initial: 1_000, max: 1e12, jitter: 'none' });
    expect(at(huge, 40)).toBe(MAX_DELAY);
    expect(at(huge, 5_000)).toBe(MAX_DELAY);
  });
});

describe('linear', () => {
  const noRandom = () => {
    throw new Error('linear without jitter must not draw a random number');
  };

  it("defaults to initial 200, step = initial, max 30000 and jitter 'none'", () => {
    const strategy = linear({ random: noRandom });
    expect([1, 2, 3, 150, 151].map((n) => at(strategy, n))).toEqual([200, 400, 600, 30_000, 30_000]);
  });

  it('takes its default step from a given initial', () => {
    const strategy = linear({ initial: 50, random: noRandom });
    expect([1, 2, 3, 4].map((n) => at(strategy, n))).toEqual([50, 100, 150, 200]);
  });

  it('with step 0 is constant at initial', () => {
    const strategy = linear({ initial: 700, step: 0 });
    expect(ATTEMPTS.map((n) => at(strategy, n))).toEqual(ATTEMPTS.map(() => 700));
  });
});

describe('constant', () => {
  it.each([0, 1, 1_500])('returns %p ms for every attempt and previous delay', (ms) => {
    const strategy = constant(ms);
    for (const attempt of [0, 1, 2, 40, NaN]) {
      expect(at(strategy, attempt, 12_345)).toBe(ms);
    }
  });

  it('never returns more than 2^31-1 ms', () => {
    expect(at(constant(1e12), 1)).toBe(MAX_DELAY);
  });
});

describe('decorrelatedJitter', () => {
  const initial = 100;
  const max = 5_000;
  const PREVIOUS = [0, 1, initial - 1, initial, 1_000, max, 1e12, Infinity, -5, NaN];

  it.each([...IN_RANGE, ...OUT_OF_RANGE])('stays within [initial, max] for any previousDelay, random() = %p', (r) => {
    const strategy = decorrelatedJitter({ initial, max, random: fixed(r) });
    for (const previousDelay of PREVIOUS) {
      const delay = at(strategy, 1, previousDelay);
      expect(delay).toBeGreaterThanOrEqual(initial);
      expect(delay).toBeLessThanOrEqual(max);
    }
  });

  it('draws between initial and three times the previous delay, capped at max', () => {
    const low = decorrelatedJitter({ initial, max, random: fixed(0) });
    const high = decorrelatedJitter({ initial, max, random: fixed(0.999999) });
    expect(at(low, 3, 1_000)).toBe(initial);
    expect(at(high, 3, 1_000)).toBeCloseTo(3_000, 0);
    expect(at(high, 3, 4_000)).toBeCloseTo(max, 0);
    // before the first retry previousDelay is 0: the draw is from [initial, 3 * initial]
    expect(at(high, 1, 0)).toBeCloseTo(3 * initial, 0);
  });

  it('stays within [initial, max] when fed its own delays for 40 retries', () => {
    let seed = 7;
    const lcg = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const strategy = decorrelatedJitter({ initial, max, random: lcg });
    let previousDelay = 0;
    for (const attempt of ATTEMPTS) {
      previousDelay = at(strategy, attempt, previousDelay);
      expect(previousDelay).toBeGreaterThanOrEqual(initial);
      expect(previousDelay).toBeLessThanOrEqual(max);
    }
  });

  it('defaults to initial 200 and max 30000', () => {
    expect(at(decorrelatedJitter({ random: fixed(0) }), 1, 0)).toBe(200);
    expect(at(decorrelatedJitter({ random: fixed(0.999999) }), 9, 1e9)).toBeCloseTo(30_000, 0);
  });
});

describe('invalid factory arguments', () => {
  type Row = [option: string, shown: string, error: typeof RangeError | typeof TypeError, make: () => unknown];
  const cases: Row[] = [
    ['exponential.initial', '-1', RangeError, () => exponential({ initial: -1 })],
    ['exponential.initial', 'NaN', RangeError, () => exponential({ initial: NaN })],
    ['exponential.initial', 'Infinity', RangeError, () => exponential({ initial: Infinity })],
    ['exponential.initial', '5', RangeError, () => exponential({ initial: unchecked('5') })],
    ['exponential.factor', '0.5', RangeError, () => exponential({ factor: 0.5 })],
    ['exponential.factor', '-2', RangeError, () => exponential({ factor: -2 })],
    ['exponential.factor', 'NaN', RangeError, () => exponential({ factor: NaN })],
    ['exponential.factor', 'Infinity', RangeError, () => exponential({ factor: Infinity })],
    ['exponential.max', '-1', RangeError, () => exponential({ max: -1 })],
    ['exponential.max', 'NaN', RangeError, () => exponential({ max: NaN })],
    ['exponential.max', '400', RangeError, () => exponential({ initial: 500, max: 400 })],
    ['exponential.max', '150', RangeError, () => exponential({ max: 150 })],
    ['exponential.jitter', 'wild', RangeError, () => exponential({ jitter: unchecked('wild') })],
    ['exponential.random', '42', TypeError, () => exponential({ random: unchecked(42) })],
    ['linear.initial', '-1', RangeError, () => linear({ initial: -1 })],
    ['linear.initial', 'NaN', RangeError, () => linear({ initial: NaN })],
    ['linear.initial', 'Infinity', RangeError, () => linear({ initial: Infinity })],
    ['linear.step', '-10', RangeError, () => linear({ step: -10 })],
    ['linear.step', 'NaN', RangeError, () => linear({ step: NaN })],
    ['linear.max', '-1', RangeError, () => linear({ max: -1 })],
    ['linear.max', '400', RangeError, () => linear({ initial: 500, max: 400 })],
    ['linear.jitter', 'partial', RangeError, () => linear({ jitter: unchecked('partial') })],
    ['linear.random', 'Math.random', TypeError, () => linear({ random: unchecked('Math.random') })],
    ['decorrelatedJitter.initial', '-1', RangeError, () => decorrelatedJitter({ initial: -1 })],
    ['decorrelatedJitter.initial', 'NaN', RangeError, () => decorrelatedJitter({ initial: NaN })],
    ['decorrelatedJitter.max', 'Infinity', RangeError, () => decorrelatedJitter({ max: Infinity })],
    ['decorrelatedJitter.max', '400', RangeError, () => decorrelatedJitter({ initial: 500, max: 400 })],
    ['decorrelatedJitter.random', '0.5', TypeError, () => decorrelatedJitter({ random: unchecked(0.5) })],
    ['constant', '-1', RangeError, () => constant(-1)],
    ['constant', 'NaN', RangeError, () => constant(NaN)],
    ['constant', 'Infinity', RangeError, () => constant(Infinity)],
    ['constant', '100', RangeError, () => constant(unchecked('100'))],
  ];

  it.each(cases)('%s = %s is refused with a message naming the option and the value', (option, shown, ErrorClass, make) => {
    expect(make).toThrow(ErrorClass);
    expect(make).toThrow(new RegExp(`${escape(option)}.*${escape(shown)}`));
  });
});

describe('factory options', () => {
  it.each([
    ['exponential', () => exponential({ inital: 100 } as never), /exponential has an unknown option "inital"/],
    ['linear', () => linear({ steps: 10 } as never), /linear has an unknown option "steps"/],
    ['decorrelatedJitter', () => decorrelatedJitter({ jitter: 'full' } as never), /decorrelatedJitter has an unknown option "jitter"/],
  ])('%s refuses a key it does not know, naming it', (_, make, message) => {
    expect(make).toThrow(message);
  });
});
