import type { AxiosRequestConfig } from 'axios';
import { show } from '../describe';
import type { RetryOptions } from '../types';
import { fn, number, shape } from '../validate';
import { debugFromEnvironment, emitter, type BackoffEvent, type Emit } from './events';
import type { LaneSettings } from './lane';
import { memoryStore, type BackoffStore } from './store';

/** Options of `probing`: when an outage is declared, and how often a probe goes out during it. */
export interface ProbingOptions {
  /** Consecutive unknown outcomes (5xx, resets, timeouts) that start probing. Default 5. */
  threshold?: number;
  /** Least gap between probes, ms. Default 250. */
  interval?: number;
}

/** Options of `budget`: a token bucket per origin that retries draw from and successes refill. */
export interface BudgetOptions {
  /** Tokens in the bucket. Default 500. */
  capacity?: number;
  /** Tokens a retry costs. Default 5. */
  retryCost?: number;
  /** Tokens a retry after a timeout costs. Default 10. */
  timeoutCost?: number;
}

/** Options of the requests-to-one-server coordination; `attach` only. */
export interface CoordinationOptions {
  /** Groups requests; default: the origin (protocol, host, port). */
  key?: (config: AxiosRequestConfig) => string;
  /** Hold every request to an origin while it is cooling down. Default true. */
  cooldown?: boolean;
  /** Ramp up on first contact, and release held requests at the rate the origin admits. Default true. */
  pacing?: boolean;
  /** One probe at a time during an outage. Default on. */
  probing?: boolean | ProbingOptions;
  /** A retry budget per origin, as the AWS SDK's standard mode. Default on. */
  budget?: boolean | BudgetOptions;
  /** Where the shared state lives. Default: this process' memory. */
  store?: BackoffStore;
  /**
   * Told everything the library decides: a request held (and why) or released, a cooldown set,
   * a pace learned or forgotten, probing started or ended, the retry budget drawn, a retry, a
   * give-up. `DEBUG=axios-backoff` in the environment prints the same to stderr.
   */
  onEvent?: (event: BackoffEvent) => void;
}

/** Options of `attach`: the retry options of every request, and the coordination of requests to one server. */
export interface BackoffOptions extends RetryOptions, CoordinationOptions {}

export interface ResolvedBudget {
  readonly capacity: number;
  readonly retryCost: number;
  readonly timeoutCost: number;
}

export interface ResolvedCoordination {
  /** Undefined: the origin, read by the gate. */
  readonly key: ((config: AxiosRequestConfig) => string) | undefined;
  readonly lane: LaneSettings;
  readonly budget: ResolvedBudget | undefined;
  readonly store: BackoffStore;
  /** Where events go; undefined when nobody listens. */
  readonly emit: Emit;
}

function bool(name: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${show(value)}`);
  return value;
}

/** `true` or absent: the defaults; `false`: off; an object: checked for unknown keys. */
function section<T extends object>(name: string, value: unknown, known: readonly (keyof T & string)[]): T | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === true) return {} as T;
  return shape<T>(name, value, known);
}

function positive(name: string, value: unknown, fallback: number, integer = false): number {
  return value === undefined ? fallback : number(name, value, { above: 0, integer, finite: true });
}

function store(value: unknown): BackoffStore {
  if (value === undefined) return memoryStore();
  const methods = ['cooldownUntil', 'setCooldown', 'breaker', 'setBreaker', 'pace', 'setPace', 'take', 'give'];
  const missing = methods.filter((m) => typeof (value as Record<string, unknown>)?.[m] !== 'function');
  if (missing.length) throw new TypeError(`store must implement BackoffStore; missing ${missing.join(', ')}`);
  return value as BackoffStore;
}

/** Validates the coordination options once, at `attach`; `maxRetryAfter` is attach's own, resolved. */
export function resolveCoordination(options: CoordinationOptions, maxRetryAfter: number): ResolvedCoordination {
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new TypeError(`key must be a function (config) => string, got ${show(options.key)}`);
  }
  const onEvent = fn('onEvent', options.onEvent);
  const probing = section<ProbingOptions>('probing', options.probing, ['threshold', 'interval']);
  const budget = section<BudgetOptions>('budget', options.budget, ['capacity', 'retryCost', 'timeoutCost']);
  return {
    key: options.key,
    lane: {
      cooldown: bool('cooldown', options.cooldown),
      pacing: bool('pacing', options.pacing),
      probing: probing && {
        threshold: positive('probing.threshold', probing.threshold, 5, true),
        interval: positive('probing.interval', probing.interval, 250),
      },
      insaneWaitCap: maxRetryAfter,
    },
    budget: budget && {
      capacity: positive('budget.capacity', budget.capacity, 500),
      retryCost: positive('budget.retryCost', budget.retryCost, 5),
      timeoutCost: positive('budget.timeoutCost', budget.timeoutCost, 10),
    },
    store: store(options.store),
    emit: emitter(onEvent, debugFromEnvironment()),
  };
}
