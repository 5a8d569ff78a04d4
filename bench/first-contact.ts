import { startExchange } from '../examples/exchange-sim';
import { runApart } from './apart';
import { CLIENTS, createClient, RETRIES, type ClientName } from './clients';
import { atMost, ratio, type Row } from './rows';
import { median } from './stats';

export interface FirstContactRun {
  /** Median over pairs of (this client's wall time) / (a fresh bare instance's, timed beside it). */
  readonly ratio: number;
}

export const FIRST_CONTACT = 'first-contact';
const CALLS = 100;
const WARM_UP = 10;
const SAMPLES = 21;

/** Wall time of CALLS concurrent GETs from a fresh instance: nothing learned about the server yet. */
async function wall(client: ClientName, baseURL: string): Promise<number> {
  const { api, detach } = createClient(client, { baseURL }, { retries: RETRIES });
  try {
    const started = performance.now();
    await Promise.all(Array.from({ length: CALLS }, () => api.get('/api/v3/ticker')));
    return performance.now() - started;
  } finally {
    detach();
  }
}

/**
 * One client against bare axios. A sample is two pairs, bare first then the client first
 * (bare, client, client, bare), and its ratio their sums: the later of two back-to-back runs
 * tends to be the faster, and with the order fixed, or alternating over an odd count, the
 * median would take that side (two bare instances came out at 0.78).
 */
async function ratioToBare(client: ClientName, baseURL: string): Promise<number> {
  const ratios: number[] = [];
  for (let sample = 0; sample < WARM_UP + SAMPLES; sample++) {
    const bare1 = await wall('bare axios', baseURL);
    const theirs = (await wall(client, baseURL)) + (await wall(client, baseURL));
    const bare = bare1 + (await wall('bare axios', baseURL));
    if (sample >= WARM_UP) ratios.push(theirs / bare);
  }
  return median(ratios);
}

export async function runFirstContact(): Promise<Record<ClientName, FirstContactRun>> {
  const sim = await startExchange({ limit: Number.MAX_SAFE_INTEGER });
  try {
    const result = {} as Record<ClientName, FirstContactRun>;
    for (const client of CLIENTS) result[client] = { ratio: await ratioToBare(client, sim.url) };
    return result;
  } finally {
    await sim.close();
  }
}

/** In a node process of its own, as the happy path is. */
export function runFirstContactApart(): Promise<Record<ClientName, FirstContactRun>> {
  return runApart('first-contact-child.ts');
}

export const FIRST_CONTACT_ROWS: ReadonlyArray<Row<FirstContactRun>> = [
  { measure: 'wall time / bare axios', target: '≤ 1.20', values: (r) => [r.ratio], format: ratio, meets: atMost(1.2) },
];

export const FIRST_CONTACT_ABOUT =
  `${CALLS} concurrent GETs from a fresh axios instance against a healthy loopback server (no limit, no failure): ` +
  'what a client pays before it has learned anything about a server. Each client is timed against fresh bare ' +
  'axios instances in samples of four runs (bare, client, client, bare: each side goes first once), a sample\'s ' +
  `ratio being the client's total over bare's; ${WARM_UP} samples of warm-up, then the cell is the median of ` +
  `${SAMPLES} samples' ratios, so the bare axios cell shows the noise floor. It runs in a node ` +
  `process of its own. axios-backoff is \`attach(api, { retries: ${RETRIES} })\`.`;
