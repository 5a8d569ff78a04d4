import axios, { isAxiosError, isCancel } from 'axios';
import { once, setMaxListeners } from 'node:events';
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mulberry32 } from '../examples/sim-options';
import { attach, constant } from '../lib';
import { count, trackResources } from './support/resources';

// A few hundred GETs and POSTs against a loopback exchange with four hosts (as api1…api3.binance.com
// serve one exchange) that resets connections, answers late, sends 5xx bursts and 429s with
// good, garbage, too long and absurd Retry-After values. What must hold, whatever the mix:
// every request settles within its budget, no order reaches the server twice unless its earlier
// arrival was refused unprocessed, and nothing (timer, socket) is left once all have settled.

const SEED = 0xc4a05;
const REQUESTS = 300;
const HOSTS = 4;
const FIRE_OVER_MS = 5_000;
const TIMEOUT = 200;
const MAX_ELAPSED = 5_000;
// Event-loop lag on a slow, busy 2-core machine: a budget may end late by this much.
const SLACK = 1_000;

/** Statuses that say the server did not process the request: an order may be sent again after them. */
const NOT_PROCESSED = new Set([408, 425, 429]);

type Kind =
  | 'ok' | 'reset-before-read' | 'reset-after-read' | 'slow' | '5xx' | '429' | '429-garbage'
  | '429-too-long' | '429-absurd' | '408' | '425';

/** How the server answers one request: a status (undefined when it never answers), and headers. */
interface Act {
  readonly kind: Kind;
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
}

const GARBAGE = ['soon', '-5', '1e3', 'NaN', '', '  ', 'Fri, 99 Foo 2025 00:00:00 GMT', '0x10', '1.5.2', 'Infinity'];
const ABSURD = ['99999999', 'Fri, 01 Jan 2100 00:00:00 GMT', '4294967296', '9'.repeat(400)];

/**
 * The server's dice: weights per kind, 5xx in bursts of 100-300 ms. Absurd waits come only from
 * the last host (one bans its host for good), and surely: its tenth answer is one. The first order
 * each other host reads is surely refused unprocessed (408 or 425), so that an order is sent again
 * however a loaded machine's timing reshuffles the rest of the mix.
 */
function chaos(seed: number) {
  const rng = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)];
  const burstUntil = new Array<number>(HOSTS).fill(0);
  const answered = new Array<number>(HOSTS).fill(0);
  const absurd = (): Act => ({ kind: '429-absurd', status: 429, headers: { 'Retry-After': pick(ABSURD) } });
  const table: Array<[number, (host: number) => Act | undefined]> = [
    [60, () => ({ kind: 'ok', status: 200 })],
    [4, () => ({ kind: 'reset-before-read' })],
    [4, () => ({ kind: 'reset-after-read' })],
    [6, () => ({ kind: 'slow', status: 200, delayMs: TIMEOUT + 100 + Math.floor(rng() * 250) })],
    [4, () => ({ kind: '429', status: 429, headers: { 'Retry-After': pick(['0', '1', new Date(Date.now() + 1_500).toUTCString()]) } })],
    [5, () => ({ kind: '429-garbage', status: 429, headers: { 'Retry-After': pick(GARBAGE) } })],
    [2, () => ({ kind: '429-too-long', status: 429, headers: { 'Retry-After': pick(['3', '4']) } })],
    [1, (host) => (host === HOSTS - 1 ? absurd() : undefined)],
    [2, () => ({ kind: '408', status: 408 })],
    [2, () => ({ kind: '425', status: 425 })],
    [2, (host) => {
      burstUntil[host] = Date.now() + 100 + Math.floor(rng() * 200);
      return undefined;
    }],
  ];
  const total = table.reduce((sum, [weight]) => sum + weight, 0);
  const fiveHundred = (): Act => {
    const status = pick([500, 502, 503, 504]);
    return { kind: '5xx', status, headers: status === 503 && rng() < 0.3 ? { 'Retry-After': pick(['0', '1']) } : {} };
  };
  const orderRefused = new Array<boolean>(HOSTS).fill(false);
  return (host: number, method: string | undefined): Act => {
    if (host === HOSTS - 1 && ++answered[host] === 10) return absurd();
    if (host < HOSTS - 1 && method === 'POST' && !orderRefused[host]) {
      orderRefused[host] = true;
      return host % 2 === 0 ? { kind: '408', status: 408 } : { kind: '425', status: 425 };
    }
    for (;;) {
      if (Date.now() < burstUntil[host]) return fiveHundred();
      let roll = rng() * total;
      const row = table.find(([weight]) => (roll -= weight) < 0) ?? table[0];
      const act = row[1](host);
      if (act) return act;
    }
  };
}

/** One request whose body the server read, and how it answered. */
interface Received {
  readonly host: number;
  readonly method: string;
  readonly orderId: string | undefined;
  readonly act: Act;
}

interface Exchange {
  readonly urls: string[];
  readonly received: Received[];
  /** Requests dropped before their body was read: the server never saw what they carried. */
  readonly refusedUnread: () => number;
  /** Resolves once every connection the servers accepted has closed. */
  connectionsClosed(): Promise<void>;
  close(): Promise<void>;
}

async function startExchange(seed: number): Promise<Exchange> {
  const next = chaos(seed);
  const received: Received[] = [];
  const open = new Set<Socket>();
  let refusedUnread = 0;
  let drained: (() => void) | undefined;

  const answer = (res: ServerResponse, act: Act): void => {
    res.writeHead(act.status as number, { 'Content-Type': 'application/json', ...act.headers });
    res.end(JSON.stringify({ kind: act.kind }));
  };
  const handle = (host: number) => (req: IncomingMessage, res: ServerResponse): void => {
    const act = next(host, req.method);
    if (act.kind === 'reset-before-read') {
      refusedUnread++;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const orderId = req.method === 'POST' ? (JSON.parse(body) as { clientOrderId: string }).clientOrderId : undefined;
      received.push({ host, method: req.method ?? '', orderId, act });
      if (act.kind === 'reset-after-read') req.socket.destroy();
      else if (act.delayMs === undefined) answer(res, act);
      else {
        const timer = setTimeout(() => answer(res, act), act.delayMs);
        res.on('close', () => clearTimeout(timer));
      }
    });
  };

  const servers: Server[] = [];
  for (let host = 0; host < HOSTS; host++) {
    const server = createServer(handle(host));
    server.on('connection', (socket: Socket) => {
      open.add(socket);
      socket.on('close', () => {
        open.delete(socket);
        if (open.size === 0) drained?.();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
  }
  return {
    urls: servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`),
    received,
    refusedUnread: () => refusedUnread,
    connectionsClosed: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve))),
    close: () =>
      Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      }))).then(() => undefined),
  };
}

/** How one request ended, as its caller saw it. */
interface Settled {
  readonly method: string;
  readonly host: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly code?: string;
  readonly reason?: string;
  readonly attempts: number;
  readonly axiosError: boolean;
}

/** Settles when every promise has, or rejects naming how many are still pending after `ms`. */
async function allWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  let pending = promises.length;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const all = Promise.all(promises.map((p) => p.finally(() => pending--)));
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${pending} requests still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([all, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('chaos: resets, late replies, 5xx bursts, 429s with any Retry-After', () => {
  let exchange: Exchange | undefined;
  let resources: ReturnType<typeof trackResources> | undefined;
  afterAll(async () => {
    resources?.stop();
    await exchange?.close();
  });

  it(`${REQUESTS} requests all settle in budget, no order is placed twice, nothing is left behind`, async () => {
    const baseline = count(process.getActiveResourcesInfo());
    exchange = await startExchange(SEED);
    resources = trackResources();
    const { urls, received } = exchange;
    const rng = mulberry32(SEED + 1);
    const agent = new Agent({ keepAlive: false });
    const api = axios.create({ httpAgent: agent, timeout: TIMEOUT });
    const detach = attach(api, {
      retries: 3, strategy: constant(5 + Math.floor(rng() * 16)), maxRetryAfter: 2_000, maxElapsed: MAX_ELAPSED,
    });

    const settled: Settled[] = [];
    const fire = (i: number, method: string, host: number): Promise<void> => {
      const firedAt = Date.now();
      const request = method === 'POST'
        ? api.post(`${urls[host]}/api/v3/order`, { clientOrderId: `order-${i}`, symbol: 'BTCUSDT', quantity: '0.01' })
        : api.get(`${urls[host]}/api/v3/ticker`, { params: { n: i } });
      return request.then(
        (response) => void settled.push({
          method, host, ms: Date.now() - firedAt, ok: true, status: response.status,
          attempts: (response.config.backoffState?.attempt ?? 0) + 1, axiosError: false,
        }),
        (error: unknown) => void settled.push({
          method, host, ms: Date.now() - firedAt, ok: false,
          status: isAxiosError(error) ? error.response?.status : undefined,
          code: isAxiosError(error) ? error.code : undefined,
          reason: isAxiosError(error) ? error.backoff?.reason : undefined,
          attempts: isAxiosError(error) ? error.backoff?.attempts ?? 1 : 0,
          axiosError: isAxiosError(error) || isCancel(error),
        }),
      );
    };
    const requests = Array.from({ length: REQUESTS }, (_, i) => {
      const [method, host, at] = [rng() < 0.5 ? 'GET' : 'POST', i % HOSTS, Math.floor(rng() * FIRE_OVER_MS)];
      return new Promise<void>((resolve) => setTimeout(resolve, at)).then(() => fire(i, method, host));
    });
    await allWithin(requests, FIRE_OVER_MS + MAX_ELAPSED + TIMEOUT + SLACK);

    // Every request settled, each within its own budget, with an axios error when it failed.
    expect(settled).toHaveLength(REQUESTS);
    const late = settled.filter((s) => s.ms > MAX_ELAPSED + TIMEOUT + SLACK);
    expect(late).toEqual([]);
    expect(settled.filter((s) => !s.axiosError && !s.ok)).toEqual([]);

    // An order reaches the server again only after its earlier arrivals were refused unprocessed.
    const arrivals = new Map<string, Received[]>();
    for (const r of received) if (r.orderId) arrivals.set(r.orderId, [...(arrivals.get(r.orderId) ?? []), r]);
    const twice = [...arrivals].filter(([, seen]) => seen.slice(0, -1).some((r) => !NOT_PROCESSED.has(r.act.status as number)));
    expect(twice).toEqual([]);

    // Nothing left behind: no timer, no client or server socket; only the listeners remain.
    await exchange.connectionsClosed();
    for (let tick = 0; tick < 3; tick++) await new Promise((resolve) => setImmediate(resolve)); // destroy hooks run a tick later
    resources.stop();
    expect(resources.left('Timeout')).toEqual([]);
    expect(resources.left('TCPWRAP')).toEqual([]);
    // The same, as the process sees it: nothing beyond what was there before, and the listeners.
    const left = count(process.getActiveResourcesInfo());
    expect(left.get('Timeout') ?? 0).toBeLessThanOrEqual(baseline.get('Timeout') ?? 0);
    expect(left.get('TCPSocketWrap') ?? 0).toBeLessThanOrEqual(baseline.get('TCPSocketWrap') ?? 0);
    expect(left.get('TCPServerWrap') ?? 0).toBeLessThanOrEqual((baseline.get('TCPServerWrap') ?? 0) + HOSTS);
    detach();
    agent.destroy();

    // The mix reached every path it is meant to: otherwise the checks above prove little.
    const kinds = [...new Set(received.map((r) => r.act.kind))];
    expect(kinds).toEqual(expect.arrayContaining(['ok', '5xx', '429', '429-garbage', '429-absurd', 'slow', 'reset-after-read']));
    expect(kinds.some((kind) => kind === '408' || kind === '425')).toBe(true);
    expect(exchange.refusedUnread()).toBeGreaterThan(0);
    const reasons = settled.map((s) => s.reason);
    expect(reasons).toEqual(expect.arrayContaining(['unsafe-method', 'retry-after-too-long', 'held-too-long']));
    // An order was sent again after a refusal that said it was not processed (the dice refuse each
    // host's first order): on arrival, as the server counts them, whatever became of it after. Whether
    // that retry then succeeded within its 5 s depends on how loaded the machine is (a busy 2-core one
    // runs out the budget first); that a POST retried after a refusal succeeds is pinned in network.test.ts.
    expect([...arrivals.values()].some((seen) => seen.length > 1 && NOT_PROCESSED.has(seen[0].act.status as number))).toBe(true);
    expect(settled.some((s) => s.ok && s.attempts > 1 && s.method === 'GET')).toBe(true);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// Found while building the mix above.

describe('a 429 on first contact', () => {
  // With nothing admitted there is no pace to learn: the cooldown alone would release every held
  // request at once into a limit still unknown (against Binance, the burst that earns a 418 ban).
  it('ramps up again from one after the cooldown, rather than releasing every held request at once', async () => {
    const LIMIT = 10;
    const answers: Array<{ at: number; status: number }> = [];
    let opensAt = 0;
    let admitted = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const at = Date.now();
        // The window was spent by another client: the first contact is refused for a second, then 10 a window.
        if (opensAt === 0) opensAt = at + 1_000;
        const status = at >= opensAt && admitted < LIMIT ? 200 : 429;
        if (status === 200) admitted++;
        answers.push({ at, status });
        res.writeHead(status, status === 429 ? { 'Retry-After': '1' } : {});
        res.end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const agent = new Agent({ keepAlive: false });
    const controller = new AbortController();
    setMaxListeners(0, controller.signal); // every request listens to the one signal
    try {
      const api = axios.create({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, httpAgent: agent });
      attach(api);
      const requests = Array.from({ length: 60 }, () => api.get('/api/v3/ticker', { signal: controller.signal }).catch(() => undefined));
      while (opensAt === 0 || Date.now() < opensAt + 300) await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      await Promise.all(requests);
      const refusedAfterCooldown = answers.filter((a) => a.at >= opensAt && a.status === 429).length;
      // A ramp (1, 2, 4, 8…) or any pace overshoots the 10 by a round at most.
      expect(refusedAfterCooldown).toBeLessThanOrEqual(16);
    } finally {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});
