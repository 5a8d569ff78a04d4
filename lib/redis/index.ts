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
 */
export function redisStore(client: RedisClient, options: RedisStoreOptions = {}): RedisBackoffStore {
  const resolved = resolveRedisOptions(options);
  return new SharedStore(checkClient(client), resolved, systemClock);
}
