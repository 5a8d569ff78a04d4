import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { freePort } from './server';

const BINARY = 'redis-server';
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

function launch(port: number): { child: ChildProcess; output: () => string } {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()];
  const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

async function answering(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let tries = 0; tries < 250; tries++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${BINARY} exited before answering on port ${port}:\n${output()}`);
    }
    if (await pong(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${BINARY} did not answer PING on port ${port} within 5 s:\n${output()}`);
}

async function end(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** Starts redis-server on a free port; throws, never skips, when it is not installed. */
export async function redisServer(): Promise<RedisServer> {
  if (spawnSync(BINARY, ['--version']).error) throw new Error(MISSING);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const launched = launch(port);
    child = launched.child;
    await answering(port, launched.child, launched.output);
  };
  await start();
  return {
    port,
    start,
    kill: () => end(child, 'SIGKILL'),
    stop: () => end(child, 'SIGTERM'),
  };
}
