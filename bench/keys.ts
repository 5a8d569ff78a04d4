// The state attach keeps per key: 10,000 API keys, one request each, through one instance
// whose `key` groups requests by API key. Measures the heap each key costs while its state is
// kept, and what is left once the keys have been idle past the spell after which they are dropped.
//
//   node --expose-gc -r ts-node/register/transpile-only bench/keys.ts
import axios, { type AxiosAdapter } from 'axios';
import { attach, type BackoffOptions } from '../lib';
import { IDLE_AFTER } from '../lib/coordination/gate';

const KEYS = 10_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the first lines of bench/keys.ts)');

async function heapUsed(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const ok: AxiosAdapter = (config) => Promise.resolve({ data: {}, status: 200, statusText: 'OK', headers: {}, config, request: {} });

async function main(): Promise<void> {
  // A clock the benchmark moves, so the idle spell passes without waiting for it.
  let offset = 0;
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
  const api = axios.create({ baseURL: 'https://api.exchange.test', adapter: ok });
  const options: BackoffOptions = { key: (config) => String(config.headers?.['X-MBX-APIKEY']) };
  attach(api, options);
  const send = (key: string) => api.get('/api/v3/account', { headers: { 'X-MBX-APIKEY': key } });
  await send('warm-up');
  const before = await heapUsed();
  for (let i = 0; i < KEYS; i++) await send(`key-${i}`);
  const kept = await heapUsed();
  offset += IDLE_AFTER + 1;
  // A key never seen before makes attach look for idle ones.
  await send('after-the-spell');
  const after = await heapUsed();
  Date.now = realNow;
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB`;
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const rows: Array<[string, string]> = [
    ['keys', `${KEYS} API keys, one GET each`],
    ['heap kept for them', `${mb(kept - before)} (${kb((kept - before) / KEYS)} a key)`],
    [`after ${IDLE_AFTER / 60_000} idle minutes`, `${mb(Math.max(0, after - before))} (the keys dropped)`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
