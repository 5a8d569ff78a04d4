import { MAX_DELAY, systemClock } from '../clock';
import { show } from '../describe';
import { fn, number, shape } from '../validate';

/** Said once when the store stops using Redis, and once when it uses it again. */
export type RedisStatusEvent =
  | {
      readonly status: 'fallback';
      /** What Redis failed with. */
      readonly error: unknown;
    }
  | {
      readonly status: 'recovered';
      /** Always undefined: nothing failed. */
      readonly error?: undefined;
    };

/** Options of `redisStore`, all optional. */
export interface RedisStoreOptions {
  /** Namespace of every key and of the channel. Default 'axios-backoff'. */
  prefix?: string;
  /** How long a Redis call may take before the store falls back to memory, ms. Default 250. */
  timeoutMs?: number;
  /** While in fallback, how often Redis is tried again (a PING on the next operation), ms. Default 5000. */
  retryEveryMs?: number;
  /** Told of a fallback and of a recovery. Default: console.warn. */
  onStatus?: (event: RedisStatusEvent) => void;
  /** This process' clock, for the local mirror only: times shared through Redis are relative. */
  now?: () => number;
}

export interface ResolvedRedisOptions {
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly retryEveryMs: number;
  readonly onStatus: (event: RedisStatusEvent) => void;
  readonly now: () => number;
}

const KNOWN = ['prefix', 'timeoutMs', 'retryEveryMs', 'onStatus', 'now'];

function ms(name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : number(name, value, { above: 0, max: MAX_DELAY, unit: 'ms' });
}

function warn(event: RedisStatusEvent): void {
  const message = event.status === 'fallback'
    ? `axios-backoff: Redis unavailable (${String(event.error)}); using in-memory state until it answers again`
    : 'axios-backoff: Redis answers again; shared state restored';
  console.warn(message);
}

/** Validates the store's options once, when the store is made. */
export function resolveRedisOptions(options: RedisStoreOptions): ResolvedRedisOptions {
  shape('redisStore', options, KNOWN);
  const prefix = options.prefix ?? 'axios-backoff';
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`prefix must be a non-empty string, got ${show(prefix)}`);
  return {
    prefix,
    timeoutMs: ms('timeoutMs', options.timeoutMs, 250),
    retryEveryMs: ms('retryEveryMs', options.retryEveryMs, 5000),
    onStatus: fn('onStatus', options.onStatus) ?? warn,
    now: fn('now', options.now) ?? systemClock.now,
  };
}
