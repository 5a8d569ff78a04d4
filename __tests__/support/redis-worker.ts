/**
 * A worker process for the Redis store's chaos tests: node -r ts-node/register/transpile-only
 * __tests__/support/redis-worker.ts <port> <prefix> <key>. It takes the outage probe's lease and
 * teaches the key a pace alone, says `ready`, and waits to be killed.
 */
import Redis from 'ioredis';
import { redisStore } from '../../lib/redis';

async function main(): Promise<void> {
  const [port, prefix, key] = process.argv.slice(2);
  const redis = new Redis(Number(port), '127.0.0.1');
  const store = redisStore(redis, { prefix, onStatus: () => undefined });
  await store.prepare(key);
  if ((await store.probeLease?.(key, 1_500)) !== true) throw new Error('the worker did not get the probe lease');
  store.setPace(key, { capacity: 4, periodMs: 1_000 }, { lessonAt: Date.now() });
  await store.take(key, 'pace', 1, { capacity: 4, refillPerMs: 0, periodMs: 1_000 }, Date.now());
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
