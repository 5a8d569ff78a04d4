import { setMaxListeners } from 'node:events';
import { isAxiosError, isCancel, type AxiosInstance } from 'axios';
import type { BackoffOptions } from '../lib';
import { startExchange, type ExchangeSimOptions, type ExchangeSimStats } from '../examples/exchange-sim';
import { createClient, type ClientName } from './clients';
import { arriveEvenly, type Pause } from './open-loop';

/** How one logical call ended, as its caller saw it. */
export interface CallRecord {
  readonly ok: boolean;
  /** ms since the simulator's clock origin: 0 for a burst, the arrival time in an open loop. */
  readonly startedAt: number;
  /** ms since the simulator's clock origin. */
  readonly settledAt: number;
  /** Status of the final response, when the call ended with one. */
  readonly status?: number;
  /** axios error code of a failure without a response. */
  readonly code?: string;
}

export interface SimRun {
  /** One a call; undefined when the call had not settled at the time limit. */
  readonly calls: ReadonlyArray<CallRecord | undefined>;
  readonly stats: ExchangeSimStats;
  readonly arrivals: readonly number[];
  /** Arrival times of the requests the server's limiter admitted. */
  readonly admitted: readonly number[];
  readonly timedOut: boolean;
  /** From the first call to the last one settled (the time limit if some never did). */
  readonly wallMs: number;
}

export type Send = (api: AxiosInstance, index: number, signal: AbortSignal) => Promise<unknown>;

export interface SimJob {
  readonly sim: ExchangeSimOptions;
  readonly calls: number;
  readonly send: Send;
  readonly ours: BackoffOptions;
  readonly limitMs: number;
  /** Open loop: the calls arrive evenly spaced at this many per second; absent, all start at once. */
  readonly ratePerS?: number;
  /**
   * Start at a multiple of this many ms of the wall clock, so that the simulator's windows (which
   * start with the first call) fall where a server counting fixed intervals since the epoch has
   * them, as Binance does, and where a client reading its headers expects them.
   */
  readonly epochWindowMs?: number;
}

const now = (): number => performance.now();

/** Resolves at the next multiple of `windowMs` of the wall clock. */
function untilEpochMultiple(windowMs: number): Promise<void> {
  const wait = windowMs - (Date.now() % windowMs);
  return new Promise((resolve) => setTimeout(resolve, wait));
}

const pause: Pause = (ms, signal) =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

function record(outcome: unknown, ok: boolean, startedAt: number, settledAt: number): CallRecord {
  const at = { ok, startedAt, settledAt };
  if (ok) return { ...at, status: 200 };
  if (isCancel(outcome)) return { ...at, code: 'ERR_CANCELED' };
  if (isAxiosError(outcome)) return { ...at, status: outcome.response?.status, code: outcome.code };
  return { ...at, code: 'NOT_AXIOS' };
}

/** Resolves true when `work` settled, false when the time limit came first. */
function settledWithin(work: Promise<unknown>, limitMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs);
  });
  return Promise.race([work.then(() => true), limit]).finally(() => clearTimeout(timer));
}

/** Starts every call of the job, at once or as an open-loop stream; settles when all have. */
async function launch(job: SimJob, call: (i: number) => Promise<void>, signal: AbortSignal): Promise<void> {
  const started =
    job.ratePerS === undefined
      ? Array.from({ length: job.calls }, (_, i) => call(i))
      : await arriveEvenly(job.calls, job.ratePerS, call, { now, pause }, signal);
  await Promise.allSettled(started);
}

/**
 * Fires the job's calls from one client at a fresh simulator, so no window, ban
 * or learned pace leaks between clients or runs. Calls still pending (or not yet
 * started) at the time limit are aborted and count as unsettled.
 */
export async function runOnFreshSim(client: ClientName, job: SimJob): Promise<SimRun> {
  const sim = await startExchange({ ...job.sim, now });
  const { api, detach } = createClient(client, { baseURL: sim.url }, job.ours);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // every call listens to the one signal
  const calls: Array<CallRecord | undefined> = new Array(job.calls).fill(undefined);
  try {
    if (job.epochWindowMs !== undefined) await untilEpochMultiple(job.epochWindowMs);
    sim.reset(); // windows and the outage start with the first call
    const origin = now();
    const call = (i: number): Promise<void> => {
      const startedAt = now() - origin;
      return job.send(api, i, controller.signal).then(
        () => void (calls[i] = record(undefined, true, startedAt, now() - origin)),
        (err: unknown) => void (calls[i] = record(err, false, startedAt, now() - origin)),
      );
    };
    const finished = await settledWithin(launch(job, call, controller.signal), job.limitMs);
    if (!finished) controller.abort();
    const settled = calls.filter((c): c is CallRecord => c !== undefined);
    const wallMs = finished ? Math.max(0, ...settled.map((c) => c.settledAt)) : job.limitMs;
    const seen = { stats: sim.stats(), arrivals: sim.arrivals(), admitted: sim.admissions() };
    return { calls: calls.slice(), ...seen, timedOut: !finished, wallMs };
  } finally {
    controller.abort();
    detach();
    await sim.close();
  }
}
