import { give, take, type BucketLevel, type BucketSpec } from './bucket';

/** The rate an origin has been admitting, learned from its successes and 429s. */
export interface PaceState {
  /** Requests released per window: what one window of the server admitted. */
  readonly capacity: number;
  /** The window's length, ms. */
  readonly periodMs: number;
}

/** Outage detection: consecutive unknown-outcome failures, and whether only probes go out. */
export interface BreakerState {
  readonly failures: number;
  readonly probing: boolean;
}

export type BucketName = 'pace' | 'budget';

export type TakeResult = { ok: true } | { ok: false; waitMs: number };

/**
 * What the requests to one origin share. Reads answer synchronously, since they
 * sit on every request's path: a store shared between processes answers them
 * from a local mirror it keeps current. Writes take effect locally at once.
 */
export interface BackoffStore {
  cooldownUntil(key: string): number;
  setCooldown(key: string, until: number): void;
  breaker(key: string): BreakerState;
  setBreaker(key: string, state: BreakerState): void;
  pace(key: string): PaceState | undefined;
  setPace(key: string, pace: PaceState | undefined): void;
  /** Atomically takes `n` tokens from a bucket, or says how long until it could. */
  take(key: string, bucket: BucketName, n: number, spec: BucketSpec, now: number): TakeResult | Promise<TakeResult>;
  /** Returns tokens to a bucket, up to its capacity. */
  give(key: string, bucket: BucketName, n: number, spec: BucketSpec, now: number): void;
  /**
   * Optional: called once when a key is first used. While the promise is pending,
   * requests to that key are held (a shared store loads the key's state, so that a
   * process starting during a ban does not send into it).
   */
  prepare?(key: string): Promise<void> | void;
}

const CLOSED: BreakerState = Object.freeze({ failures: 0, probing: false });

/** The store of one process: plain maps. */
export function memoryStore(): BackoffStore {
  const cooldowns = new Map<string, number>();
  const breakers = new Map<string, BreakerState>();
  const paces = new Map<string, PaceState>();
  const buckets = new Map<string, BucketLevel>();
  return {
    cooldownUntil: (key) => cooldowns.get(key) ?? 0,
    setCooldown: (key, until) => {
      if (until > (cooldowns.get(key) ?? 0)) cooldowns.set(key, until);
    },
    breaker: (key) => breakers.get(key) ?? CLOSED,
    setBreaker: (key, state) => {
      if (state.failures === 0 && !state.probing) breakers.delete(key);
      else breakers.set(key, state);
    },
    pace: (key) => paces.get(key),
    setPace: (key, pace) => {
      if (pace) paces.set(key, pace);
      else paces.delete(key);
      // A new lesson starts its windows afresh, at the first release after it.
      buckets.delete(`pace:${key}`);
    },
    take: (key, bucket, n, spec, now) => {
      const id = `${bucket}:${key}`;
      const result = take(buckets.get(id), spec, n, now);
      buckets.set(id, result.level);
      return result.ok ? { ok: true } : { ok: false, waitMs: result.waitMs };
    },
    give: (key, bucket, n, spec, now) => {
      const id = `${bucket}:${key}`;
      buckets.set(id, give(buckets.get(id), spec, n, now));
    },
  };
}
