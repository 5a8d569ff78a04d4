import type { AxiosRequestConfig } from 'axios';
import { isPlainObject, show } from '../describe';
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
}

export const COORDINATION_KEYS: ReadonlyArray<keyof CoordinationOptions> = [
  'key', 'cooldown', 'pacing', 'probing', 'budget', 'store',
];

export interface ResolvedBudget {
  readonly capacity: number;
  readonly retryCost: number;
  readonly timeoutCost: number;
}

export interface ResolvedCoordination {
  readonly key: (config: AxiosRequestConfig) => string;
  readonly lane: LaneSettings;
  readonly budget: ResolvedBudget | undefined;
  readonly store: BackoffStore;
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${show(value)}`);
  return value;
}

function positive(name: string, value: unknown, fallback: number, whole = false): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && value > 0 && (!whole || Number.isInteger(value));
  if (!ok) throw new RangeError(`${name} must be a ${whole ? 'whole number' : 'number'} > 0, got ${show(value)}`);
  return value as number;
}

function section<T extends object>(name: string, value: unknown, known: readonly (keyof T)[]): T | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === true) return {} as T;
  if (!isPlainObject(value)) throw new TypeError(`${name} must be true, false or an options object, got ${show(value)}`);
  const unknown = Object.keys(value).find((key) => !known.includes(key as keyof T));
  if (unknown !== undefined) {
    throw new TypeError(`${name} has an unknown option ${show(unknown)}; known: ${known.join(', ')}`);
  }
  return value as T;
}

function store(value: unknown): BackoffStore {
  if (value === undefined) return memoryStore();
  const methods = ['cooldownUntil', 'setCooldown', 'breaker', 'setBreaker', 'pace', 'setPace', 'take', 'give'];
  const missing = methods.filter((m) => typeof (value as Record<string, unknown>)?.[m] !== 'function');
  if (missing.length) throw new TypeError(`store must implement BackoffStore; missing ${missing.join(', ')}`);
  return value as BackoffStore;
}

const ABSOLUTE = /^([a-z][a-z\d+.-]*:)\/\/([^/?#]*)/i;

function parseOrigin(url: string): string | undefined {
  // A URL without "://" names no origin: no need to run the expression (this runs per request).
  if (url.indexOf('://') < 0) return undefined;
  const match = ABSOLUTE.exec(url);
  return match ? `${match[1]}//${match[2]}`.toLowerCase() : undefined;
}

let lastBase: string | undefined;
let lastBaseOrigin = 'relative';

/** protocol//host:port of where the request goes, without resolving anything. */
export function originOf(config: AxiosRequestConfig): string {
  const own = config.url ? parseOrigin(config.url) : undefined;
  if (own) return own;
  // Most requests of an instance share its baseURL: remember the last one's origin.
  const base = config.baseURL ?? '';
  if (base !== lastBase) {
    lastBase = base;
    lastBaseOrigin = parseOrigin(base) ?? 'relative';
  }
  return lastBaseOrigin;
}

/** Validates the coordination options once, at `attach`. */
export function resolveCoordination(options: CoordinationOptions): ResolvedCoordination {
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new TypeError(`key must be a function (config) => string, got ${show(options.key)}`);
  }
  const probing = section<ProbingOptions>('probing', options.probing, ['threshold', 'interval']);
  const budget = section<BudgetOptions>('budget', options.budget, ['capacity', 'retryCost', 'timeoutCost']);
  return {
    key: options.key ?? originOf,
    lane: {
      cooldown: bool('cooldown', options.cooldown, true),
      pacing: bool('pacing', options.pacing, true),
      probing: probing && {
        threshold: positive('probing.threshold', probing.threshold, 5, true),
        interval: positive('probing.interval', probing.interval, 250),
      },
      rampLimit: 64,
      forgetPaceAfter: 60_000,
    },
    budget: budget && {
      capacity: positive('budget.capacity', budget.capacity, 500),
      retryCost: positive('budget.retryCost', budget.retryCost, 5),
      timeoutCost: positive('budget.timeoutCost', budget.timeoutCost, 10),
    },
    store: store(options.store),
  };
}
