/**
 * A store that shares backoff state between processes through Redis (ioredis 5).
 *
 * @module axios-backoff/redis
 */
import { systemClock } from '../clock';
import { checkClient, type RedisClient } from './client';
import { resolveRedisOptions, type RedisStoreOptions } from './options';
import { SharedStore, type RedisBackoffStore } from './store';

export type { RedisClient, RedisSubscriber } from './client';
export type { RedisStatusEvent, RedisStoreOptions } from './options';
export type { RedisBackoffStore } from './store';

/**
 * A store that shares cooldowns, pacing, outage state and the retry budget between
 * processes through Redis: `attach(api, { store: redisStore(new Redis(url)) })`.
 * The client is yours (ioredis 5); the store opens one more connection, a duplicate
 * that listens for other processes' writes, which `close()` ends.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { redisStore } from 'axios-backoff/redis';
 *
 * const store = redisStore(new Redis(process.env.REDIS_URL!), { prefix: 'bot' });
 * attach(api, { store });
 * // on shutdown
 * await store.close();
 * ```
 */
export function redisStore(client: RedisClient, options: RedisStoreOptions = {}): RedisBackoffStore {
  const resolved = resolveRedisOptions(options);
  return new SharedStore(checkClient(client), resolved, systemClock);
}
