import { binanceCosts, binanceQuotas, presets, type BackoffOptions, type BinanceRateLimit } from '../lib';
import { RETRIES } from './clients';
import type { Send } from './harness';
import { getTicker, lastWindowOpensMs, outcomesRow, RUN_LIMIT_MS, wallRow, type NetScenario } from './scenario-kit';

// The quota scenarios: the server says how much is left on every response, so a client
// that reads it need never be refused. Targets: no 429 at all, and within 5 % of the fastest possible.

const HEADROOM = 1.05;

// --- IETF RateLimit headers ---------------------------------------------------------------

const IETF_CALLS = 120;
const IETF_LIMIT = 20;
const IETF_WINDOW_MS = 1000;
const IETF_MIN_MS = lastWindowOpensMs(IETF_CALLS, IETF_LIMIT, IETF_WINDOW_MS);

const quotaIetf: NetScenario = {
  name: 'quota-ietf',
  job: {
    sim: { limit: IETF_LIMIT, windowMs: IETF_WINDOW_MS, quotaHeaders: 'ietf' },
    calls: IETF_CALLS,
    send: getTicker,
    // No quota option: the RateLimit headers are standard, the library reads them itself.
    ours: { retries: RETRIES },
    limitMs: RUN_LIMIT_MS,
  },
  rows: [wallRow(IETF_MIN_MS, HEADROOM), outcomesRow([0, 0, 0])],
  key: (r) => r.wallMs,
  about:
    `${IETF_CALLS} concurrent GETs against the burst scenario's server (${IETF_LIMIT} per fixed ${IETF_WINDOW_MS} ms ` +
    'window, 429 with Retry-After, 418 bans) that also declares its quota on every response, 200 and 429 alike, in the ' +
    'structured form of draft-ietf-httpapi-ratelimit-headers-08 and later: `RateLimit-Policy: "default";q=20;w=1` and ' +
    '`RateLimit: "default";r=<left after this request>;t=<seconds to the window\'s end, rounded up>`. The theoretical ' +
    `minimum wall time is (ceil(calls / limit) - 1) × window = (ceil(${IETF_CALLS}/${IETF_LIMIT}) - 1) × ${IETF_WINDOW_MS} ms ` +
    `= ${IETF_MIN_MS} ms, the moment the last needed window opens. axios-backoff runs with \`{ retries: ${RETRIES} }\`.`,
};

// --- Binance request weight ---------------------------------------------------------------

const BINANCE_CALLS = 100;
const WEIGHT_LIMIT = 200;
const WEIGHT_WINDOW_MS = 10_000;
/**
 * Paths of three weights, as Binance documents them for these calls: one symbol's price (2), an order
 * book at the default depth of 100 (5), the recent trades (25).
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints
 */
const ENDPOINTS = [
  { path: '/api/v3/ticker/price', weight: 2 },
  { path: '/api/v3/depth', weight: 5 },
  { path: '/api/v3/trades', weight: 25 },
] as const;
/** Calls cycle through this pattern of ENDPOINTS indexes: 7 of weight 2, 2 of weight 5, 1 of weight 25 in ten. */
const PATTERN = [0, 0, 1, 0, 0, 0, 1, 0, 0, 2];
const endpointOf = (i: number) => ENDPOINTS[PATTERN[i % PATTERN.length]];
const TOTAL_WEIGHT = Array.from({ length: BINANCE_CALLS }, (_, i) => endpointOf(i).weight).reduce((a, b) => a + b, 0);
const BINANCE_MIN_MS = lastWindowOpensMs(TOTAL_WEIGHT, WEIGHT_LIMIT, WEIGHT_WINDOW_MS);

const sendWeighted: Send = (api, i, signal) => api.get(endpointOf(i).path, { params: { symbol: 'BTCUSDT' }, signal });

/** The server's limits, as Binance's exchangeInfo lists them. */
const BINANCE_LIMITS: BinanceRateLimit[] = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: WEIGHT_WINDOW_MS / 1000, limit: WEIGHT_LIMIT },
];

/** The Binance preset, told this server's limits, as a user tells it the limits of exchangeInfo. */
function binanceOptions(): BackoffOptions {
  return presets.binance({ quotas: binanceQuotas(BINANCE_LIMITS), cost: binanceCosts(BINANCE_LIMITS) });
}

const quotaBinance: NetScenario = {
  name: 'quota-binance',
  job: {
    sim: {
      limit: WEIGHT_LIMIT,
      windowMs: WEIGHT_WINDOW_MS,
      quotaHeaders: 'binance',
      weights: Object.fromEntries(ENDPOINTS.map((e) => [e.path, e.weight])),
    },
    calls: BINANCE_CALLS,
    send: sendWeighted,
    ours: { ...binanceOptions(), retries: RETRIES },
    limitMs: RUN_LIMIT_MS,
    // Binance counts fixed intervals since the epoch: so does the simulator here.
    epochWindowMs: WEIGHT_WINDOW_MS,
  },
  rows: [wallRow(BINANCE_MIN_MS, HEADROOM), outcomesRow([0, 0, 0])],
  key: (r) => r.wallMs,
  about:
    `${BINANCE_CALLS} concurrent GETs over three paths that cost a request weight of 1, 5 and 25 (7, 2 and 1 in every ten ` +
    `calls: ${TOTAL_WEIGHT} in all), against a server that admits a weight of ${WEIGHT_LIMIT} per fixed ` +
    `${WEIGHT_WINDOW_MS / 1000} s window, answers the rest 429 with Retry-After, bans as the burst scenario's does, and ` +
    'declares on every response the weight used in the current window, as Binance does: `X-MBX-USED-WEIGHT-10S: <used>`; ' +
    'its windows are 10 s intervals of the wall clock, as Binance\'s are, each run starting at one. ' +
    'The theoretical minimum wall time is (ceil(total weight / limit) - 1) × window = ' +
    `(ceil(${TOTAL_WEIGHT}/${WEIGHT_LIMIT}) - 1) × ${WEIGHT_WINDOW_MS} ms = ${BINANCE_MIN_MS} ms, the moment the last ` +
    'needed window opens (weights this small against the limit always pack into that many windows). axios-backoff runs with ' +
    `\`presets.binance({ quotas: binanceQuotas(rateLimits), cost: binanceCosts(rateLimits), retries: ${RETRIES} })\`, ` +
    'rateLimits naming this 10 s weight limit as exchangeInfo would.',
};

export const QUOTA_SCENARIOS: readonly NetScenario[] = [quotaIetf, quotaBinance];
