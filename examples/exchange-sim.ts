import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './loopback';
import { replyHeaders } from './quota-headers';
import { RateWindow, type Verdict } from './rate-window';
import { mulberry32, resolveSimOptions, type ExchangeSimOptions, type ResolvedSimOptions } from './sim-options';

export type { ExchangeSimOptions } from './sim-options';

export interface ExchangeSimStats {
  /** Every request that reached the server. */
  sent: number;
  /** 200 responses actually written (lost replies are not counted here). */
  ok: number;
  rateLimited: number;
  banned: number;
  outage: number;
  lostReplies: number;
  /** Every recorded fill, duplicates included. */
  ordersFilled: number;
  /** Fills of a client order id that had already filled. */
  duplicateOrders: number;
}

export interface ExchangeSim {
  /** http://127.0.0.1:<port> */
  url: string;
  stats(): ExchangeSimStats;
  /** Arrival time (ms since start) of every request, in order. */
  arrivals(): number[];
  /** Arrival time (ms since start) of every request the rate limiter admitted, in order. */
  admissions(): number[];
  /** Request count per bucket from start to now. */
  histogram(bucketMs: number): number[];
  orderCount(clientOrderId: string): number;
  /** Zeroes counters, windows, bans, orders and the PRNG, and restarts the clock origin. */
  reset(): void;
  /** Closes the server and every socket; leaves no timer. */
  close(): Promise<void>;
}

type Gate = Verdict | { readonly kind: 'outage'; readonly status: number };

const CLIENT_HEADER = 'x-sim-client';
const DEFAULT_CLIENT = 'loopback';
const ORDER_PATH = '/api/v3/order';
const TICKER_BODY = JSON.stringify({ price: '42000.00' });
const LIMITED_BODY = JSON.stringify({ code: -1003, msg: 'Too many requests' });
const BANNED_BODY = JSON.stringify({ code: -1003, msg: 'IP banned' });
const MISSING_ID_BODY = JSON.stringify({ code: -1102, msg: "Mandatory parameter 'newClientOrderId' was not sent" });
const UNKNOWN_ROUTE_BODY = JSON.stringify({ code: -1, msg: 'Unknown route' });

function zeroStats(): ExchangeSimStats {
  return { sent: 0, ok: 0, rateLimited: 0, banned: 0, outage: 0, lostReplies: 0, ordersFilled: 0, duplicateOrders: 0 };
}

type ExtraHeaders = Readonly<Record<string, string>>;

function sendJson(res: http.ServerResponse, status: number, body: string, extra: ExtraHeaders = {}): void {
  res.writeHead(status, { ...extra, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const pathOf = (req: http.IncomingMessage): string => (req.url ?? '').split('?', 1)[0];

function clientOrderId(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const id = (parsed as Record<string, unknown>).newClientOrderId;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

class Exchange implements ExchangeSim {
  readonly url: string;
  private counters = zeroStats();
  private times: number[] = [];
  private admitted: number[] = [];
  private orders = new Map<string, number>();
  private window: RateWindow;
  private random: () => number;
  private origin: number;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: http.Server,
    private readonly opts: ResolvedSimOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.window = new RateWindow(opts);
    this.random = mulberry32(opts.seed);
    this.origin = opts.now();
    server.on('request', (req, res) => this.onRequest(req, res));
  }

  stats(): ExchangeSimStats {
    return { ...this.counters };
  }

  arrivals(): number[] {
    return this.times.slice();
  }

  admissions(): number[] {
    return this.admitted.slice();
  }

  histogram(bucketMs: number): number[] {
    if (!Number.isFinite(bucketMs) || bucketMs <= 0) {
      throw new RangeError(`bucketMs must be a finite number > 0, got ${bucketMs}`);
    }
    const last = Math.max(this.elapsed(), this.times[this.times.length - 1] ?? 0);
    const buckets = new Array<number>(Math.floor(last / bucketMs) + 1).fill(0);
    for (const t of this.times) buckets[Math.floor(t / bucketMs)] += 1;
    return buckets;
  }

  orderCount(clientOrderId: string): number {
    return this.orders.get(clientOrderId) ?? 0;
  }

  reset(): void {
    this.counters = zeroStats();
    this.times = [];
    this.admitted = [];
    this.orders = new Map();
    this.window = new RateWindow(this.opts);
    this.random = mulberry32(this.opts.seed);
    this.origin = this.opts.now();
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      // close() alone waits for in-flight requests, e.g. a client still sending a body.
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private elapsed(): number {
    return Math.max(0, this.opts.now() - this.origin);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const t = this.elapsed();
    this.times.push(t);
    this.counters.sent += 1;
    // Admission is decided at arrival so accounting follows arrival order,
    // but the answer waits for the whole body, as a real server's would.
    const header = req.headers[CLIENT_HEADER];
    const client = typeof header === 'string' ? header : DEFAULT_CLIENT;
    const path = pathOf(req);
    const gate = this.gate(client, t, this.opts.weights.get(path) ?? 1);
    if (gate.kind === 'admit') this.admitted.push(t);
    // The quota as it stands after this request, as a server answering it would declare it.
    const extra = gate.kind === 'outage' ? {} : replyHeaders(this.opts, gate, this.window.quota(client, t));
    const isOrder = req.method === 'POST' && path === ORDER_PATH;
    if (!isOrder || gate.kind !== 'admit') {
      req.resume();
      req.on('end', () => this.answer(req, res, gate, extra));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.fillOrder(req, res, Buffer.concat(chunks).toString('utf8'), extra));
  }

  private gate(client: string, t: number, cost: number): Gate {
    const outage = this.opts.outage;
    if (outage !== null && t >= outage.fromMs && t < outage.toMs) return { kind: 'outage', status: outage.status };
    return this.window.admit(client, t, cost);
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, gate: Gate, extra: ExtraHeaders): void {
    switch (gate.kind) {
      case 'outage':
        this.counters.outage += 1;
        res.writeHead(gate.status, { 'content-length': 0 }).end();
        return;
      case 'limited':
        this.counters.rateLimited += 1;
        return sendJson(res, 429, LIMITED_BODY, extra);
      case 'banned':
        this.counters.banned += 1;
        return sendJson(res, 418, BANNED_BODY, extra);
      case 'admit':
        if (req.method !== 'GET') return sendJson(res, 404, UNKNOWN_ROUTE_BODY, extra);
        this.counters.ok += 1;
        return sendJson(res, 200, TICKER_BODY, extra);
    }
  }

  private fillOrder(req: http.IncomingMessage, res: http.ServerResponse, body: string, extra: ExtraHeaders): void {
    const id = clientOrderId(body);
    if (id === undefined) return sendJson(res, 400, MISSING_ID_BODY, extra);
    const previous = this.orders.get(id) ?? 0;
    this.orders.set(id, previous + 1);
    this.counters.ordersFilled += 1;
    if (previous > 0) this.counters.duplicateOrders += 1;
    // Drawn only for fills, so a seed gives the same lost orders whatever GET traffic runs beside them.
    if (this.random() < this.opts.lostReplyRate) {
      this.counters.lostReplies += 1;
      req.socket.destroy();
      return;
    }
    this.counters.ok += 1;
    sendJson(res, 200, JSON.stringify({ status: 'FILLED', clientOrderId: id }), extra);
  }
}

export async function startExchange(opts: ExchangeSimOptions): Promise<ExchangeSim> {
  const resolved = resolveSimOptions(opts);
  const server = http.createServer();
  await listen(server);
  return new Exchange(server, resolved);
}
