import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { launchRedis, REDIS_BINARY as BINARY, redisMajor, running } from '../../bench/redis-server';
import { freePort } from './server';

const MISSING = `${BINARY} was not found on the PATH. The Redis store's tests need a real server and never skip: `
  + 'install it (Debian or Ubuntu: apt-get install redis-server; macOS: brew install redis) and run them again.';

/** A redis-server child process on 127.0.0.1, nothing persisted. */
export interface RedisServer {
  readonly port: number;
  /** Starts it again on the same port, after `kill`. */
  start(): Promise<void>;
  /** SIGKILL: gone at once, as in a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function end(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || !running(child)) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** Starts redis-server on a free port, DEBUG allowed (off by default from Redis 7); throws, never skips, when it is not installed. */
export async function redisServer(): Promise<RedisServer> {
  if (spawnSync(BINARY, ['--version']).error) throw new Error(MISSING);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = await launchRedis(port, redisMajor() >= 7 ? ['--enable-debug-command', 'yes'] : []);
  };
  await start();
  return {
    port,
    start,
    kill: () => end(child, 'SIGKILL'),
    stop: () => end(child, 'SIGTERM'),
  };
}
