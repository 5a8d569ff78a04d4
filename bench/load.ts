// 10,000 concurrent GETs through attach against a loopback server that answers 429 with
// Retry-After: 1 to everything for its first 900 ms, then admits everything. Measures the heap
// each held request costs, the longest stall of the event loop while the cooldown lets them
// out, the time from release to all settled, and what is left after.
//
//   node --expose-gc -r ts-node/register/transpile-only bench/load.ts [--requests 30000]
import axios, { type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { once } from 'node:events';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { attach } from '../lib';

function requestsArg(argv: readonly string[]): number {
  const at = argv.indexOf('--requests');
  if (at < 0) return 10_000;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--requests must be a whole number >= 1, got ${argv[at + 1]}`);
  return n;
}

const REQUESTS = requestsArg(process.argv);
const STALL_TARGET_MS = 100;
const LIMITED_MS = 900;
const TARGET_BYTES = 2048;
const DRAIN_LIMIT_MS = 60_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the first lines of bench/load.ts)');

const now = (): number => performance.now();
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** heapUsed after full collections: what is still reachable. */
async function heapUsed(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Once armed, the next arrival starts a spell of 429s (Retry-After: 1); after it, 200 to everything. */
async function startServer() {
  const stats = { limited: 0, admitted: 0, limitedUntil: Infinity, firstAdmittedAt: 0 };
  let armed = false;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const at = now();
      if (armed && stats.limitedUntil === Infinity) stats.limitedUntil = at + LIMITED_MS;
      if (armed && at < stats.limitedUntil) {
        stats.limited++;
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        res.end('{"code":-1003,"msg":"Too many requests"}');
        return;
      }
      if (stats.admitted++ === 0) stats.firstAdmittedAt = at;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"price":"42000.00"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    arm: () => {
      armed = true;
      Object.assign(stats, { limited: 0, admitted: 0, limitedUntil: Infinity, firstAdmittedAt: 0 });
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * For reference: what axios alone holds for a request waiting where attach holds it, in an
 * asynchronous request interceptor, with a response interceptor pair installed as attach does.
 */
async function plainHoldBytes(): Promise<number> {
  const waiting: Array<() => void> = [];
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> =>
    ({ data: {}, status: 200, statusText: 'OK', headers: {}, config, request: {} });
  const api = axios.create({ baseURL: 'http://127.0.0.1:9', adapter });
  api.interceptors.request.use((config) => new Promise((resolve) => waiting.push(() => resolve(config))));
  api.interceptors.response.use((response) => response, (error: unknown) => Promise.reject(error));
  const before = await heapUsed();
  const pending = Array.from({ length: REQUESTS }, () => api.get('/api/v3/ticker').then(() => 1, () => 0));
  await pause(50);
  const during = await heapUsed();
  waiting.forEach((go) => go());
  await Promise.all(pending);
  return (during - before) / REQUESTS;
}

/** Resolves true when `promise` settles within `ms`, false otherwise; leaves no timer. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An instance with attach and nothing else: an interceptor of the harness's own would
 * add its step of axios' promise chain to every held request and be counted as ours.
 */
function client(url: string, agent: Agent) {
  const api = axios.create({ baseURL: url, httpAgent: agent });
  return { api, detach: attach(api) };
}

async function main(): Promise<void> {
  const server = await startServer();
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  // Warm up on another instance: code loaded and compiled, sockets open. The measured instance's
  // origin is then new to it, so its first-contact ramp sends one request and holds the rest.
  const warm = client(server.url, agent);
  await Promise.all(Array.from({ length: 500 }, () => warm.api.get('/api/v3/ticker')));
  warm.detach();
  const plain = await plainHoldBytes();
  const { api, detach } = client(server.url, agent);

  const before = await heapUsed();
  server.arm();
  let settled = 0;
  let failed = 0;
  let lastSettledAt = 0;
  const firedAt = now();
  const pending = Array.from({ length: REQUESTS }, () => api.get('/api/v3/ticker').then(
    () => {
      settled++;
      lastSettledAt = now();
    },
    () => {
      settled++;
      failed++;
      lastSettledAt = now();
    },
  ));

  // All held: the first 429 is in, every request has reached the gate, none but the first contact
  // (now in its own retry wait) let through, none settled. The cooldown keeps it so for a second.
  while (server.stats.limited === 0) await pause(5);
  await pause(100);
  const heldFrom = now() - firedAt;
  const arrivals = server.stats.limited + server.stats.admitted;
  // Any request let through would have reached the server by now.
  const held = REQUESTS - arrivals;
  // The first contact, and a few more: while the client is busy building its requests, the first
  // answers are read late, and the ramp stops waiting for them after 250 ms (a round of 1, 2, 4 …).
  if (arrivals > Math.max(2, REQUESTS / 2000) || settled !== 0) {
    throw new Error(`not all held: ${arrivals} arrivals, ${settled} settled, ${held} held`);
  }
  const during = await heapUsed();
  const heldTo = now() - firedAt;
  if (server.stats.admitted !== 0 || settled !== 0) throw new Error('the cooldown ended before the heap was measured');
  // From here to the last settle: the cooldown ends and every held request goes out.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  if (!(await within(Promise.all(pending), DRAIN_LIMIT_MS))) {
    throw new Error(`${REQUESTS - settled} requests still pending after ${DRAIN_LIMIT_MS} ms`);
  }
  loop.disable();
  // The event loop's longest delay past its 10 ms sampling tick: the longest piece of work that ran unbroken.
  const stall = Math.max(0, loop.max / 1e6 - 10);
  // The gate opens when the cooldown ends, as the first contact's retry is answered 200.
  const drain = lastSettledAt - server.stats.firstAdmittedAt;

  const timersLeft = process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
  detach();
  agent.destroy();
  await server.close();

  const perHeld = (during - before) / REQUESTS;
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB`;
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const rows: Array<[string, string]> = [
    ['requests', `${REQUESTS} GETs through attach, fired at once`],
    ['held when measured', `${held} queued at the gate + ${arrivals} in retry waits (${heldFrom.toFixed(0)}-${heldTo.toFixed(0)} ms after firing)`],
    ['heap before firing', mb(before)],
    ['heap with all held', mb(during)],
    ['heap per held request', `${(perHeld / 1024).toFixed(3)} KB (target < ${kb(TARGET_BYTES)}: ${perHeld < TARGET_BYTES ? 'met' : 'missed'})`],
    ['  axios alone, held in an interceptor', kb(plain)],
    ['  attach on top of it', kb(perHeld - plain)],
    ['first 200 at the server after firing', `${(server.stats.firstAdmittedAt - firedAt).toFixed(0)} ms`],
    ['drain: first 200 to all settled', `${drain.toFixed(0)} ms`],
    ['longest event-loop stall in release', `${stall.toFixed(0)} ms (target <= ${STALL_TARGET_MS} ms: ${stall <= STALL_TARGET_MS ? 'met' : 'missed'})`],
    ['settled', `${settled} of ${REQUESTS} (${settled - failed} ok, ${failed} failed)`],
    ['server answered', `${server.stats.limited} x 429, ${server.stats.admitted} x 200`],
    ['timers left once all settled', String(timersLeft)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n`);
  if (failed > 0 || timersLeft > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
