import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './loopback';
import {
  SHAPES, type Answer, type ExchangeKind, type ExchangeShape, type MockRequest, type OrderRecord, type RouteName,
} from './exchange-shapes';

export type { ExchangeKind, RouteName } from './exchange-shapes';

/** What the mock does with one request to a route. */
export type Step =
  /** The route's normal answer: a ticker, an accepted order, the order looked up. */
  | { readonly kind: 'ok' }
  /** Refused for rate, in the exchange's shape; `waitMs` (default 1000) goes into its reset header, if it has one. */
  | { readonly kind: 'rate-limited'; readonly waitMs?: number }
  /** A 5xx (default 503) before anything is recorded: the order was not placed. */
  | { readonly kind: 'server-error'; readonly status?: number }
  /** The order is recorded, then the connection is dropped: the reply is lost. */
  | { readonly kind: 'lost-reply' }
  /** The order is recorded, then a 5xx (default 500) is answered. */
  | { readonly kind: 'error-after-record'; readonly status?: number }
  /** Any answer, as given. */
  | { readonly kind: 'reply'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: unknown };

export type StepKind = Step['kind'];

/** A route's steps: one per request in order (then `ok`), or a function of the request's index on that route. */
export type RouteScript = readonly Step[] | ((index: number) => Step);
export type MockScript = Partial<Record<RouteName, RouteScript>>;

export const OK: Step = { kind: 'ok' };

/** One request as it reached the mock, after its whole body was read. */
export interface MockArrival {
  readonly route: RouteName | undefined;
  readonly method: string;
  /** Path and query, exactly as sent. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Epoch ms. */
  readonly at: number;
  /** What the mock did with it; `unrouted` for a path the exchange does not serve. */
  readonly step: StepKind | 'unrouted';
}

export interface MockExchange {
  readonly kind: ExchangeKind;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Requests that reached the server, in all or on one route. */
  requests(route?: RouteName): number;
  arrivals(route?: RouteName): readonly MockArrival[];
  /** How many requests were answered with a step of this kind. */
  answered(kind: StepKind): number;
  /** Orders recorded under this client order id: more than 1 is a double placement. */
  orderCount(clientOrderId: string): number;
  /** Orders recorded per client order id. */
  orderCounts(): Record<string, number>;
  /** Stops listening and drops every connection; leaves nothing running. */
  close(): Promise<void>;
}

const ROUTES: readonly RouteName[] = ['ticker', 'order', 'query'];
const RECORDING: ReadonlySet<StepKind> = new Set(['ok', 'lost-reply', 'error-after-record']);

function fieldsOf(body: string, contentType: string | undefined): Record<string, string> {
  if (body === '') return {};
  if ((contentType ?? '').includes('json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function write(res: http.ServerResponse, answer: Answer): void {
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

function stepAt(script: RouteScript | undefined, index: number): Step {
  if (script === undefined) return OK;
  if (typeof script === 'function') return script(index);
  return script[index] ?? OK;
}

class Mock implements MockExchange {
  readonly url: string;
  private readonly shape: ExchangeShape;
  private readonly log: MockArrival[] = [];
  private readonly orders = new Map<string, OrderRecord[]>();
  private readonly steps = new Map<StepKind, number>();
  private sequence = 0;
  private closing: Promise<void> | undefined;

  constructor(readonly kind: ExchangeKind, private readonly server: http.Server, private readonly script: MockScript) {
    this.shape = SHAPES[kind];
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.answer(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  requests(route?: RouteName): number {
    return this.arrivals(route).length;
  }

  arrivals(route?: RouteName): readonly MockArrival[] {
    return route === undefined ? this.log.slice() : this.log.filter((a) => a.route === route);
  }

  answered(kind: StepKind): number {
    return this.steps.get(kind) ?? 0;
  }

  orderCount(clientOrderId: string): number {
    return this.orders.get(clientOrderId)?.length ?? 0;
  }

  orderCounts(): Record<string, number> {
    return Object.fromEntries([...this.orders].map(([id, list]) => [id, list.length]));
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // close() alone waits for idle keep-alive sockets to time out.
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', this.url);
    const request: MockRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      fields: fieldsOf(body, req.headers['content-type']),
    };
    const routed = this.shape.route(request);
    const base = { method: request.method, url: req.url ?? '', headers: req.headers, body, at: Date.now() };
    if (!routed) {
      this.log.push({ ...base, route: undefined, step: 'unrouted' });
      return write(res, { status: 404, body: { message: `${request.method} ${request.path} is not served by this ${this.kind} mock` } });
    }
    const step = stepAt(this.script[routed.name], this.requests(routed.name));
    this.log.push({ ...base, route: routed.name, step: step.kind });
    this.steps.set(step.kind, this.answered(step.kind) + 1);
    const now = Date.now();
    const order = routed.name === 'order' && RECORDING.has(step.kind) ? this.record(routed.clientOrderId, request, now) : undefined;
    switch (step.kind) {
      case 'ok':
        return write(res, this.normal(routed.name, routed.clientOrderId, order, now));
      case 'rate-limited':
        return write(res, this.shape.rateLimited(step.waitMs ?? 1000, now));
      case 'server-error':
        return write(res, this.shape.serverError(step.status ?? 503, now));
      case 'error-after-record':
        return write(res, this.shape.serverError(step.status ?? 500, now));
      case 'lost-reply':
        // The server has acted; the client only sees its connection drop.
        req.socket.destroy();
        return;
      case 'reply':
        return write(res, { status: step.status, headers: step.headers, body: step.body });
    }
  }

  private normal(route: RouteName, clientOrderId: string | undefined, order: OrderRecord | undefined, now: number): Answer {
    if (route === 'ticker') return this.shape.ticker(now);
    if (route === 'order') return this.shape.placed(order as OrderRecord, now);
    const found = clientOrderId === undefined ? undefined : this.orders.get(clientOrderId)?.[0];
    return this.shape.lookedUp(found, now);
  }

  /** Every order is kept, a reused client order id included (not every exchange refuses one): a double placement shows. */
  private record(clientOrderId: string | undefined, request: MockRequest, now: number): OrderRecord {
    this.sequence += 1;
    const id = clientOrderId ?? `mock-${this.sequence}`;
    const fields = { ...Object.fromEntries(request.query), ...request.fields };
    const order: OrderRecord = { clientOrderId: id, orderId: this.shape.orderId(this.sequence), at: now, fields };
    this.orders.set(id, [...(this.orders.get(id) ?? []), order]);
    return order;
  }
}


/**
 * A loopback server answering like `kind`'s REST API: a ticker, order placement and a lookup
 * by client order id, each route following its script, then answering normally.
 */
export async function startMockExchange(kind: ExchangeKind, script: MockScript = {}): Promise<MockExchange> {
  if (!Object.prototype.hasOwnProperty.call(SHAPES, kind)) {
    throw new RangeError(`kind must be one of ${Object.keys(SHAPES).join(', ')}, got ${String(kind)}`);
  }
  const unknownRoute = Object.keys(script).find((name) => !ROUTES.includes(name as RouteName));
  if (unknownRoute) throw new RangeError(`script routes must be among ${ROUTES.join(', ')}, got ${unknownRoute}`);
  const server = http.createServer();
  await listen(server);
  return new Mock(kind, server, script);
}
