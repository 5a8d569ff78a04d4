import type { BackoffOptions } from '../lib';
import { RETRIES } from './clients';
import type { SimRun } from './harness';
import { okLatency, throughputPerLimit } from './open-loop';
import { atLeast, msEach, NO_TARGET, ratio, type Row } from './rows';
import { getTicker, lastWindowOpensMs, outcomesRow, RUN_LIMIT_MS, wallRow, type NetScenario } from './scenario-kit';

// Sustained load: open-loop streams above the limit, and a crowd far larger than one window.

const LIMIT = 20;
const WINDOW_MS = 1000;
const LIMIT_PER_S = (LIMIT * 1000) / WINDOW_MS;
const STREAM_MS = 10_000;
const MIN_THROUGHPUT = 0.95;

const throughputRow: Row<SimRun> = {
  measure: 'admitted per s / limit',
  target: `≥ ${MIN_THROUGHPUT}`,
  values: (r) => [throughputPerLimit(r, LIMIT_PER_S)],
  format: ratio,
  meets: atLeast(MIN_THROUGHPUT),
};

function latencyRow(p50Ms?: number, p99Ms?: number): Row<SimRun> {
  const judged = p50Ms !== undefined && p99Ms !== undefined;
  return {
    measure: 'latency of successes p50 / p99 (ms)',
    target: judged ? `≤ ${p50Ms} / ≤ ${p99Ms}` : NO_TARGET,
    values: (r) => [okLatency(r, 0.5), okLatency(r, 0.99)],
    format: msEach,
    meets: judged ? ([p50, p99]) => p50 <= p50Ms && p99 <= p99Ms : undefined,
  };
}

const streamAbout = (load: number, calls: number, ours: string): string =>
  `Open loop at ${load}× the limit: ${calls} GETs arrive evenly spaced at ${load * LIMIT_PER_S} per second for ` +
  `${STREAM_MS / 1000} s, each started on time whatever the earlier ones are doing (independent users, a timer-driven ` +
  `bot), against the burst scenario's server (${LIMIT} per fixed ${WINDOW_MS} ms window, 429 with Retry-After, 418 ` +
  'bans). "Admitted per s / limit" is the number of requests the server admitted over the span from the first ' +
  `arrival to the last admission, per second, over the limit (${LIMIT_PER_S}/s); a fixed window admits its whole ` +
  'quota at its start, so a client that fills every window scores a little above 1. Latency runs from a call\'s ' +
  `start to its settling, over the calls that succeeded. axios-backoff runs with \`${ours}\`.`;

function openLoop(name: string, load: number, ours: BackoffOptions, rows: ReadonlyArray<Row<SimRun>>, oursText: string): NetScenario {
  const calls = Math.round((load * LIMIT_PER_S * STREAM_MS) / 1000);
  return {
    name,
    job: { sim: { limit: LIMIT, windowMs: WINDOW_MS }, calls, send: getTicker, ours, limitMs: RUN_LIMIT_MS, ratePerS: load * LIMIT_PER_S },
    rows,
    key: (r) => throughputPerLimit(r, LIMIT_PER_S),
    about: streamAbout(load, calls, oursText),
  };
}

const openLoop12 = openLoop(
  'open-loop-1.2x',
  1.2,
  { retries: RETRIES },
  [throughputRow, latencyRow(1000, 4000), outcomesRow([undefined, 0, undefined])],
  `{ retries: ${RETRIES} }`,
);

const openLoop2: NetScenario = {
  ...openLoop(
    'open-loop-2x',
    2,
    // At twice the limit a backlog grows by the limit each second: the last calls wait ~10 s more than the first.
    { retries: RETRIES, maxElapsed: 60_000 },
    [throughputRow, latencyRow(), outcomesRow([undefined, 0, 0])],
    `{ retries: ${RETRIES}, maxElapsed: 60_000 }`,
  ),
  chart: {
    of: 'admitted',
    bucketMs: 1000,
    level: { value: LIMIT_PER_S, label: 'limit' },
    caption:
      'Requests the server admitted per second in open-loop-2x, from the run with the median throughput of each ' +
      `client; the dashed line is the limit (${LIMIT_PER_S} per second).`,
  },
};

// --- a crowd of many windows --------------------------------------------------------------

const CROWD_CALLS = 1200;
const CROWD_LIMIT = 100;
const CROWD_MIN_MS = lastWindowOpensMs(CROWD_CALLS, CROWD_LIMIT, WINDOW_MS);

const crowd: NetScenario = {
  name: 'crowd-1200',
  job: { sim: { limit: CROWD_LIMIT, windowMs: WINDOW_MS }, calls: CROWD_CALLS, send: getTicker, ours: { retries: RETRIES }, limitMs: RUN_LIMIT_MS },
  rows: [wallRow(CROWD_MIN_MS), outcomesRow([undefined, 0, 0])],
  key: (r) => r.wallMs,
  about:
    `${CROWD_CALLS} concurrent GETs against a server that admits ${CROWD_LIMIT} per fixed ${WINDOW_MS} ms window ` +
    '(429 with Retry-After, 418 bans as in burst): twelve windows of work queued at once. The theoretical minimum ' +
    `wall time is (ceil(${CROWD_CALLS}/${CROWD_LIMIT}) - 1) × ${WINDOW_MS} ms = ${CROWD_MIN_MS} ms.`,
};

export const LOAD_SCENARIOS: readonly NetScenario[] = [openLoop12, openLoop2, crowd];
