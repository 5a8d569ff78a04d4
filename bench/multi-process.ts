import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startExchange, type ExchangeSimStats } from '../examples/exchange-sim';
import type { CallOutcome, ChildReport, StartSignal } from './multi-process-child';
import { redisMissing, startRedis, type BenchRedis } from './redis-server';

export const PROCESSES = 4;
export const CALLS_EACH = 30;
export const MULTI_CALLS = PROCESSES * CALLS_EACH;
export const MULTI_LIMIT = 20;
export const MULTI_WINDOW_MS = 1000;
/** The last of ceil(calls / limit) windows opens this long after the first: no client can finish sooner. */
export const MULTI_MIN_MS = (Math.ceil(MULTI_CALLS / MULTI_LIMIT) - 1) * MULTI_WINDOW_MS;
/** From the common start: the children abort what is left and report; the parent kills them a little later. */
export const MULTI_LIMIT_MS = 60_000;
const KILL_AFTER_MS = MULTI_LIMIT_MS + 5000;
/** Starting node and ts-node in four processes at once is slow on a small machine. */
const READY_WITHIN_MS = 30_000;
/** Between the last child's `ready` and the start: time for the start signal to reach every child. */
const LEAD_MS = 250;

export const READY = 'ready';

/** Epoch ms with sub-ms resolution: the parent and every child read the same clock. */
export const epoch = (): number => performance.timeOrigin + performance.now();

export const STORES = ['Redis store', 'in-memory store'] as const;
export type StoreName = (typeof STORES)[number];

export interface MultiRun {
  /** One a process; undefined when it died or was killed before reporting. */
  readonly processes: ReadonlyArray<ChildReport | undefined>;
  /** Every call of every process; null when unsettled at the time limit. */
  readonly calls: ReadonlyArray<CallOutcome | null>;
  readonly stats: ExchangeSimStats;
  /** ms since the common start. */
  readonly arrivals: readonly number[];
  /** Some call was unsettled at the time limit, or a process died before it reported. */
  readonly timedOut: boolean;
  /** What went wrong in the children: a death (with its stderr), the time limit. */
  readonly problems: readonly string[];
  /** From the first call started to the last settled, across processes (the limit if some never did). */
  readonly wallMs: number;
}

export type MultiResult =
  | { readonly ran: true; readonly runs: Record<StoreName, MultiRun[]> }
  | { readonly ran: false; readonly reason: string };

const ROOT = join(__dirname, '..');
const CHILD = join(__dirname, 'multi-process-child.ts');

export interface Child {
  readonly ready: Promise<void>;
  /** The report, or what the child said on stderr when it ended without one. */
  readonly report: Promise<ChildReport | string>;
  readonly closed: Promise<void>;
  start(signal: StartSignal): void;
  kill(): void;
}

export function spawnChild(args: readonly string[]): Child {
  const proc: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
  const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  const lines = createInterface({ input: proc.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    lines.once('line', (line) => (line === READY ? resolve() : reject(new Error(`a child said ${line}`))));
    void closed.then(() => reject(new Error(`a child exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${stderr}`)));
  });
  const report = new Promise<ChildReport | string>((resolve) => {
    lines.on('line', (line) => {
      if (line !== READY) resolve(JSON.parse(line) as ChildReport);
    });
    void closed.then(() => resolve(`a process ended (${proc.exitCode ?? proc.signalCode}) without a report${stderr ? `:\n${stderr}` : ''}`));
  });
  proc.stdin?.on('error', () => undefined); // a child killed while we write to it
  return {
    ready,
    report,
    closed,
    start: (signal) => void proc.stdin?.write(`${JSON.stringify(signal)}\n`),
    kill: () => void (proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL')),
  };
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function measure(reports: ReadonlyArray<ChildReport | string>, stats: ExchangeSimStats, arrivals: number[]): MultiRun {
  const processes = reports.map((r) => (typeof r === 'string' ? undefined : r));
  const problems = reports.filter((r): r is string => typeof r === 'string');
  if (processes.some((p) => p?.timedOut)) problems.push(`a process hit the ${MULTI_LIMIT_MS / 1000} s limit`);
  const calls = processes.flatMap((p) => p?.calls ?? new Array<null>(CALLS_EACH).fill(null));
  const settled = calls.filter((c): c is CallOutcome => c !== null);
  const timedOut = problems.length > 0 || settled.length < calls.length;
  const first = Math.min(0, ...settled.map((c) => c.startedAt));
  const wallMs = timedOut ? MULTI_LIMIT_MS : Math.max(0, ...settled.map((c) => c.settledAt)) - first;
  return { processes, calls, stats, arrivals, timedOut, problems, wallMs };
}

/** One run: a fresh simulator, PROCESSES children, each firing CALLS_EACH GETs at one common start. */
async function runOnce(store: StoreName, redisPort: number, prefix: string): Promise<MultiRun> {
  // Until the start is known the clock is plain; then it never reads earlier than the start,
  // so a reset before the start puts the windows' origin exactly at it.
  let floor = 0;
  const sim = await startExchange({ limit: MULTI_LIMIT, windowMs: MULTI_WINDOW_MS, now: () => Math.max(epoch(), floor) });
  const storeArg = store === 'Redis store' ? String(redisPort) : 'memory';
  const children = Array.from({ length: PROCESSES }, () => spawnChild([sim.url, storeArg, String(CALLS_EACH), prefix]));
  const killAll = (): void => children.forEach((c) => c.kill());
  process.on('exit', killAll);
  let hardStop: ReturnType<typeof setTimeout> | undefined;
  try {
    await within(Promise.all(children.map((c) => c.ready)), READY_WITHIN_MS, 'starting the child processes');
    const startAt = epoch() + LEAD_MS;
    floor = startAt;
    sim.reset();
    for (const child of children) child.start({ startAt, limitMs: MULTI_LIMIT_MS });
    hardStop = setTimeout(killAll, startAt + KILL_AFTER_MS - epoch());
    const reports = await Promise.all(children.map((c) => c.report));
    return measure(reports, sim.stats(), sim.arrivals());
  } finally {
    clearTimeout(hardStop);
    killAll();
    await Promise.all(children.map((c) => c.closed));
    process.off('exit', killAll);
    await sim.close();
  }
}

/** `runs` runs of each store against one redis-server, stopped at the end whatever happens. */
export async function runMultiProcess(runs: number, progress: (text: string) => void): Promise<MultiResult> {
  const missing = redisMissing();
  if (missing) return { ran: false, reason: missing };
  // A signal skips 'exit' listeners, which stop redis-server and the children: exit properly instead.
  const interrupted = (signal: NodeJS.Signals): void => process.exit(signal === 'SIGINT' ? 130 : 143);
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  const result: Record<StoreName, MultiRun[]> = { 'Redis store': [], 'in-memory store': [] };
  const tag = `bench-${process.pid}-${Date.now().toString(36)}`;
  let redis: BenchRedis | undefined;
  try {
    redis = await startRedis();
    for (let run = 1; run <= runs; run++) {
      for (const store of STORES) {
        const started = performance.now();
        const outcome = await runOnce(store, redis.port, `${tag}-${run}`);
        result[store].push(outcome);
        progress(`run ${run} multi-process ${store}: ${Math.round(performance.now() - started)} ms`);
        for (const problem of outcome.problems) progress(`  ${problem}`);
      }
    }
  } finally {
    await redis?.stop();
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  }
  return { ran: true, runs: result };
}
