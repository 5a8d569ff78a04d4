import type { AxiosAdapter, AxiosInstance } from 'axios';
import { CLIENTS, createClient, type ClientName } from './clients';
import { atMost, ratio, type Row } from './rows';
import { median } from './stats';

export interface HappyRun {
  /** Median over rounds of (this client's time per request) / (a reference bare instance's in the same round). */
  readonly ratio: number;
}

const WARM_UP = 300;
const ROUNDS = 30;
const PER_ROUND = 100;
const REFERENCE = 'reference';

/** Answers 200 at once: what is left to time is axios and the retry layer. */
const instant: AxiosAdapter = (config) =>
  Promise.resolve({ data: { price: '42000.00' }, status: 200, statusText: 'OK', headers: {}, config, request: {} });

async function timeRequests(api: AxiosInstance, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await api.get('/api/v3/ticker');
  return (performance.now() - start) / n;
}

/**
 * Sequential GETs, the clients taking turns in rounds whose order flips each
 * time (ABCD, DCBA…), so drift in CPU speed or GC lands on all of them alike.
 */
export async function runHappyPath(): Promise<Record<ClientName, HappyRun>> {
  const make = (name: ClientName) => createClient(name, { baseURL: 'http://127.0.0.1:9', adapter: instant }, {});
  // A second bare instance is the yardstick, so the bare axios column shows the noise floor rather than 1 by definition.
  const reference = { name: REFERENCE, ...make('bare axios') };
  const clients = [reference, ...CLIENTS.map((name) => ({ name, ...make(name) }))];
  try {
    for (const c of clients) await timeRequests(c.api, WARM_UP);
    const ratios = new Map<string, number[]>(clients.map((c) => [c.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...clients].reverse() : clients;
      const perRequest = new Map<string, number>();
      for (const c of order) perRequest.set(c.name, await timeRequests(c.api, PER_ROUND));
      const yardstick = perRequest.get(REFERENCE) as number;
      for (const [name, ms] of perRequest) ratios.get(name)?.push(ms / yardstick);
    }
    const result = {} as Record<ClientName, HappyRun>;
    for (const name of CLIENTS) result[name] = { ratio: median(ratios.get(name) ?? []) };
    return result;
  } finally {
    for (const c of clients) c.detach();
  }
}

export const HAPPY_ROWS: ReadonlyArray<Row<HappyRun>> = [
  { measure: 'time per request / bare axios', target: '≤ 1.05', values: (r) => [r.ratio], format: ratio, meets: atMost(1.05) },
];

export const HAPPY_ABOUT =
  `${WARM_UP} warm-up then ${ROUNDS} rounds of ${PER_ROUND} sequential GETs per client, on instances whose adapter ` +
  'answers 200 at once (no network), the clients taking turns in an order that flips every round. Each round gives ' +
  "a client's time per request over that of a separate reference bare axios instance in the same round; the cell " +
  'is the median, so the bare axios cell shows the noise floor. axios-backoff is ' +
  'attach(api) with default options; the peers keep the configuration of the other scenarios.';
