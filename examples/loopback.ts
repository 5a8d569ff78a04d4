import type * as http from 'node:http';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/** Listens on a free port of 127.0.0.1; rejects if the server cannot. */
export function listen(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A port nothing listens on, as far as the system knows right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
