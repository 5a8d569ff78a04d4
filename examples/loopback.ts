import type * as http from 'node:http';

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
