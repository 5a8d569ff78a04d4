import type { CallRecord, SimRun } from './harness';
import { RETRIES } from './clients';
import { atMost, count, counts, ms, NO_TARGET, ratio } from './rows';
import { failed, failedWith, getTicker, lastWindowOpensMs, outcomesRow, RUN_LIMIT_MS, wallRow, type NetScenario } from './scenario-kit';
import { LIMITER_SCENARIOS } from './scenarios-limiters';
import { LOAD_SCENARIOS } from './scenarios-load';
import { QUOTA_SCENARIOS } from './scenarios-quota';

export { RUN_LIMIT_MS, type NetScenario } from './scenario-kit';

const OURS = { retries: RETRIES };

// --- burst -------------------------------------------------------------------------------

const BURST_CALLS = 120;
const LIMIT = 20;
const WINDOW_MS = 1000;
export const BURST_MIN_MS = lastWindowOpensMs(BURST_CALLS, LIMIT, WINDOW_MS);

const burst: NetScenario = {
  name: 'burst',
  job: {
    sim: { limit: LIMIT, windowMs: WINDOW_MS },
    calls: BURST_CALLS,
    send: getTicker,
    ours: OURS,
    limitMs: RUN_LIMIT_MS,
  },
  rows: [
    wallRow(BURST_MIN_MS, 1.1),
    { measure: `requests sent / ${BURST_CALLS}`, target: '≤ 1.25', values: (r) => [r.stats.sent / BURST_CALLS], format: ratio, meets: atMost(1.25) },
    outcomesRow([12, 0, 0]),
  ],
  key: (r) => r.wallMs,
  chart: { of: 'arrivals', bucketMs: 100, caption: 'Requests reaching the server per 100 ms in burst, from the run with the median wall time of each client.' },
  about:
    `${BURST_CALLS} concurrent GETs against a server that admits ${LIMIT} requests per fixed ${WINDOW_MS} ms window ` +
    'and answers the rest 429 with Retry-After (whole seconds to the end of the window); more than 40 requests ' +
    'after the first 429 in one window earn a 418 ban (2 s, doubling). The theoretical minimum wall time is ' +
    `(ceil(${BURST_CALLS}/${LIMIT}) - 1) × ${WINDOW_MS} ms = ${BURST_MIN_MS} ms: the moment the last needed window opens, ` +
    'counted from the first call. Wall time runs from the first call to the last call settled, success or failure, ' +
    'so a client that gives up early finishes early: read it beside the failures.',
};

// --- outage ------------------------------------------------------------------------------

const OUTAGE_CALLS = 100;
const RECOVERY_MS = 3000;

function recoveryToLastSuccess(run: SimRun): number {
  const done = run.calls.filter((c): c is CallRecord => c?.ok === true);
  return done.length ? Math.max(...done.map((c) => c.settledAt)) - RECOVERY_MS : NaN;
}

const outage: NetScenario = {
  name: 'outage',
  job: {
    sim: { limit: 100_000, outage: { fromMs: 0, toMs: RECOVERY_MS, status: 503 } },
    calls: OUTAGE_CALLS,
    send: getTicker,
    ours: OURS,
    limitMs: RUN_LIMIT_MS,
  },
  rows: [
    {
      measure: `sent during outage / ${OUTAGE_CALLS}`,
      target: '≤ 0.3',
      values: (r) => [r.arrivals.filter((t) => t < RECOVERY_MS).length / OUTAGE_CALLS],
      format: ratio,
      meets: atMost(0.3),
    },
    { measure: 'ms recovery → last success', target: '≤ 500', values: (r) => [recoveryToLastSuccess(r)], format: ms, meets: atMost(500) },
    { measure: 'failed calls', target: NO_TARGET, values: (r) => [failed(r)], format: count },
  ],
  key: recoveryToLastSuccess,
  markers: [{ atMs: RECOVERY_MS, label: 'server back' }],
  chart: { of: 'arrivals', bucketMs: 100, caption: 'Requests reaching the server per 100 ms in outage, from the run with the median recovery time of each client.' },
  about:
    `${OUTAGE_CALLS} concurrent GETs at t = 0 against a server that answers every request 503 until ` +
    `t = ${RECOVERY_MS} ms and 200 after (no rate limit). "Sent during outage" counts the requests that arrived ` +
    `before ${RECOVERY_MS} ms, per call; "recovery → last success" is when the last successful call resolved ` +
    `on the client, minus ${RECOVERY_MS} ms (— when none succeeded).`,
};

// --- orders ------------------------------------------------------------------------------

const ORDER_CALLS = 60;
const LOST_REPLY_RATE = 0.15;
const SEED = 7;

const rateLimitedGivenUp = (run: SimRun): number => failedWith(run, (c) => c.status === 429 || c.status === 418);
const unknownOutcome = (run: SimRun): number =>
  failedWith(run, (c) => (c.status === undefined ? c.code !== 'ERR_CANCELED' : c.status >= 500));

const orders: NetScenario = {
  name: 'orders',
  job: {
    sim: { limit: LIMIT, windowMs: WINDOW_MS, lostReplyRate: LOST_REPLY_RATE, seed: SEED },
    calls: ORDER_CALLS,
    send: (api, i, signal) =>
      api.post(
        '/api/v3/order',
        { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.001', price: '42000.00', newClientOrderId: `bench-${i}` },
        { signal },
      ),
    ours: OURS,
    limitMs: RUN_LIMIT_MS,
  },
  rows: [
    {
      measure: 'duplicate orders / rate-limited given up',
      target: '0 / 0',
      values: (r) => [r.stats.duplicateOrders, rateLimitedGivenUp(r)],
      format: counts,
      meets: ([duplicates, givenUp]) => duplicates === 0 && givenUp === 0,
    },
    { measure: `orders filled (distinct ids) / ${ORDER_CALLS}`, target: NO_TARGET, values: (r) => [r.stats.ordersFilled - r.stats.duplicateOrders], format: count },
    { measure: 'calls failed, outcome unknown', target: NO_TARGET, values: (r) => [unknownOutcome(r)], format: count },
  ],
  key: (r) => r.stats.duplicateOrders,
  about:
    `${ORDER_CALLS} concurrent POST /api/v3/order, each with its own newClientOrderId, against the same ` +
    `${LIMIT} per ${WINDOW_MS} ms limit; ${LOST_REPLY_RATE * 100} % of filled orders lose their reply (the order is ` +
    `recorded, the socket is destroyed; PRNG seed ${SEED}). A duplicate is a second fill of the same id: a ` +
    'replayed order. "Rate-limited given up" counts calls that finally rejected with a 429 or 418. ' +
    '"Outcome unknown" counts calls that failed with no response (reset, hang-up) or a 5xx: the order may have filled.',
};

/** In the order they run and appear in the table. */
export const NET_SCENARIOS: readonly NetScenario[] = [burst, outage, orders, ...QUOTA_SCENARIOS, ...LIMITER_SCENARIOS, ...LOAD_SCENARIOS];
