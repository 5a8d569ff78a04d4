import * as esbuild from 'esbuild';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

// The library in a real browser: `attach` bundled for the browser (axios' browser build, no Node
// builtin), loaded by headless Chromium from one loopback origin, talking to an API on another.
// A 429 with Retry-After is retried after it over the xhr and the fetch adapters; when the API
// does not expose Retry-After through CORS, the browser hides it and the strategy's delay applies.
// Run by `npm run test:browser` (CI installs Debian's chromium when the machine lacks it).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RETRY_AFTER_S = 1;
const STRATEGY_MS = 300;

/** What the page reports for one adapter and one route. */
interface Outcome {
  readonly adapter: string;
  readonly route: string;
  readonly status: number;
  readonly attempt: number;
  readonly waitedMs: number;
  readonly delays: number[];
}

// Runs in the page: each adapter against a route that exposes Retry-After and one that does not.
const PAGE_SCRIPT = `
import axios from 'axios';
import { attach, exponential } from './lib';
const api = window.__API__;
async function one(adapter, route) {
  const client = axios.create({ baseURL: api, adapter });
  attach(client, { strategy: exponential({ initial: ${STRATEGY_MS}, jitter: 'none' }) });
  const started = performance.now();
  const response = await client.get(route + '?adapter=' + adapter);
  const state = response.config.backoffState;
  return { adapter, route, status: response.status, attempt: state.attempt, delays: state.delays, waitedMs: performance.now() - started };
}
(async () => {
  const results = [];
  for (const adapter of ['xhr', 'fetch']) for (const route of ['/exposed', '/hidden']) results.push(await one(adapter, route));
  window.__RESULTS__ = results;
})().catch((error) => { window.__RESULTS__ = { error: String(error && error.stack || error) }; });
`;

async function bundle(): Promise<string> {
  const root = join(__dirname, '..', '..');
  const result = await esbuild.build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The API: each route answers 429 with Retry-After to its first request per adapter, then 200. */
function apiServer(pageOrigin: () => string): { server: Server; hits: string[] } {
  const hits: string[] = [];
  const seen = new Set<string>();
  const server = createServer((req, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(`${req.method} ${url.pathname}?${url.searchParams}`);
    const cors: Record<string, string> = { 'Access-Control-Allow-Origin': pageOrigin() };
    if (url.pathname === '/exposed') cors['Access-Control-Expose-Headers'] = 'Retry-After';
    const first = !seen.has(url.pathname + url.search);
    seen.add(url.pathname + url.search);
    if (first) {
      res.writeHead(429, { ...cors, 'Content-Type': 'application/json', 'Retry-After': String(RETRY_AFTER_S) });
      res.end('{"code":-1003}');
      return;
    }
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  });
  return { server, hits };
}

const available = existsSync(CHROMIUM);
const maybe = available ? describe : describe.skip;

maybe('attach in headless Chromium', () => {
  let browser: Browser | undefined;
  const servers: Server[] = [];

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => {
      s.close(resolve);
      s.closeAllConnections();
    })));
  });

  it('retries a 429 after its Retry-After over xhr and fetch, and after the strategy when CORS hides the header', async () => {
    const script = await bundle();
    let pageOrigin = '';
    const api = apiServer(() => pageOrigin);
    servers.push(api.server);
    const apiOrigin = await listen(api.server);
    const page = createServer((req, res) => {
      if (req.url === '/bundle.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(script);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><script>window.__API__ = ${JSON.stringify(apiOrigin)};</script><script src="/bundle.js"></script>`);
    });
    servers.push(page);
    pageOrigin = await listen(page);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const tab = await browser.newPage();
    await tab.goto(`${pageOrigin}/`);
    const handle = await tab.waitForFunction(() => (window as unknown as { __RESULTS__?: unknown }).__RESULTS__, undefined, { timeout: 20_000 });
    const results = (await handle.jsonValue()) as Outcome[] | { error: string };
    if (!Array.isArray(results)) throw new Error(`the page failed: ${results.error}`);

    for (const adapter of ['xhr', 'fetch']) {
      const exposed = results.find((r) => r.adapter === adapter && r.route === '/exposed');
      const hidden = results.find((r) => r.adapter === adapter && r.route === '/hidden');
      // Retry-After exposed: waited as the server asked.
      expect(exposed).toMatchObject({ status: 200, attempt: 1, delays: [RETRY_AFTER_S * 1000] });
      expect(exposed?.waitedMs).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 50);
      // Hidden by CORS: the browser shows no Retry-After, and the strategy's delay applies.
      expect(hidden).toMatchObject({ status: 200, attempt: 1, delays: [STRATEGY_MS] });
    }
    expect(api.hits).toHaveLength(8);
  }, 40_000);
});

if (!available) {
  // CI installs Chromium first and sets BROWSER_REQUIRED: there a missing browser fails, never skips.
  const required = process.env.BROWSER_REQUIRED === '1';
  (required ? it : it.skip)(`needs Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`, () => {
    throw new Error(`no Chromium at ${CHROMIUM}`);
  });
}
