import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { once } from 'node:events';
import { Agent, createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it arrived on the wire. */
export interface Arrival {
  readonly method: string;
  /** Path and query, exactly as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The full raw body, as many bytes as the request carried. */
  readonly body: string;
  /** When the body had been read, epoch ms. */
  readonly at: number;
  /** When the response closed (answered, or the client went away), epoch ms. */
  closedAt?: number;
}

/** What the server does with one attempt: answer, stall, or drop the connection. */
export type Step = (req: IncomingMessage, res: ServerResponse, arrival: Arrival) => void;

/** Answers with a status, a JSON body and headers. */
export function reply(status: number, body: unknown = {}, headers: Record<string, string> = {}): Step {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** Destroys the socket without answering: the client sees a reset after sending. */
export const dropConnection: Step = (req) => {
  req.socket.destroy();
};

/** Runs `step` after `ms`, unless the client has gone by then. */
export function later(ms: number, step: Step): Step {
  return (req, res, arrival) => {
    const timer = setTimeout(() => step(req, res, arrival), ms);
    res.on('close', () => clearTimeout(timer));
  };
}

export interface ScriptedServer {
  readonly url: string;
  readonly port: number;
  readonly arrivals: Arrival[];
  /** Resolves once every response so far has closed (the server learns of a hang-up a little after the client). */
  settled(): Promise<void>;
  /** An axios instance whose connections are closed after each request. */
  client(defaults?: CreateAxiosDefaults): AxiosInstance;
  /** Stops listening, drops every connection and the client sockets. */
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that answers from a script, one step an attempt (the
 * last step repeats), and records every request after reading its whole body.
 */
export async function scriptedServer(script: Step[], port = 0): Promise<ScriptedServer> {
  const arrivals: Arrival[] = [];
  const closings: Array<Promise<unknown>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const arrival: Arrival = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      arrivals.push(arrival);
      closings.push(new Promise((resolve) => res.on('close', () => resolve((arrival.closedAt = Date.now())))));
      script[Math.min(arrivals.length - 1, script.length - 1)](req, res, arrival);
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  // Keep-alive off, and destroyed on close: no client socket outlives a test.
  const agent = new Agent({ keepAlive: false });
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    arrivals,
    settled: async () => {
      await Promise.all(closings);
    },
    client: (defaults = {}) => axios.create({ baseURL: `http://127.0.0.1:${actual}`, httpAgent: agent, ...defaults }),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closed;
    },
  };
}

export { freePort } from '../../examples/loopback';

/** Starts scripted servers that are closed after each test of the calling file. */
export function serversClosedAfterEach(): (script: Step[], port?: number) => Promise<ScriptedServer> {
  const open: ScriptedServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (script, port) => {
    const server = await scriptedServer(script, port);
    open.push(server);
    return server;
  };
}
