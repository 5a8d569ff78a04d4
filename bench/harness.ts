import { setMaxListeners } from 'node:events';
import { isAxiosError, isCancel, type AxiosInstance } from 'axios';
import type { BackoffOptions } from '../lib';
import { startExchange, type ExchangeSimOptions, type ExchangeSimStats } from '../examples/exchange-sim';
import { createClient, type ClientName } from './clients';

/** How one logical call ended, as its caller saw it. */
export interface CallRecord {
  readonly ok: boolean;
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
}

const now = (): number => performance.now();

function record(outcome: unknown, ok: boolean, settledAt: number): CallRecord {
  if (ok) return { ok, settledAt, status: 200 };
  if (isCancel(outcome)) return { ok, settledAt, code: 'ERR_CANCELED' };
  if (isAxiosError(outcome)) return { ok, settledAt, status: outcome.response?.status, code: outcome.code };
  return { ok, settledAt, code: 'NOT_AXIOS' };
}

/** Resolves true when every promise settled, false when the time limit came first. */
function settledWithin(promises: Promise<unknown>[], limitMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs);
  });
  const all = Promise.allSettled(promises).then(() => true);
  return Promise.race([all, limit]).finally(() => clearTimeout(timer));
}

/**
 * Fires `calls` concurrent calls from one client at a fresh simulator, so no
 * window, ban or learned pace leaks between clients or runs. Calls still
 * pending at the time limit are aborted and count as unsettled.
 */
export async function runOnFreshSim(client: ClientName, job: SimJob): Promise<SimRun> {
  const sim = await startExchange({ ...job.sim, now });
  const { api, detach } = createClient(client, { baseURL: sim.url }, job.ours);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // every call listens to the one signal
  const calls: Array<CallRecord | undefined> = new Array(job.calls).fill(undefined);
  try {
    sim.reset(); // windows and the outage start with the first call
    const origin = now();
    const pending = Array.from({ length: job.calls }, (_, i) =>
      job.send(api, i, controller.signal).then(
        () => void (calls[i] = record(undefined, true, now() - origin)),
        (err: unknown) => void (calls[i] = record(err, false, now() - origin)),
      ),
    );
    const finished = await settledWithin(pending, job.limitMs);
    if (!finished) controller.abort();
    const settled = calls.filter((c): c is CallRecord => c !== undefined);
    const wallMs = finished ? Math.max(0, ...settled.map((c) => c.settledAt)) : job.limitMs;
    return { calls: calls.slice(), stats: sim.stats(), arrivals: sim.arrivals(), timedOut: !finished, wallMs };
  } finally {
    controller.abort();
    detach();
    await sim.close();
  }
}
