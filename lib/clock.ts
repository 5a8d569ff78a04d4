/**
 * The one module that touches real time and chance; every other module
 * receives these as parameters, so tests can pass their own.
 */
export interface Clock {
  now(): number;
  random(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** setTimeout fires at once for delays above 2^31-1 ms. */
export const MAX_DELAY = 2 ** 31 - 1;

/** Whatever a strategy, header or hook produced: finite, >= 0, <= MAX_DELAY. */
export function sanitizeDelay(ms: unknown): number {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_DELAY);
}
