import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../examples/loopback';

/** A TCP proxy on 127.0.0.1 that holds every chunk `oneWayMs` each way: a round trip of twice that. */
export interface DelayProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** Forwards `chunk` after `ms`; a constant delay keeps the order of a stream. */
function later(to: Socket, ms: number): (chunk: Buffer) => void {
  return (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, ms);
  };
}

export async function delayProxy(targetPort: number, oneWayMs: number): Promise<DelayProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', later(upstream, oneWayMs));
    upstream.on('data', later(client, oneWayMs));
    client.on('close', () => setTimeout(() => upstream.destroy(), oneWayMs));
    upstream.on('close', () => setTimeout(() => client.destroy(), oneWayMs));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
