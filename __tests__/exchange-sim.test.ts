import axios, { AxiosError } from 'axios';
import { once } from 'node:events';
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import { RateWindow, type RateWindowOptions, type Verdict } from '../examples/rate-window';
import { mulberry32, resolveSimOptions } from '../examples/sim-options';
import { trackResources } from './support/resources';
import { simsOnClock } from './support/sims';

const base: RateWindowOptions = { limit: 2, windowMs: 1000, banThreshold: 3, banMs: 2000 };

function kinds(w: RateWindow, times: number[], client = 'a'): string[] {
  return times.map((t) => describeVerdict(w.admit(client, t)));
}

function describeVerdict(v: Verdict): string {
  return v.kind === 'admit' ? 'ok' : `${v.kind === 'limited' ? 429 : 418}:${v.retryAfterS}`;
}

describe('RateWindow', () => {
  it.each([
    ['admits up to the limit, then 429 until the window ends', [0, 10, 20], ['ok', 'ok', '429:1']],
    ['starts a fresh window at the boundary', [0, 1, 2, 999, 1000, 1001], ['ok', 'ok', '429:1', '429:1', 'ok', 'ok']],
    ['aligns windows to the origin, not the first request', [900, 950, 990, 1000], ['ok', 'ok', '429:1', 'ok']],
  ])('%s', (_name, times, expected) => {
    expect(kinds(new RateWindow(base), times)).toEqual(expected);
  });

  it('rounds Retry-After up to whole seconds until the window ends', () => {
    const w = new RateWindow({ ...base, windowMs: 5000 });
    expect(kinds(w, [0, 0, 0, 3999.5, 4000.5])).toEqual(['ok', 'ok', '429:5', '429:2', '429:1']);
  });

  it('bans a client that sends more than banThreshold requests after its first 429', () => {
    // limit 2 + first 429 + 3 tolerated = 6 requests; the 7th is banned
    expect(kinds(new RateWindow(base), [0, 1, 2, 3, 4, 5, 6])).toEqual([
      'ok', 'ok', '429:1', '429:1', '429:1', '429:1', '418:2',
    ]);
  });

  it('does not extend a ban for requests made during it, and counts its remaining seconds up', () => {
    const w = new RateWindow(base);
    kinds(w, [0, 1, 2, 3, 4, 5, 6]); // banned at 6 until 2006
    expect(kinds(w, [500, 1006.5, 2005, 2006])).toEqual(['418:2', '418:1', '418:1', 'ok']);
  });

  it('doubles the ban on each repeat', () => {
    const w = new RateWindow({ ...base, banThreshold: 0 });
    expect(kinds(w, [0, 1, 2, 3])).toEqual(['ok', 'ok', '429:1', '418:2']); // until 2003
    expect(kinds(w, [3000, 3001, 3002, 3003])).toEqual(['ok', 'ok', '429:1', '418:4']); // until 7003
    expect(kinds(w, [7002, 7003])).toEqual(['418:1', 'ok']);
    expect(kinds(w, [7004, 7005, 7006])).toEqual(['ok', '429:1', '418:8']);
  });

  it('needs a fresh run past a 429 for a repeat ban in the same window', () => {
    const w = new RateWindow({ ...base, windowMs: 10_000, banThreshold: 1, banMs: 1000 });
    expect(kinds(w, [0, 1, 2, 3, 4])).toEqual(['ok', 'ok', '429:10', '429:10', '418:1']);
    expect(kinds(w, [1004, 1005, 1006])).toEqual(['429:9', '429:9', '418:2']);
  });

  it('keeps a separate window and ban per client', () => {
    const w = new RateWindow({ ...base, banThreshold: 0 });
    expect(kinds(w, [0, 1, 2, 3], 'a')).toEqual(['ok', 'ok', '429:1', '418:2']);
    expect(kinds(w, [4, 5, 6], 'b')).toEqual(['ok', 'ok', '429:1']);
  });

  it('limit 0 refuses everything', () => {
    expect(kinds(new RateWindow({ ...base, limit: 0 }), [0, 1])).toEqual(['429:1', '429:1']);
  });
});

describe('resolveSimOptions', () => {
  it('fills the documented defaults', () => {
    const r = resolveSimOptions({ limit: 5 });
    expect(r).toMatchObject({ limit: 5, windowMs: 1000, banThreshold: 40, banMs: 2000, outage: null, lostReplyRate: 0 });
    expect(resolveSimOptions({ limit: 1, outage: { fromMs: 0, toMs: 5 } }).outage).toEqual({ fromMs: 0, toMs: 5, status: 503 });
  });

  it.each([
    [{ limit: -1 }, 'limit must be a whole number >= 0, got -1'],
    [{ limit: 1.5 }, 'limit must be a whole number >= 0, got 1.5'],
    [{ limit: 1, windowMs: 0 }, 'windowMs must be a finite number in [1, '],
    [{ limit: 1, lostReplyRate: 2 }, 'lostReplyRate must be a finite number in [0, 1], got 2'],
    [{ limit: 1, outage: { fromMs: 10, toMs: 5 } }, 'outage.toMs must be a finite number in [10, '],
    [{ limit: 1, outage: { fromMs: 0, toMs: 5, status: 700 } }, 'outage.status must be an HTTP status 100..599, got 700'],
  ])('rejects %j', (opts, message) => {
    expect(() => resolveSimOptions(opts)).toThrow(message);
  });
});

describe('mulberry32', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

// libuv releases a closed handle a turn after its close callback has run.
async function settledServersAndSockets(): Promise<string[]> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  const watched = ['TCPServerWrap', 'TCPSocketWrap'];
  return process.getActiveResourcesInfo().filter((r) => watched.includes(r)).sort();
}

describe('exchange simulator over loopback', () => {
  const { clock, start, http } = simsOnClock();

  it('answers 200 up to the limit, then 429 with Retry-After and the exchange body', async () => {
    const sim = await start({ limit: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await http.get(`${sim.url}/api/v3/ticker`));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[0].data).toEqual({ price: '42000.00' });
    expect(statuses[2].headers['retry-after']).toBe('1');
    expect(statuses[2].data).toEqual({ code: -1003, msg: 'Too many requests' });
    clock.now = 250;
    expect(sim.stats()).toMatchObject({ sent: 3, ok: 2, rateLimited: 1 });
    expect(sim.arrivals()).toEqual([0, 0, 0]);
    expect(sim.histogram(100)).toEqual([3, 0, 0]);
  });

  it('records a filled order, counts a duplicate, and does not record a rate-limited one', async () => {
    const sim = await start({ limit: 2 });
    const order = (id: string) => http.post(`${sim.url}/api/v3/order`, { symbol: 'BTCUSDT', newClientOrderId: id });
    const replies = [await order('a'), await order('a'), await order('b')];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(replies[0].data).toEqual({ status: 'FILLED', clientOrderId: 'a' });
    expect([sim.orderCount('a'), sim.orderCount('b')]).toEqual([2, 0]);
    expect(sim.stats()).toMatchObject({ ordersFilled: 2, duplicateOrders: 1, rateLimited: 1 });
  });

  it('keeps a separate bucket per x-sim-client header', async () => {
    const sim = await start({ limit: 1 });
    const get = (client: string) => http.get(`${sim.url}/x`, { headers: { 'x-sim-client': client } });
    const statuses = [(await get('a')).status, (await get('a')).status, (await get('b')).status];
    expect(statuses).toEqual([200, 429, 200]);
  });

  it('answers every request with the outage status during the outage', async () => {
    const sim = await start({ limit: 1, outage: { fromMs: 100, toMs: 200, status: 502 } });
    clock.now = 150;
    const during = [(await http.get(sim.url)).status, (await http.post(`${sim.url}/api/v3/order`, { newClientOrderId: 'x' })).status];
    clock.now = 200;
    expect([...during, (await http.get(sim.url)).status]).toEqual([502, 502, 200]);
    expect(sim.stats()).toMatchObject({ sent: 3, outage: 2, ok: 1 });
    expect(sim.orderCount('x')).toBe(0);
  });

  it('loses the reply of a filled order by destroying the socket', async () => {
    const sim = await start({ limit: 5, lostReplyRate: 1 });
    const err: unknown = await http.post(`${sim.url}/api/v3/order`, { newClientOrderId: 'lost' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AxiosError);
    const { code, message } = err as AxiosError;
    expect(code === 'ECONNRESET' || message === 'socket hang up').toBe(true);
    expect(sim.orderCount('lost')).toBe(1);
    expect(sim.stats()).toMatchObject({ lostReplies: 1, ordersFilled: 1, ok: 0 });
  });

  it('reset() zeroes everything and restarts the clock origin', async () => {
    const sim = await start({ limit: 1 });
    await http.get(sim.url);
    await http.post(`${sim.url}/api/v3/order`, { newClientOrderId: 'r' });
    clock.now = 5000;
    sim.reset();
    expect(sim.stats()).toMatchObject({ sent: 0, rateLimited: 0 });
    expect([sim.arrivals(), sim.orderCount('r')]).toEqual([[], 0]);
    clock.now = 5010;
    expect((await http.get(sim.url)).status).toBe(200);
    expect(sim.arrivals()).toEqual([10]);
  });

  it('close() stops listening and leaves no server, socket or timer behind', async () => {
    const before = await settledServersAndSockets();
    // Timers are told apart by where they were made: jest's own and Node's HTTP Date cache
    // come and go during the test, so a count of every 'Timeout' cannot say what is ours.
    const timers = trackResources();
    const sim = await start({ limit: 5 });
    const reply = await axios.get(sim.url, { httpAgent: new Agent({ keepAlive: true }) });
    const socket: Socket = reply.request.socket;
    await sim.close();
    await sim.close();
    // The server destroyed the idle keep-alive socket; the client learns it one event later.
    if (!socket.destroyed) await once(socket, 'close');
    const err: unknown = await http.get(sim.url).catch((e: unknown) => e);
    expect((err as AxiosError).code).toBe('ECONNREFUSED');
    expect(await settledServersAndSockets()).toEqual(before);
    timers.stop();
    expect(timers.left('Timeout')).toEqual([]);
  });
});
