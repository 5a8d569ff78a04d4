import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { startExchange, type ExchangeSimOptions, type ExchangeSimStats } from '../examples/exchange-sim';
import { freePort } from '../examples/loopback';
import { delayProxy, type DelayProxy } from './delay-proxy';
import { epoch, spawnChild, within, type Child } from './multi-process';
import type { CallOutcome } from './multi-process-child';
import { launchRedis, redisMajor, redisMissing } from './redis-server';

/** The exchange of every fault run but the round-trip one: 20 a second, fixed 1 s windows, 429 with Retry-After, 418 bans. */
export const FAULT_LIMIT = 20;
const WINDOW_MS = 1000;
/** The calls of a burst run, split between its processes. */
const BURST_CALLS = 120;
export const BURST_MIN_MS = (Math.ceil(BURST_CALLS / FAULT_LIMIT) - 1) * WINDOW_MS;
/** A stream of 4 processes x 6 a second offers 24 a second against 20: a backlog grows all along. */
const STREAM = 'stream:6';
const READY_WITHIN_MS = 30_000;
const LEAD_MS = 250;
/** After the last call starts, the time the backlog has to drain before calls still pending count as failed. */
const DRAIN_MS = 30_000;

type Fault = { readonly atMs: number; readonly act: 'kill' | 'restart' | 'sleep' };

interface Worker {
  /** The child's plan: a number of calls at once, or `stream:<per second>:<for ms>:<after ms>`. */
  readonly plan: string;
  /** SIGKILL at this time since the start. */
  readonly killAtMs?: number;
}

export interface FaultScenario {
  readonly name: string;
  readonly about: string;
  readonly sim: Pick<ExchangeSimOptions, 'limit' | 'warmup'>;
  readonly workers: readonly Worker[];
  readonly faults?: readonly Fault[];
  /** A round trip to Redis of this many ms (a delaying proxy). */
  readonly rttMs?: number;
  /** When the fault is over (Redis back, a worker killed): recovery is measured from there. */
  readonly recoverFromMs?: number;
  /** The span throughput is measured over, ms since the start. */
  readonly throughputOver?: readonly [number, number];
}

export interface FaultRun {
  readonly stats: ExchangeSimStats;
  /** When the limiter admitted each request, ms since the start. */
  readonly admissions: readonly number[];
  readonly calls: ReadonlyArray<CallOutcome | null>;
  readonly wallMs: number;
  readonly problems: readonly string[];
}

const streamFor = (perSecond: string, forMs: number, afterMs = 0): string => `${perSecond}:${forMs}:${afterMs}`;
const fourStreaming = (forMs: number): Worker[] => Array.from({ length: 4 }, () => ({ plan: streamFor(STREAM, forMs) }));

export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  ...[2, 4, 8].map((n) => ({
    name: `burst-${n}`,
    about: `${n} processes fire ${BURST_CALLS / n} GETs each at one start, ${BURST_CALLS} in all.`,
    sim: { limit: FAULT_LIMIT },
    workers: Array.from({ length: n }, () => ({ plan: String(BURST_CALLS / n) })),
  })),
  {
    name: 'redis-killed',
    about: '4 processes stream 6 GETs a second each for 20 s; redis-server is killed (SIGKILL) at 6 s and started again, empty, at 9 s.',
    sim: { limit: FAULT_LIMIT },
    workers: fourStreaming(20_000),
    faults: [{ atMs: 6_000, act: 'kill' }, { atMs: 9_000, act: 'restart' }],
    recoverFromMs: 9_000,
  },
  {
    name: 'debug-sleep',
    about: '4 processes stream 6 GETs a second each for 20 s; Redis is blocked for 2 s at 6 s (`DEBUG SLEEP 2`; `CLIENT PAUSE 2000` before Redis 7).',
    sim: { limit: FAULT_LIMIT },
    workers: fourStreaming(20_000),
    faults: [{ atMs: 6_000, act: 'sleep' }],
  },
  {
    name: 'overload-40s',
    about: '4 processes stream 6 GETs a second each for 40 s, Redis healthy: 24 a second offered against 20.',
    sim: { limit: FAULT_LIMIT },
    workers: fourStreaming(40_000),
  },
  {
    name: 'worker-dies',
    about:
      'The limit is 4 a second for 4 s, then 20. One process streams 6 a second from the start and learns 4 (fewer than 4 admitted, ' +
      'with nothing known before, teach no pace); at 4 s it is killed and 3 others start streaming 8 a second each.',
    sim: { limit: FAULT_LIMIT, warmup: { untilMs: 4_000, limit: 4 } },
    workers: [{ plan: streamFor(STREAM, 20_000), killAtMs: 4_000 }, ...Array.from({ length: 3 }, () => ({ plan: streamFor('stream:8', 16_000, 4_000) }))],
    recoverFromMs: 4_000,
  },
  {
    name: 'rtt-50',
    about: 'One process streams 150 GETs a second for 10 s at a 100 a second limit, 50 ms from Redis (a delaying proxy).',
    sim: { limit: 100 },
    workers: [{ plan: streamFor('stream:150', 10_000) }],
    rttMs: 50,
    throughputOver: [2_000, 10_000],
  },
];

/** Redis for one run, with what the faults do to it. */
class FaultRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<FaultRedis> {
    const redis = new FaultRedis(await freePort());
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    // DEBUG is off by default from Redis 7 on.
    this.child = await launchRedis(this.port, redisMajor() >= 7 ? ['--enable-debug-command', 'yes'] : []);
  }

  async act(fault: Fault['act']): Promise<void> {
    if (fault === 'kill') this.child?.kill('SIGKILL');
    else if (fault === 'restart') await this.launch();
    else await this.block();
  }

  private async block(): Promise<void> {
    const admin = new Redis(this.port, '127.0.0.1', { lazyConnect: true });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      // Sent and not awaited: the server stays blocked for 2 s, the command answers after.
      if (redisMajor() >= 7) void admin.call('DEBUG', 'SLEEP', '2').catch(() => undefined);
      else await admin.call('CLIENT', 'PAUSE', '2000');
      await new Promise((resolve) => setTimeout(resolve, 2_100));
    } finally {
      admin.disconnect();
    }
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}

function lastStart(scenario: FaultScenario): number {
  let last = 0;
  for (const w of scenario.workers) {
    if (!w.plan.startsWith('stream:')) continue;
    const [, perSecond, forMs, afterMs] = w.plan.split(':').map(Number);
    last = Math.max(last, afterMs + forMs - 1000 / perSecond);
  }
  return last;
}

async function runOnce(scenario: FaultScenario, prefix: string): Promise<FaultRun> {
  let floor = 0;
  const sim = await startExchange({ windowMs: WINDOW_MS, ...scenario.sim, now: () => Math.max(epoch(), floor) });
  const redis = await FaultRedis.start();
  let proxy: DelayProxy | undefined;
  if (scenario.rttMs) proxy = await delayProxy(redis.port, scenario.rttMs / 2);
  const port = String(proxy?.port ?? redis.port);
  const children: Child[] = scenario.workers.map((w) => spawnChild([sim.url, port, w.plan, prefix]));
  const killAll = (): void => children.forEach((c) => c.kill());
  process.on('exit', killAll);
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const problems: string[] = [];
  try {
    await within(Promise.all(children.map((c) => c.ready)), READY_WITHIN_MS, 'starting the child processes');
    const startAt = epoch() + LEAD_MS;
    floor = startAt;
    sim.reset();
    const limitMs = lastStart(scenario) + DRAIN_MS;
    for (const child of children) child.start({ startAt, limitMs });
    for (const fault of scenario.faults ?? []) {
      timers.push(setTimeout(() => void redis.act(fault.act).catch((e: unknown) => problems.push(`${fault.act}: ${String(e)}`)), startAt + fault.atMs - epoch()));
    }
    scenario.workers.forEach((w, i) => {
      if (w.killAtMs !== undefined) timers.push(setTimeout(() => children[i].kill(), startAt + w.killAtMs - epoch()));
    });
    timers.push(setTimeout(killAll, startAt + limitMs + 5_000 - epoch()));
    const reports = await Promise.all(children.map((c) => c.report));
    const killed = new Set(scenario.workers.flatMap((w, i) => (w.killAtMs !== undefined ? [i] : [])));
    const calls: Array<CallOutcome | null> = [];
    reports.forEach((r, i) => {
      if (killed.has(i)) return; // its calls died with it, as the scenario means
      if (typeof r === 'string') problems.push(r);
      else {
        if (r.timedOut) problems.push(`a process hit the ${limitMs / 1000} s limit`);
        calls.push(...r.calls);
      }
    });
    const settled = calls.filter((c): c is CallOutcome => c !== null);
    const wallMs = settled.length === 0 ? 0 : Math.max(...settled.map((c) => c.settledAt)) - Math.min(0, ...settled.map((c) => c.startedAt));
    return { stats: sim.stats(), admissions: sim.admissions(), calls, wallMs, problems };
  } finally {
    timers.forEach(clearTimeout);
    killAll();
    await Promise.all(children.map((c) => c.closed));
    process.off('exit', killAll);
    await proxy?.close();
    redis.stop();
    await sim.close();
  }
}

/** `runs` runs of each fault scenario, each against a redis-server of its own. */
export async function runFaults(
  runs: number,
  progress: (text: string) => void,
  only: (name: string) => boolean = () => true,
): Promise<Map<string, FaultRun[]> | string> {
  const missing = redisMissing();
  if (missing) return missing;
  const results = new Map<string, FaultRun[]>();
  const tag = `faults-${process.pid}-${Date.now().toString(36)}`;
  for (let run = 1; run <= runs; run++) {
    for (const scenario of FAULT_SCENARIOS.filter((s) => only(s.name))) {
      const started = performance.now();
      const outcome = await runOnce(scenario, `${tag}-${run}-${scenario.name}`);
      results.set(scenario.name, [...(results.get(scenario.name) ?? []), outcome]);
      progress(`run ${run} fault ${scenario.name}: ${Math.round(performance.now() - started)} ms`);
      for (const problem of outcome.problems) progress(`  ${problem}`);
    }
  }
  return results;
}

/** ms from `from` until some second [t, t + 1 s) has admitted at least `share` of `limit`, counted to its end; Infinity if none did. */
export function recoveryMs(admissions: readonly number[], from: number, limit: number, share = 0.9): number {
  const sorted = [...admissions].sort((a, b) => a - b);
  const last = sorted[sorted.length - 1] ?? from;
  for (let t = from; t <= last; t += 50) {
    const inSecond = sorted.filter((a) => a >= t && a < t + 1000).length;
    if (inSecond >= share * limit) return t + 1000 - from;
  }
  return Infinity;
}

/** Admitted per second over [from, to) as a share of `limit`. */
export function throughput(admissions: readonly number[], [from, to]: readonly [number, number], limit: number): number {
  const n = admissions.filter((a) => a >= from && a < to).length;
  return n / ((to - from) / 1000) / limit;
}
