import type { AxiosAdapter, AxiosInstance } from 'axios';
import { runApart } from './apart';
import { CLIENTS, createClient, type ClientName } from './clients';
import { atMost, ratio, type Row } from './rows';
import { median } from './stats';

export interface HappyRun {
  /** Median over rounds of (this client's time per request) / (a reference bare instance's in the same round). */
  readonly ratio: number;
}

const WARM_UP = 3000;
const ROUNDS = 7;
const PER_ROUND = 10_000;
const REFERENCE = 'reference';

/** Answers 200 at once: what is left to time is axios and the retry layer. */
const instant: AxiosAdapter = (config) =>
  Promise.resolve({ data: { price: '42000.00' }, status: 200, statusText: 'OK', headers: {}, config, request: {} });

interface Timed {
  readonly name: string;
  readonly api: AxiosInstance;
}

/**
 * One round: request i of every client goes out back to back, in an order that
 * rotates with i, each timed on its own; a client's figure is its median request.
 * Interleaving by request puts every client under the same CPU speed, GC phase
 * and JIT state; timing clients one after another left a noise floor of ±15 %
 * between two bare instances.
 */
async function round(clients: readonly Timed[], n: number): Promise<Map<string, number>> {
  const samples = clients.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < clients.length; k++) {
      const at = (i + k) % clients.length;
      const start = performance.now();
      await clients[at].api.get('/api/v3/ticker');
      samples[at][i] = performance.now() - start;
    }
  }
  // The median request: a GC pause lands on whichever client happens to run, so sums and means carry it at random.
  return new Map(clients.map((c, at) => [c.name, median(Array.from(samples[at]))]));
}

/** Sequential GETs; each client's time per request over a reference bare instance's, median of rounds. */
export async function runHappyPath(): Promise<Record<ClientName, HappyRun>> {
  const make = (name: ClientName) => createClient(name, { baseURL: 'http://127.0.0.1:9', adapter: instant }, {});
  // A second bare instance is the yardstick, so the bare axios column shows the noise floor rather than 1 by definition.
  const reference = { name: REFERENCE, ...make('bare axios') };
  const clients = [reference, ...CLIENTS.map((name) => ({ name, ...make(name) }))];
  try {
    await round(clients, WARM_UP);
    const ratios = new Map<string, number[]>(clients.map((c) => [c.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const total = await round(clients, PER_ROUND);
      const yardstick = total.get(REFERENCE) as number;
      for (const [name, ms] of total) ratios.get(name)?.push(ms / yardstick);
    }
    const result = {} as Record<ClientName, HappyRun>;
    for (const name of CLIENTS) result[name] = { ratio: median(ratios.get(name) ?? []) };
    return result;
  } finally {
    for (const c of clients) c.detach();
  }
}

export const HAPPY_ROWS: ReadonlyArray<Row<HappyRun>> = [
  { measure: 'time per request / bare axios', target: '≤ 1.03', values: (r) => [r.ratio], format: ratio, meets: atMost(1.03) },
];

export const HAPPY_ABOUT =
  `${WARM_UP} warm-up then ${ROUNDS} rounds of ${PER_ROUND} sequential GETs per client, on instances whose adapter ` +
  'answers 200 at once (no network). Within a round the clients take turns request by request (the order rotating), ' +
  'each request timed on its own, so all run under the same CPU, GC and JIT conditions. A round gives a client\'s ' +
  'median request time over that of a separate reference bare axios instance (GC pauses, which land on whichever ' +
  'client is running, fall outside the median); the cell is the median of rounds, so the ' +
  'bare axios cell shows the noise floor. It runs in a node process of its own. axios-backoff is ' +
  'attach(api) with default options; the peers keep the configuration of the other scenarios.';

/** The happy path in a child process of its own, for every client alike. */
export function runHappyPathApart(): Promise<Record<ClientName, HappyRun>> {
  return runApart('happy-child.ts');
}
