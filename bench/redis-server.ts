import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';

const BINARY = 'redis-server';

/** A redis-server child on 127.0.0.1, nothing persisted, for one bench invocation. */
export interface BenchRedis {
  readonly port: number;
  stop(): Promise<void>;
}

/** Why the multi-process scenario cannot run here, or undefined when it can. */
export function redisMissing(): string | undefined {
  if (spawnSync(BINARY, ['--version']).error) return `${BINARY} was not found on the PATH`;
  try {
    require.resolve('ioredis');
  } catch {
    return 'ioredis (a devDependency) is not installed';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

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
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()];
  const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = (): void => void (running(child) && child.kill('SIGKILL'));
  process.on('exit', killOnExit);
  const stop = async (): Promise<void> => {
    await end(child);
    process.off('exit', killOnExit);
  };
  for (let tries = 0; tries < 250; tries++) {
    if (!running(child)) break;
    if (await pong(port)) return { port, stop };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stop();
  throw new Error(`${BINARY} did not answer PING on port ${port}:\n${output}`);
}
