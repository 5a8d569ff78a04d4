import axios from 'axios';
import { attach } from '../lib';
import { burst, tableHeader, tableRow } from './burst';
import { startExchange } from './exchange-sim';

const LIMIT = 20;
const WINDOW_MS = 1000;
const CALLS = 60;
const now = () => performance.now();

async function main(): Promise<void> {
  const sim = await startExchange({ limit: LIMIT, windowMs: WINDOW_MS });
  try {
    console.log(`${CALLS} concurrent GETs against a simulated exchange that admits ${LIMIT} requests per ${WINDOW_MS} ms`);
    console.log('and answers the rest 429 with Retry-After (418 ban if a client keeps pushing).');
    console.log('Plain axios fails every call over the limit; with attach() they wait out Retry-After and succeed.\n');
    console.log(tableHeader());

    const plain = axios.create({ baseURL: sim.url });
    console.log(tableRow('plain axios', await burst(plain, sim, CALLS, now)));

    sim.reset();
    const api = axios.create({ baseURL: sim.url });
    const detach = attach(api, { retries: 5 });
    console.log(tableRow('attach({ retries: 5 })', await burst(api, sim, CALLS, now)));
    detach();
  } finally {
    await sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
