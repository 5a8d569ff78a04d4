/** The routes every mock serves, in its exchange's own paths. */
export type RouteName = 'ticker' | 'order' | 'query';

/** A request as a shape reads it: parameters from the query string and from the body alike. */
export interface MockRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The body's fields, from JSON or a form. */
  readonly fields: Readonly<Record<string, string>>;
}

/** A request a shape recognised, and the client order id it names (placing and looking up orders). */
export interface Routed {
  readonly name: RouteName;
  readonly clientOrderId?: string;
}

/** What the server writes: a status, headers and a JSON body. */
export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** One order the mock accepted. */
export interface OrderRecord {
  readonly clientOrderId: string;
  readonly orderId: string;
  /** Epoch ms. */
  readonly at: number;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * One exchange's routes and answers, in the shapes its documentation gives. Every answer
 * receives `now` (epoch ms) so timestamps and reset headers agree with the server's clock.
 */
export interface ExchangeShape {
  route(req: MockRequest): Routed | undefined;
  orderId(sequence: number): string;
  ticker(now: number): Answer;
  placed(order: OrderRecord, now: number): Answer;
  /** The answer to a lookup by client order id, the order being absent when undefined. */
  lookedUp(order: OrderRecord | undefined, now: number): Answer;
  /** Refused for rate; `waitMs` goes into the exchange's reset header, where it has one. */
  rateLimited(waitMs: number, now: number): Answer;
  /** A server error whose body says nothing about whether the request was acted on. */
  serverError(status: number, now: number): Answer;
}

/** A parameter from the query string, else from the body. */
export function param(req: MockRequest, name: string): string | undefined {
  return req.query.get(name) ?? req.fields[name];
}

export function is(req: MockRequest, method: string, path: string): boolean {
  return req.method === method && req.path === path;
}
