// Run in a child process by network.test.ts: one retried GET against a loopback
// server, then everything closed. It prints what still holds the event loop and
// does nothing else, so the process must exit by itself.
import { attach, constant } from '../../lib';
import { reply, scriptedServer } from './server';

async function main(): Promise<void> {
  const server = await scriptedServer([reply(503), reply(200, { ok: true })]);
  const api = server.client();
  attach(api, { strategy: constant(10) });
  const response = await api.get('/api/v3/ticker');
  await server.close();
  process.stdout.write(
    `${JSON.stringify({ status: response.status, arrivals: server.arrivals.length, resources: process.getActiveResourcesInfo() })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
