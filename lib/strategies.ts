import { sanitizeDelay, systemClock } from './clock';
import { show } from './describe';
import { fn, number, shape } from './validate';
import type { Jitter, Strategy, StrategyContext } from './types';

/** Options of {@link exponential}: the delay grows by `factor` per retry, up to `max`. */
export interface ExponentialOptions {
  /** Delay before the first retry, ms. Default 200. */
  initial?: number;
  /** Growth per retry. Default 2. */
  factor?: number;
  /** Cap, ms. Default 30 000. */
  max?: number;
  /** Default 'full'. */
  jitter?: Jitter;
  /** Chance in [0, 1), so tests can be deterministic. Default `Math.random`. */
  random?: () => number;
}

/** Options of {@link linear}: the delay grows by `step` per retry, up to `max`. */
export interface LinearOptions {
  /** Delay before the first retry, ms. Default 200. */
  initial?: number;
  /** Added per retry, ms. Default `initial`. */
  step?: number;
  /** Cap, ms. Default 30 000. */
  max?: number;
  /** Default 'none'. */
  jitter?: Jitter;
  /** Chance in [0, 1), so tests can be deterministic. Default `Math.random`. */
  random?: () => number;
}

/** Options of {@link decorrelatedJitter}: each delay drawn between `initial` and three times the previous, up to `max`. */
export interface DecorrelatedJitterOptions {
  /** Smallest delay, ms. Default 200. */
  initial?: number;
  /** Cap, ms. Default 30 000. */
  max?: number;
  /** Chance in [0, 1), so tests can be deterministic. Default `Math.random`. */
  random?: () => number;
}

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal'];
const DELAY = { min: 0, finite: true };

/** A factory's options: known keys only, each delay a finite number >= 0. */
function given<T extends object>(name: string, options: T, keys: readonly (keyof T & string)[]): T {
  return shape<T>(name, options, keys);
}

function delay(name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : number(name, value, DELAY);
}

function randomSource(name: string, value: unknown): () => number {
  return fn(`${name}.random`, value as (() => number) | undefined) ?? systemClock.random;
}

function jitterMode(name: string, value: unknown, fallback: Jitter): Jitter {
  if (value === undefined) return fallback;
  if (!JITTERS.includes(value as Jitter)) {
    throw new RangeError(`${name}.jitter must be one of 'none', 'full', 'equal', got ${show(value)}`);
  }
  return value as Jitter;
}

function capAbove(name: string, max: number, initial: number): void {
  if (max < initial) throw new RangeError(`${name}.max must be >= initial (${initial}), got ${max}`);
}

/** A random() outside [0, 1) must not push a delay outside its bounds. */
function unit(random: () => number): number {
  const r = random();
  return Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
}

function applyJitter(base: number, jitter: Jitter, random: () => number): number {
  if (jitter === 'full') return unit(random) * base;
  if (jitter === 'equal') return base / 2 + (unit(random) * base) / 2;
  return base;
}

/** attempt is 1-based; anything else is read as the first retry. */
function retryIndex(attempt: number): number {
  return Number.isFinite(attempt) && attempt >= 1 ? Math.floor(attempt) - 1 : 0;
}

/** initial * factor^(attempt-1), capped at max, then jittered (full by default). */
export function exponential(options: ExponentialOptions = {}): Strategy {
  given('exponential', options, ['initial', 'factor', 'max', 'jitter', 'random']);
  const initial = delay('exponential.initial', options.initial, 200);
  const factor = options.factor === undefined ? 2 : number('exponential.factor', options.factor, { min: 1, finite: true });
  const max = delay('exponential.max', options.max, 30_000);
  capAbove('exponential', max, initial);
  const jitter = jitterMode('exponential', options.jitter, 'full');
  const random = randomSource('exponential', options.random);
  return ({ attempt }) => {
    const base = Math.min(max, initial * factor ** retryIndex(attempt));
    return sanitizeDelay(applyJitter(base, jitter, random));
  };
}

/** initial + step*(attempt-1), capped at max, then jittered (none by default). */
export function linear(options: LinearOptions = {}): Strategy {
  given('linear', options, ['initial', 'step', 'max', 'jitter', 'random']);
  const initial = delay('linear.initial', options.initial, 200);
  const step = delay('linear.step', options.step, initial);
  const max = delay('linear.max', options.max, 30_000);
  capAbove('linear', max, initial);
  const jitter = jitterMode('linear', options.jitter, 'none');
  const random = randomSource('linear', options.random);
  return ({ attempt }) => {
    const base = Math.min(max, initial + step * retryIndex(attempt));
    return sanitizeDelay(applyJitter(base, jitter, random));
  };
}

/** The same delay before every retry. */
export function constant(ms: number): Strategy {
  const wait = sanitizeDelay(number('constant(ms)', ms, DELAY));
  return () => wait;
}

/**
 * AWS "Exponential Backoff and Jitter" (2015), decorrelated variant:
 * sleep = min(max, random_between(initial, previous * 3)).
 */
export function decorrelatedJitter(options: DecorrelatedJitterOptions = {}): Strategy {
  given('decorrelatedJitter', options, ['initial', 'max', 'random']);
  const initial = delay('decorrelatedJitter.initial', options.initial, 200);
  const max = delay('decorrelatedJitter.max', options.max, 30_000);
  capAbove('decorrelatedJitter', max, initial);
  const random = randomSource('decorrelatedJitter', options.random);
  return ({ previousDelay }) => {
    const previous = Number.isFinite(previousDelay) && previousDelay > initial ? previousDelay : initial;
    const upper = Math.min(max, previous * 3);
    return sanitizeDelay(Math.min(max, initial + unit(random) * (upper - initial)));
  };
}

/**
 * The wait before a retry: the strategy's delay, floored by the server's word, so a
 * custom strategy cannot undercut Retry-After. A strategy that throws or returns
 * garbage counts as 0.
 */
export function delayBefore(strategy: Strategy, ctx: StrategyContext, serverWait: number | undefined): number {
  let planned: number;
  try {
    planned = sanitizeDelay(strategy(ctx));
  } catch {
    planned = 0;
  }
  return Math.max(planned, sanitizeDelay(serverWait));
}
