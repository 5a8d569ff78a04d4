'use strict';
// Type-checks a small consumer project, written from the README, against the packed package in
// every module set-up a user may have: CommonJS and ES modules under node16 and nodenext, node10,
// and bundler resolution; with skipLibCheck off (the default), so our declarations are checked as
// a user's compiler checks them; on the TypeScript of the lockfile and on the latest release.
// Prints the matrix and fails on any error.
//
//   node scripts/types-matrix.js [--typescript 5.9.3,latest]
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function versionsArg(argv) {
  const at = argv.indexOf('--typescript');
  const own = require('typescript/package.json').version;
  return at < 0 ? [own, 'latest'] : argv[at + 1].split(',');
}

// What the README shows, in one file; `@ts-expect-error` lines pin what the compiler must refuse.
const BODY = `
const api = axios.create({ baseURL: 'https://api.exchange.example' });
const detach = attach(api, { retries: 5, strategy: exponential({ initial: 200, max: 30_000 }) });
const other = axios.create();
other.interceptors.response.use(...backoff(other, { retries: 1, strategy: constant(100) }));
attach(axios.create(), presets.binance({ retries: 5, maxRetryAfter: 120_000 }));
const options: BackoffOptions = { budget: { capacity: 100 }, key: (config) => String(config.baseURL) };
export function withStore(store: BackoffStore): () => void {
  return attach(axios.create(), { ...options, store });
}
export async function run(): Promise<number> {
  await api.get('/api/v3/ticker', { backoff: false });
  await api.post('/api/v3/order', {}, { backoff: { retries: 1, idempotencyHeader: 'Idempotency-Key' } });
  // @ts-expect-error the shared options are refused per request
  await api.get('/x', { backoff: { cooldown: false } });
  try {
    const response = await api.get('/api/v3/depth');
    return response.config.backoffState?.attempt ?? 0;
  } catch (err) {
    const info: BackoffErrorInfo | undefined = backoffInfo(err);
    if (info?.outcome === 'unknown') detach();
    return -1;
  }
}
`;

const IMPORTS = "{ attach, backoff, backoffAdapter, backoffInfo, constant, exponential, presets, type BackoffErrorInfo, type BackoffOptions, type BackoffStore }";

// ES modules see axios' ES typings, where AxiosError takes the augmentation: `err.backoff` is typed.
const ESM_EXTRA = `
export function outcome(err: unknown): string | undefined {
  return isAxiosError(err) ? err.backoff?.outcome : undefined;
}
export const shared = (client: Redis) => redisStore(client, { prefix: 'bot' });
`;

// The signers subpath, in every set-up: a resign hook passed to a preset and an adapter.
const SIGNERS = `import { signers } from 'axios-backoff/signers';
export const resign = signers.binance({ apiSecret: 'secret' });
export const adapter = backoffAdapter(presets.binance({ resign }));
`;

const FILES = {
  'consumer.cts': `import axios = require('axios');\nimport ${IMPORTS} from 'axios-backoff';\n${BODY}${SIGNERS}`,
  'consumer.mts': `import axios, { isAxiosError } from 'axios';\nimport type { Redis } from 'ioredis';\nimport ${IMPORTS} from 'axios-backoff';\nimport { redisStore } from 'axios-backoff/redis';\n${BODY}${ESM_EXTRA}${SIGNERS}`,
  'consumer.ts': `import axios, { isAxiosError } from 'axios';\nimport type { Redis } from 'ioredis';\nimport ${IMPORTS} from 'axios-backoff';\nimport { redisStore } from 'axios-backoff/redis';\n${BODY}${ESM_EXTRA}${SIGNERS}`,
};

const SETUPS = [
  { name: 'CommonJS, node16', file: 'consumer.cts', module: 'node16', moduleResolution: 'node16' },
  { name: 'CommonJS, nodenext', file: 'consumer.cts', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'ES modules, node16', file: 'consumer.mts', module: 'node16', moduleResolution: 'node16' },
  { name: 'ES modules, nodenext', file: 'consumer.mts', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'bundler', file: 'consumer.ts', module: 'esnext', moduleResolution: 'bundler' },
  { name: 'node10', file: 'consumer.ts', module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
];

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'axios-backoff-types-'));
  try {
    const tarball = path.join(work, run(npm, ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop());
    const axiosVersion = require('axios/package.json').version;
    const rows = [];
    let failed = 0;
    for (const version of versionsArg(process.argv)) {
      const dir = path.join(work, `ts-${version}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "consumer", "private": true }\n');
      run(npm, ['install', '--silent', '--no-audit', '--no-fund', tarball, `axios@${axiosVersion}`, 'ioredis@5', '@types/node@20', `typescript@${version}`], dir);
      const tsVersion = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/typescript/package.json'), 'utf8')).version;
      for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), text);
      for (const setup of SETUPS) {
        const config = {
          compilerOptions: {
            module: setup.module, moduleResolution: setup.moduleResolution, target: 'es2022', strict: true, noEmit: true,
            skipLibCheck: false, types: ['node'], ...(setup.esModuleInterop ? { esModuleInterop: true } : {}),
          },
          files: [setup.file],
        };
        const configFile = path.join(dir, `tsconfig.${setup.name.replace(/\W+/g, '-')}.json`);
        fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
        let result = 'ok';
        try {
          run(process.execPath, [path.join(dir, 'node_modules/typescript/bin/tsc'), '-p', configFile], dir);
        } catch (error) {
          const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
          // A resolution mode this compiler no longer has is not ours to pass or fail.
          if (/TS5107|TS5108|TS6046|no longer supported|has been removed/.test(output) && setup.moduleResolution === 'node10') {
            result = 'n/a (not in this compiler)';
          } else {
            result = 'FAILED';
            failed++;
            process.stderr.write(`\n--- TypeScript ${tsVersion}, ${setup.name} ---\n${output}\n`);
          }
        }
        rows.push([tsVersion, setup.name, result]);
      }
    }
    const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ['TypeScript', 'set-up', 'result'][i].length));
    const line = (cells) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
    console.log(line(['TypeScript', 'set-up', 'result']));
    console.log(line(width.map((w) => '-'.repeat(w))));
    for (const row of rows) console.log(line(row));
    if (failed > 0) throw new Error(`${failed} set-ups failed to type-check`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
}
