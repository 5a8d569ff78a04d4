import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { freePort } from '../examples/loopback';

// Shared by the benchmark and the Redis store's tests.

export const REDIS_BINARY = 'redis-server';

/** A redis-server child on 127.0.0.1, nothing persisted, for one bench invocation. */
export interface BenchRedis {
  readonly port: number;
  stop(): Promise<void>;
}

/** Why the multi-process scenario cannot run here, or undefined when it can. */
export function redisMissing(): string | undefined {
  if (spawnSync(REDIS_BINARY, ['--version']).error) return `${REDIS_BINARY} was not found on the PATH`;
  try {
    require.resolve('ioredis');
  } catch {
    return 'ioredis (a devDependency) is not installed';
  }
  return undefined;
}

/** True once the port answers PING with PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Starts redis-server on `port` and resolves once it answers PING; rejects with its output if it does not. */
export async function launchRedis(port: number, extra: readonly string[] = []): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), ...extra];
  const child = spawn(REDIS_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  for (let tries = 0; tries < 250; tries++) {
    if (!running(child)) throw new Error(`${REDIS_BINARY} exited before answering on port ${port}:\n${output}`);
    if (await pong(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`${REDIS_BINARY} did not answer PING on port ${port} within 5 s:\n${output}`);
}

async function end(child: ChildProcess): Promise<void> {
  if (!running(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const stubborn = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(stubborn);
}

/** Starts redis-server on a free port; it is killed when this process exits, whatever the reason. */
export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child = await launchRedis(port);
  const killOnExit = (): void => void (running(child) && child.kill('SIGKILL'));
  process.on('exit', killOnExit);
  return {
    port,
    stop: async () => {
      await end(child);
      process.off('exit', killOnExit);
    },
  };
}

/** The installed redis-server's major version, or 0 when it cannot be told. */
export function redisMajor(): number {
  const out = spawnSync(REDIS_BINARY, ['--version']).stdout?.toString() ?? '';
  return Number(/v=(\d+)\./.exec(out)?.[1] ?? 0);
}
