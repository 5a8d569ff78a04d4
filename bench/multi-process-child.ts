/**
 * One process of the multi-process scenario, started by multi-process.ts:
 *   node -r ts-node/register/transpile-only bench/multi-process-child.ts <simUrl> <redisPort|memory> <plan> <prefix>
 * It sets up its own axios instance and store, says `ready` on stdout, reads a
 * StartSignal from stdin, fires its calls at startAt and prints one JSON report.
 * The plan is a number of calls fired at once, or `stream:<per second>:<for ms>:<after ms>`:
 * one call every 1000 / per second ms, from `after` ms past the start for `for` ms.
 * Times in the report are ms since startAt.
 */
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import axios, { isAxiosError, isCancel, type InternalAxiosRequestConfig } from 'axios';
import Redis from 'ioredis';
import { attach } from '../lib';
import { redisStore, type RedisBackoffStore } from '../lib/redis';
import { RETRIES } from './clients';
import { epoch, READY } from './multi-process';

/** How one logical call ended, as its caller saw it. */
export interface CallOutcome {
  readonly ok: boolean;
  readonly startedAt: number;
  readonly settledAt: number;
  readonly status?: number;
  readonly code?: string;
}

/** One attempt as it left this process and came back. */
export interface AttemptTrace {
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status?: number;
  readonly code?: string;
}

export interface ChildReport {
  /** One a call; null when it had not settled at the time limit. */
  readonly calls: ReadonlyArray<CallOutcome | null>;
  readonly attempts: readonly AttemptTrace[];
  readonly timedOut: boolean;
  /** The Redis store's status events (a fallback to memory would void the shared column). */
  readonly storeEvents: readonly string[];
}

export interface StartSignal {
  /** Epoch ms. */
  readonly startAt: number;
  /** ms after startAt: calls still pending then are aborted and the report is sent. */
  readonly limitMs: number;
}

function outcome(error: unknown): Pick<CallOutcome, 'status' | 'code'> {
  if (isCancel(error)) return { code: 'ERR_CANCELED' };
  if (isAxiosError(error)) return { status: error.response?.status, code: error.code };
  return { code: 'NOT_AXIOS' };
}

async function openStore(arg: string, prefix: string, events: string[]): Promise<{ store?: RedisBackoffStore; close: () => Promise<void> }> {
  if (arg === 'memory') return { close: async () => undefined };
  const redis = new Redis(Number(arg), '127.0.0.1');
  redis.on('error', (error: Error) => events.push(`client error: ${error.message}`));
  await redis.ping(); // a running bot's client is connected before its burst
  const store = redisStore(redis, { prefix, onStatus: (e) => events.push(`${e.status}${e.error ? `: ${String(e.error)}` : ''}`) });
  return {
    store,
    close: async () => {
      await store.close();
      redis.disconnect();
    },
  };
}

function startSignal(): Promise<StartSignal> {
  const lines = createInterface({ input: process.stdin });
  // The parent holds stdin open until this process is done: its end means the parent is gone.
  process.stdin.on('end', () => process.exit(2));
  return new Promise((resolve) => lines.once('line', (line) => resolve(JSON.parse(line) as StartSignal)));
}

/** When each call starts, in ms after the start. */
export function callTimes(plan: string): number[] {
  if (!plan.startsWith('stream:')) return new Array<number>(Number(plan)).fill(0);
  const [perSecond, forMs, afterMs] = plan.slice('stream:'.length).split(':').map(Number);
  const every = 1000 / perSecond;
  return Array.from({ length: Math.floor((forMs * perSecond) / 1000) }, (_, i) => afterMs + i * every);
}

const sleepUntil = (at: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - epoch())));

async function main(): Promise<void> {
  const [simUrl, storeArg, plan, prefix] = process.argv.slice(2);
  const times = callTimes(plan);
  const calls = times.length;
  const storeEvents: string[] = [];
  const { store, close } = await openStore(storeArg, prefix, storeEvents);
  const api = axios.create({ baseURL: simUrl });
  let startAt = 0;
  const attempts: AttemptTrace[] = [];
  const sentAt = new WeakMap<InternalAxiosRequestConfig, number>();
  // Registered before attach, so they see every attempt as it leaves (after any hold) and as it comes back.
  api.interceptors.request.use((config) => (sentAt.set(config, epoch() - startAt), config));
  const trace = (config: InternalAxiosRequestConfig | undefined, result: Pick<AttemptTrace, 'status' | 'code'>): void => {
    const sent = config ? sentAt.get(config) : undefined;
    if (sent !== undefined) attempts.push({ sentAt: sent, answeredAt: epoch() - startAt, ...result });
  };
  api.interceptors.response.use(
    (response) => (trace(response.config, { status: response.status }), response),
    (error: unknown) => {
      if (isAxiosError(error)) trace(error.config, outcome(error));
      throw error;
    },
  );
  const detach = attach(api, { retries: RETRIES, store });

  process.stdout.write(`${READY}\n`);
  const signal = await startSignal();
  startAt = signal.startAt;
  await sleepUntil(startAt);

  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const results: Array<CallOutcome | null> = new Array(calls).fill(null);
  const call = (i: number): Promise<void> => {
    const startedAt = epoch() - startAt;
    return api.get('/api/v3/ticker', { signal: controller.signal }).then(
      () => void (results[i] = { ok: true, startedAt, settledAt: epoch() - startAt, status: 200 }),
      (error: unknown) => void (results[i] = { ok: false, startedAt, settledAt: epoch() - startAt, ...outcome(error) }),
    );
  };
  const pending = times.map(async (at, i) => {
    if (at > 0) await sleepUntil(startAt + at);
    if (!controller.signal.aborted) await call(i);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), startAt + signal.limitMs - epoch())));
  const timedOut = await Promise.race([Promise.allSettled(pending).then(() => false), limit]);
  clearTimeout(timer);
  controller.abort();
  const report: ChildReport = { calls: results.slice(), attempts, timedOut, storeEvents };
  detach();
  await close();
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
