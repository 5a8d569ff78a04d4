import Redis from 'ioredis';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { attach } from '../lib';
import { redisStore, type RedisBackoffStore, type RedisStatusEvent, type RedisStoreOptions } from '../lib/redis';
import { keysOf as keysOfForTest } from '../lib/redis/keys';
import { Link } from '../lib/redis/link';
import { resolveRedisOptions } from '../lib/redis/options';
import { launchRedis } from '../bench/redis-server';
import { redisServer, type RedisServer } from './support/redis-server';
import { freePort, reply, serversClosedAfterEach, type Step } from './support/server';

// A real redis-server on a free port; without one these tests fail, they never skip.
let server: RedisServer;
beforeAll(async () => {
  server = await redisServer();
});
afterAll(() => server?.stop());

const http = serversClosedAfterEach();
const opened: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

let prefix = '';
let tests = 0;
beforeEach(() => {
  prefix = `test-${++tests}`;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, within = 2000): Promise<void> {
  const deadline = Date.now() + within;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not true within ${within} ms: ${what}`);
    await sleep(10);
  }
}

/**
 * One "process": its own connection, reconnecting quickly after a restart. ioredis
 * waits disconnectTimeout (2 s by default) for a dead socket to close: keep it short.
 */
function connection(port = server.port): Redis {
  const redis = new Redis(port, '127.0.0.1', { retryStrategy: () => 50, disconnectTimeout: 50 });
  redis.on('error', () => undefined); // reconnection errors while a test has stopped the server
  opened.push(() => redis.disconnect());
  return redis;
}

function store(options: RedisStoreOptions = {}, redis = connection()): RedisBackoffStore {
  const made = redisStore(redis, { prefix, ...options });
  opened.push(() => made.close());
  return made;
}

const keyOf = (key: string, what: string) => `${prefix}:{${key}}:${what}`;

/** A process that goes on taking from key k's pace every `every` ms for `ms`: it keeps its heartbeat and `used` moving. */
async function takeFor(s: RedisBackoffStore, spec: { capacity: number; refillPerMs: number; periodMs: number }, ms: number, every: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await s.take('k', 'pace', 1, spec, Date.now());
    await sleep(every);
  }
}

/** 200 to everything, except the first request to `path`: 429 with a 400 ms reset (KuCoin's ms header). */
function limitedOnce(path: string): Step {
  let limited = false;
  return (req, res, arrival) => {
    if (req.url !== path || limited) return reply(200)(req, res, arrival);
    limited = true;
    reply(429, { code: '429000' }, { 'gw-ratelimit-remaining': '0', 'gw-ratelimit-reset': '400' })(req, res, arrival);
  };
}

describe('redisStore options', () => {
  const lazy = () => new Redis({ lazyConnect: true });

  it.each([
    [{ timeoutMs: 0 }, 'timeoutMs must be a number of ms > 0 and <= 2147483647, got 0'],
    [{ retryEveryMs: NaN }, 'retryEveryMs must be a number of ms > 0 and <= 2147483647, got NaN'],
    [{ prefix: '' }, 'prefix must be a non-empty string, got ""'],
    [{ onStatus: 'log' }, 'onStatus must be a function, got "log"'],
    [{ now: 5 }, 'now must be a function, got 5'],
    [{ ttl: 5 }, 'redisStore has an unknown option "ttl"; known: prefix, timeoutMs, retryEveryMs, onStatus, now'],
  ])('names the option and the value: %p', (options, message) => {
    expect(() => redisStore(lazy(), options as RedisStoreOptions)).toThrow(message);
  });

  it('names what a client that is not an ioredis client lacks', () => {
    expect(() => redisStore({ ping: () => Promise.resolve('PONG') } as never)).toThrow(
      'client must be an ioredis client (new Redis(url)); it lacks evalsha, eval, script, duplicate',
    );
  });

  it('types the client by shape: an ioredis Redis fits, an object without its methods does not', () => {
    const root = path.join(__dirname, '..');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-types-'));
    const head = `import Redis from '${path.join(root, 'node_modules/ioredis')}';\n`
      + `import { redisStore, type RedisClient } from '${path.join(root, 'lib/redis')}';\n`;
    const fits = path.join(dir, 'fits.ts');
    fs.writeFileSync(fits, `${head}const redis = new Redis();\nconst client: RedisClient = redis;\nredisStore(redis, { prefix: 'x' });\nexport { client };\n`);
    const lacks = path.join(dir, 'lacks.ts');
    fs.writeFileSync(lacks, `${head}redisStore({ ping: () => Promise.resolve('PONG') });\nexport {};\n`);
    try {
      const check = (file: string) => {
        const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
        const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
        const program = ts.createProgram([file], { ...options, noEmit: true, typeRoots: [path.join(root, 'node_modules/@types')] });
        return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      };
      expect(check(fits)).toEqual([]);
      expect(check(lacks).join('\n')).toMatch(/missing the following properties from type 'RedisClient': evalsha, eval, script, duplicate/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the fallback switch', () => {
  function fakeTimers() {
    const live = new Set<number>();
    let next = 0;
    return {
      live,
      setTimeout: () => (live.add(++next), next),
      clearTimeout: (handle: unknown) => live.delete(handle as number),
    };
  }

  function link(ping: () => Promise<unknown>) {
    let now = 0;
    const events: RedisStatusEvent[] = [];
    const options = resolveRedisOptions({ retryEveryMs: 1000, onStatus: (e) => events.push(e), now: () => now });
    const timers = fakeTimers();
    const recovered = jest.fn();
    const made = new Link(options, timers, ping, recovered);
    return { link: made, events, timers, recovered, advance: (ms: number) => (now += ms) };
  }

  it('clears the timeout of every call that settles', async () => {
    const { link: l, timers } = link(() => Promise.resolve('PONG'));
    await l.run(() => Promise.resolve(1));
    await expect(l.run(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(timers.live.size).toBe(0);
  });

  it('says fallback once, pings only every retryEveryMs, says recovered once, then uses Redis again', async () => {
    let pings = 0;
    let answer = false;
    const t = link(() => (pings++, answer ? Promise.resolve('PONG') : Promise.reject(new Error('refused'))));
    await expect(t.link.run(() => Promise.reject(new Error('refused')))).rejects.toThrow();
    await expect(t.link.run(() => Promise.reject(new Error('again')))).rejects.toThrow();
    expect(t.events).toEqual([{ status: 'fallback', error: new Error('refused') }]);
    expect(t.link.useRedis()).toBe(false);
    t.advance(999);
    expect(t.link.useRedis()).toBe(false);
    expect(pings).toBe(0);
    t.advance(1);
    t.link.useRedis();
    await sleep(0);
    expect(pings).toBe(1);
    t.advance(500);
    answer = true;
    t.link.useRedis();
    expect(pings).toBe(1);
    t.advance(500);
    t.link.useRedis();
    await sleep(0);
    expect(t.events.map((e) => e.status)).toEqual(['fallback', 'recovered']);
    expect(t.recovered).toHaveBeenCalledTimes(1);
    expect(t.link.useRedis()).toBe(true);
    expect(t.timers.live.size).toBe(0);
  });

  it('keeps going when the onStatus hook throws', async () => {
    const options = resolveRedisOptions({ onStatus: () => { throw new Error('hook'); } });
    const l = new Link(options, fakeTimers(), () => Promise.resolve('PONG'), () => undefined);
    await expect(l.run(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(l.useRedis()).toBe(false);
  });
});

describe('sharing between processes', () => {
  it('holds a request of one store until a cooldown another store learned ends', async () => {
    const site = await http([limitedOnce('/order')]);
    const a = site.client();
    const b = site.client();
    attach(a, { store: store() });
    attach(b, { store: store() });
    await b.get('/warm-up'); // B has prepared the origin and listens
    const placed = a.post('/order', { qty: 1 });
    await until('A was limited', () => site.arrivals.some((x) => x.url === '/order'));
    const limitedAt = site.arrivals.find((x) => x.url === '/order')!.at;
    await sleep(50);
    const sentAt = Date.now();
    await b.get('/after');
    await placed;
    const after = site.arrivals.find((x) => x.url === '/after')!;
    expect(after.at).toBeGreaterThanOrEqual(limitedAt + 400 - 5);
    expect(after.at - sentAt).toBeGreaterThan(300);
    expect(site.arrivals.filter((x) => x.at > limitedAt && x.at < limitedAt + 395)).toEqual([]);
  });

  it('holds the first request of a store that starts during a cooldown, and sends nothing before it ends', async () => {
    const site = await http([reply(200)]);
    const setAt = Date.now();
    store().setCooldown(site.url, setAt + 400);
    const admin = connection();
    await until('the cooldown is in Redis', async () => (await admin.pttl(keyOf(site.url, 'cooldown'))) > 0);
    const api = site.client();
    attach(api, { store: store() });
    await api.get('/first');
    expect(site.arrivals).toHaveLength(1);
    expect(site.arrivals[0].at).toBeGreaterThanOrEqual(setAt + 400 - 5);
  });

  it('tells the other stores of a breaker, a pace and a cooldown within a round trip', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setBreaker('k', { failures: 5, probing: true });
    a.setPace('k', { capacity: 10, periodMs: 1000 });
    a.setCooldown('k', Date.now() + 300);
    await until('B sees them', () => b.breaker('k').probing && b.pace('k') !== undefined && b.cooldownUntil('k') > 0, 250);
    expect(b.breaker('k')).toEqual({ failures: 5, probing: true });
    expect(b.pace('k')).toEqual({ capacity: 10, periodMs: 1000 });
    a.setBreaker('k', { failures: 0, probing: false });
    a.setPace('k', undefined);
    await until('B sees them cleared', () => !b.breaker('k').probing && b.pace('k') === undefined, 250);
  });

  it('trusts no process clock: stores whose clocks are two hours apart agree on a cooldown', async () => {
    const ahead = () => Date.now() + 3_600_000;
    const behind = () => Date.now() - 3_600_000;
    const [a, b] = [store({ now: ahead }), store({ now: behind })];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setCooldown('k', ahead() + 300);
    await until('B sees it', () => b.cooldownUntil('k') > 0, 250);
    expect(b.cooldownUntil('k') - behind()).toBeGreaterThan(250);
    expect(b.cooldownUntil('k') - behind()).toBeLessThanOrEqual(300);
    const late = store({ now: behind });
    await late.prepare('k');
    expect(late.cooldownUntil('k') - behind()).toBeGreaterThan(200);
    expect(late.cooldownUntil('k') - behind()).toBeLessThanOrEqual(300);
  });

  it('takes the budget atomically: of 50 concurrent takers on two connections, exactly capacity / cost succeed', async () => {
    const [a, b] = [store(), store()];
    const spec = { capacity: 100, refillPerMs: 0 };
    const takes = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).take('k', 'budget', 5, spec, Date.now())));
    expect(takes.filter((t) => t.ok)).toHaveLength(20);
    expect(takes.find((t) => !t.ok)).toEqual({ ok: false, waitMs: Infinity });
    a.give('k', 'budget', 10, spec, Date.now());
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await b.take('k', 'budget', 5, spec, Date.now()));
    expect(more.map((t) => t.ok)).toEqual([true, true, false]);
  });

  it('paces in fixed windows shared by every store, of the size Redis holds whatever a caller thinks it is', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 3, periodMs: 300 });
    await until('B sees the pace', () => b.pace('k') !== undefined, 250);
    const spec = { capacity: 100, refillPerMs: 0, periodMs: 300 };
    const takes = await Promise.all([a, b, a, b, a].map((s) => s.take('k', 'pace', 1, spec, Date.now())));
    expect(takes.filter((t) => t.ok)).toHaveLength(3);
    const refused = takes.find((t) => !t.ok) as { waitMs: number };
    expect(refused.waitMs).toBeGreaterThan(250);
    expect(refused.waitMs).toBeLessThanOrEqual(300);
  });
});

describe('one pace per origin, held in Redis', () => {
  const rate = (admin: Redis) => admin.hmget(keyOf('k', 'rate'), 'capacity', 'periodMs');

  it('adds up what each process saw one window admit, and every process releases at the sum', async () => {
    const [a, b, admin] = [store(), store(), connection()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 7, periodMs: 1_040 }, { lessonAt: Date.now() });
    b.setPace('k', { capacity: 13, periodMs: 1_050 }, { lessonAt: Date.now() });
    const sum = { capacity: 20, periodMs: 1_050 };
    await until('both hold the sum', () => a.pace('k')?.capacity === 20 && b.pace('k')?.capacity === 20, 500);
    expect([a.pace('k'), b.pace('k')]).toEqual([sum, sum]);
    expect(await rate(admin)).toEqual(['20', '1050']);
    // A pace worked out from the one in force (grown, cut) is the whole pace: it replaces the lesson.
    b.setPace('k', { capacity: 14, periodMs: 1_050 });
    await until('A holds the whole pace', () => a.pace('k')?.capacity === 14, 500);
    expect(await rate(admin)).toEqual(['14', '1050']);
  });

  it('teaches no pace from a few requests refused with none known before (another client spent the window), until the lesson adds up to a measure', async () => {
    const [a, b, admin] = [store(), store(), connection()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    const refused = Date.now();
    a.setPace('k', { capacity: 1, periodMs: 1_000 }, { lessonAt: refused });
    await until('A hears there is no pace yet', async () => (await rate(admin))[0] === '0' && a.pace('k') === undefined, 500);
    expect(await a.take('k', 'pace', 1, { capacity: 1, refillPerMs: 0, periodMs: 1_000 }, Date.now())).toEqual({ ok: true });
    // Another process' part of the same window: together, a measure.
    b.setPace('k', { capacity: 6, periodMs: 1_000 }, { lessonAt: refused + 5 });
    await until('both hold the sum', () => a.pace('k')?.capacity === 7 && b.pace('k')?.capacity === 7, 500);
    // With a pace in force, a small lesson is a measure: the window was spent by these processes.
    a.setPace('k', { capacity: 2, periodMs: 1_000 }, { lessonAt: refused + 2_000 });
    await until('the new lesson is in force', () => b.pace('k')?.capacity === 2, 500);
  });

  it('takes a share answered late, of a refusal in the lesson\'s window, into that lesson; one of an older lesson changes nothing', async () => {
    const [a, b, admin] = [store(), store(), connection()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    const refused = Date.now();
    a.setPace('k', { capacity: 10, periodMs: 200 }, { lessonAt: refused });
    await sleep(300);
    // Sent before the refusal, answered after the cooldown: one more the same window admitted.
    b.setPace('k', { capacity: 5, periodMs: 200 }, { lessonAt: refused + 20 });
    await until('A holds the sum', () => a.pace('k')?.capacity === 15, 500);
    b.setPace('k', { capacity: 1, periodMs: 200 }, { lessonAt: refused - 1_000 });
    await sleep(100);
    expect(await rate(admin)).toEqual(['15', '200']);
  });

  it('starts a new lesson with a share of a refusal more than a window after the last one\'s', async () => {
    const [a, b, admin] = [store(), store(), connection()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 10, periodMs: 200 }, { lessonAt: Date.now() });
    await until('B holds it', () => b.pace('k')?.capacity === 10, 500);
    await sleep(250);
    // Refused 250 ms later: a window of 200 ms has passed.
    b.setPace('k', { capacity: 4, periodMs: 200 }, { lessonAt: Date.now() });
    await until('A holds the new lesson alone', () => a.pace('k')?.capacity === 4, 500);
    expect(await rate(admin)).toEqual(['4', '200']);
  });

  it('puts the windows where a lesson says they start, in Redis\' time', async () => {
    const a = store();
    await a.prepare('k');
    // The window began 900 ms ago by this process' clock: it ends in about 100 ms.
    a.setPace('k', { capacity: 4, periodMs: 1_000 }, { windowStart: Date.now() - 900, lessonAt: Date.now() });
    const spec = { capacity: 4, refillPerMs: 0, periodMs: 1_000 };
    const takes = [];
    for (let i = 0; i < 5; i++) takes.push(await a.take('k', 'pace', 1, spec, Date.now()));
    expect(takes.slice(0, 4)).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
    const refused = takes[4] as { ok: false; waitMs: number };
    expect(refused.ok).toBe(false);
    expect(refused.waitMs).toBeLessThanOrEqual(150);
  });

  it('drops a pace no live process vouches for (it learned alone, then died), and no process that holds a copy writes it back', async () => {
    const admin = connection();
    const [learned, other, late] = [store(), store(), store()];
    await Promise.all([learned.prepare('k'), other.prepare('k'), late.prepare('k')]);
    learned.setPace('k', { capacity: 4, periodMs: 1_000 }, { lessonAt: Date.now() });
    await until('the others hold it', () => other.pace('k') !== undefined && late.pace('k') !== undefined, 500);
    const spec = { capacity: 4, refillPerMs: 0, periodMs: 1_000 };
    // The process that learned it dies (its heartbeat stops); the other goes on taking, past the live span (3 s).
    await learned.close();
    await until('the pace is dropped', async () => {
      await other.take('k', 'pace', 1, spec, Date.now());
      return other.pace('k') === undefined;
    }, 6_000);
    expect(await rate(admin)).toEqual([null, null]);
    // A store that still held a copy learns it was dropped: it does not put it back.
    expect(await late.take('k', 'pace', 1, spec, Date.now())).toEqual({ ok: true });
    expect(late.pace('k')).toBeUndefined();
    expect(await rate(admin)).toEqual([null, null]);
  }, 15_000);

  it('keeps a pace whose only voucher is alive but quiet: its heartbeat vouches, however long it sends nothing', async () => {
    const admin = connection();
    const [quiet, busy] = [store(), store()];
    await Promise.all([quiet.prepare('k'), busy.prepare('k')]);
    quiet.setPace('k', { capacity: 10, periodMs: 1_000 }, { lessonAt: Date.now() });
    await until('the busy one holds it', () => busy.pace('k') !== undefined, 500);
    await takeFor(busy, { capacity: 10, refillPerMs: 0, periodMs: 1_000 }, 4_000, 250);
    expect(busy.pace('k')).toEqual({ capacity: 10, periodMs: 1_000 });
    expect(await rate(admin)).toEqual(['10', '1000']);
  }, 15_000);

  it('keeps a pace while any live process vouches for it, though the one whose lesson was largest died', async () => {
    const admin = connection();
    const [dead, live] = [store(), store()];
    await Promise.all([dead.prepare('k'), live.prepare('k')]);
    dead.setPace('k', { capacity: 15, periodMs: 1_000 }, { lessonAt: Date.now() });
    live.setPace('k', { capacity: 5, periodMs: 1_000 }, { lessonAt: Date.now() });
    await until('the sum is in force', () => live.pace('k')?.capacity === 20, 500);
    await dead.close();
    await takeFor(live, { capacity: 20, refillPerMs: 0, periodMs: 1_000 }, 3_600, 100);
    // The lesson was the origin's: the survivor releases at the whole of it.
    expect(live.pace('k')).toEqual({ capacity: 20, periodMs: 1_000 });
    expect(await rate(admin)).toEqual(['20', '1000']);
  }, 15_000);

  it('leases the tokens its held requests want in one round trip, up to its share of the window, and never past it', async () => {
    const [a, b] = [store(), store()];
    // Only A uses the key yet (B has not prepared it): A's share is the whole window.
    await a.prepare('k');
    a.setPace('k', { capacity: 10, periodMs: 1_000 });
    await until('B holds the pace', () => b.pace('k') !== undefined, 500);
    const spec = { capacity: 10, refillPerMs: 0, periodMs: 1_000 };
    const now = Date.now();
    // Ten requests held: the first asks Redis for ten, the other nine are served from the lease at once.
    expect(await a.take('k', 'pace', 1, spec, now, 10)).toEqual({ ok: true });
    const leased = Array.from({ length: 9 }, () => a.take('k', 'pace', 1, spec, now));
    expect(leased.every((t) => !(t instanceof Promise) && t.ok)).toBe(true);
    // The window is spent, for this process and for the other.
    expect((await a.take('k', 'pace', 1, spec, now)).ok).toBe(false);
    expect((await b.take('k', 'pace', 1, spec, Date.now())).ok).toBe(false);
  });

  it('leases no token past a refusal: a 429 ends what was taken ahead', async () => {
    const a = store();
    await a.prepare('k');
    a.setPace('k', { capacity: 10, periodMs: 1_000 });
    const spec = { capacity: 10, refillPerMs: 0, periodMs: 1_000 };
    await until('in Redis', async () => (await a.take('k', 'pace', 1, spec, Date.now(), 5)).ok);
    a.setCooldown('k', Date.now() + 1_000);
    expect(a.take('k', 'pace', 1, spec, Date.now())).toBeInstanceOf(Promise);
  });

  it('spends no window twice when Redis loses the pace mid-window: the pace goes back once, its windows after the one spent', async () => {
    const [a, b, admin] = [store(), store(), connection()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 10, periodMs: 2_000 });
    await until('B holds the pace', () => b.pace('k') !== undefined, 500);
    const spec = { capacity: 10, refillPerMs: 0, periodMs: 2_000 };
    let taken = 0;
    while ((await a.take('k', 'pace', 1, spec, Date.now(), 10)).ok) taken++;
    expect(taken).toBe(10);
    await admin.flushall();
    const after = await Promise.all([a, b, a, b].map((s) => s.take('k', 'pace', 1, spec, Date.now(), 5)));
    expect(after.filter((t) => t.ok)).toEqual([]);
    await until('the pace is back in Redis', async () => (await rate(admin))[0] === '10', 500);
    expect(await b.take('k', 'pace', 1, spec, Date.now())).toMatchObject({ ok: false });
  });

  it('ignores a whole pace worked out from one written over since (a grown pace racing a lesson)', async () => {
    const [a, b, admin] = [store(), store(), connection()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 22, periodMs: 1_000 });
    await until('B holds 22', () => b.pace('k')?.capacity === 22, 500);
    // A lesson of A's, then B grows the pace it still holds (22), unaware of the lesson.
    a.setPace('k', { capacity: 8, periodMs: 1_000 }, { lessonAt: Date.now() });
    await until('the lesson is in Redis', async () => (await rate(admin))[0] === '8', 500);
    const stale = (b as unknown as { paces: { versions: Map<string, number> } }).paces.versions;
    stale.set('k', 1); // as B knew it before the lesson's message came
    b.setPace('k', { capacity: 24, periodMs: 1_000 });
    await sleep(100);
    expect(await rate(admin)).toEqual(['8', '1000']);
  });

  it('applies a cut made before its own growth was answered: the 429 behind it is news', async () => {
    const [a, admin] = [store(), connection()];
    await a.prepare('k');
    a.setPace('k', { capacity: 22, periodMs: 1_000 });
    await until('in Redis', async () => (await rate(admin))[0] === '22', 500);
    a.setPace('k', { capacity: 40, periodMs: 1_000 }); // grown
    a.setPace('k', { capacity: 28, periodMs: 1_000 }); // cut for a bare 429, in the same tick
    await sleep(100);
    expect(await rate(admin)).toEqual(['28', '1000']);
    expect(a.pace('k')).toEqual({ capacity: 28, periodMs: 1_000 });
  });

  it('takes two lessons of too few in a row as the limit, when the server\'s limit is that low', async () => {
    const [a, b, admin] = [store(), store(), connection()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    const first = Date.now();
    a.setPace('k', { capacity: 1, periodMs: 1_000 }, { lessonAt: first });
    b.setPace('k', { capacity: 1, periodMs: 1_000 }, { lessonAt: first + 3 });
    await until('no pace yet', async () => (await rate(admin))[0] === '0', 500);
    a.setPace('k', { capacity: 1, periodMs: 1_000 }, { lessonAt: first + 1_100 });
    b.setPace('k', { capacity: 1, periodMs: 1_000 }, { lessonAt: first + 1_103 });
    await until('a pace of 2', () => a.pace('k')?.capacity === 2 && b.pace('k')?.capacity === 2, 500);
  });

  it('tells only the other stores of a refusal with the server\'s wait (each teaches its share of that window), until told to stop', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    const heardByA: number[] = [];
    const heardByB: Array<{ at: number; until: number }> = [];
    a.onRefusal!('k', (r) => heardByA.push(r.at));
    const stop = b.onRefusal!('k', (r) => heardByB.push(r));
    // A listener that throws keeps neither the others nor the store from going on.
    b.onRefusal!('k', () => {
      throw new Error('a lane that failed to learn');
    });
    const before = Date.now();
    a.setCooldown('k', Date.now() + 1_000, { serverWait: true });
    await until('B hears of the refusal', () => heardByB.length === 1, 500);
    expect(heardByB[0].at).toBeGreaterThanOrEqual(before);
    expect(heardByB[0].until - heardByB[0].at).toBeGreaterThan(900);
    // A wait of ours (a 429 that named none) closed no window the others could count.
    a.setCooldown('k', Date.now() + 3_000);
    await until('B holds the longer cooldown', () => b.cooldownUntil('k') > Date.now() + 2_000, 500);
    stop();
    a.setCooldown('k', Date.now() + 5_000, { serverWait: true });
    await until('B holds the last cooldown', () => b.cooldownUntil('k') > Date.now() + 4_000, 500);
    expect(heardByB).toHaveLength(1);
    expect(heardByA).toEqual([]);
  });

  /** Two stores at one key, B recording the refusals it hears of from A. */
  async function hearing(): Promise<[RedisBackoffStore, Array<{ at: number; until: number }>]> {
    const [a, b] = [store(), store()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    const heard: Array<{ at: number; until: number }> = [];
    b.onRefusal!('k', (r) => heard.push(r));
    return [a, heard];
  }

  it('tells the wait as the server named it, counted from the refusal: whole seconds arrive whole, not a ms short', async () => {
    const [a, heard] = await hearing();
    // The refusal came a few ms before the store shares it (the lane learned from it first).
    const at = Date.now() - 7;
    a.setCooldown('k', at + 1_000, { serverWait: true, at });
    await until('B hears of the refusal', () => heard.length === 1, 500);
    // A window read from a wait of 993 ms is not one of whole seconds: it would be taken as ~1.15 s long.
    expect(heard[0].until - heard[0].at).toBe(1_000);
  });

  it.each([
    // Seconds, not ms: counted from it, the others would be told of a cooldown of 55 years.
    ['on another time base', (ends: number) => Math.floor(ends / 1_000)],
    // Five seconds old: counted from it, the others would wait 6 s where 1 s is left.
    ['stale', (ends: number) => ends - 6_000],
  ])('counts the wait from its own clock when the refusal\'s time is %s', async (_what, atOf) => {
    const [a, heard] = await hearing();
    const ends = Date.now() + 1_000;
    a.setCooldown('k', ends, { serverWait: true, at: atOf(ends) });
    await until('B hears of the refusal', () => heard.length === 1, 500);
    expect(heard[0].until - heard[0].at).toBeLessThanOrEqual(1_000);
    expect(heard[0].until - heard[0].at).toBeGreaterThan(900);
  });

  it('teaches the pace the window admitted when one process of four is refused: the others count what they sent in it', async () => {
    // A fixed window of 3 s admitting 20, whoever sends; the refused are told when it ends.
    let windowEnds = 0;
    let admitted = 0;
    const site = await http([
      (req, res, arrival) => {
        if (arrival.at >= windowEnds) [windowEnds, admitted] = [arrival.at + 3_000, 0];
        if (++admitted <= 20) return reply(200)(req, res, arrival);
        reply(429, {}, { 'Retry-After': String(Math.ceil((windowEnds - arrival.at) / 1000)) })(req, res, arrival);
      },
    ]);
    const stores = [store(), store(), store(), store()];
    const apis = stores.map((s) => {
      const api = site.client();
      attach(api, { store: s, retries: 0, budget: false });
      return api;
    });
    const [a, ...others] = apis;
    // Three processes send five each, and are never refused; the fourth sends six: the sixth is.
    for (const api of others) await Promise.all([1, 2, 3, 4, 5].map((i) => api.get(`/b${i}`)));
    const refused = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => a.get(`/a${i}`).then(() => 0, () => 1)));
    expect(refused.reduce((x, y) => x + y, 0)).toBe(1);
    await until('every process releases what the window admitted', () => stores.every((s) => s.pace(site.url)?.capacity === 20), 1_000);
  });

  it('drops what it leased when another process was refused', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 10, periodMs: 1_000 });
    await until('B holds the pace', () => b.pace('k') !== undefined, 500);
    const spec = { capacity: 10, refillPerMs: 0, periodMs: 1_000 };
    expect(await b.take('k', 'pace', 1, spec, Date.now(), 5)).toEqual({ ok: true });
    expect(b.take('k', 'pace', 1, spec, Date.now())).toEqual({ ok: true });
    a.setCooldown('k', Date.now() + 1_000);
    await until('B hears of the cooldown', () => b.cooldownUntil('k') > Date.now(), 500);
    expect(b.take('k', 'pace', 1, spec, Date.now())).toBeInstanceOf(Promise);
  });

  it('leases no more than its share of a long window: another live process still finds tokens', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 20, periodMs: 60_000 });
    await until('B holds the pace', () => b.pace('k') !== undefined, 500);
    const spec = { capacity: 20, refillPerMs: 0, periodMs: 60_000 };
    // Heartbeats: each counts the other live within a second or so.
    await sleep(1_200);
    expect(await a.take('k', 'pace', 1, spec, Date.now(), 50)).toEqual({ ok: true });
    expect(await b.take('k', 'pace', 1, spec, Date.now())).toEqual({ ok: true });
  }, 10_000);

  it('refuses a pace Redis could not hold, saying what is wrong', () => {
    const a = store();
    expect(() => a.setPace('k', { capacity: 2.5, periodMs: 1_000 })).toThrow('pace.capacity must be a whole number >= 1, got 2.5');
    expect(() => a.setPace('k', { capacity: 2, periodMs: Infinity })).toThrow('pace.periodMs must be a whole number of ms from 1 to 604800000, got Infinity');
    expect(() => a.setPace('k', { capacity: 2, periodMs: 1_000 }, { lessonAt: NaN })).toThrow('lessonAt must be a finite time in ms, got NaN');
  });

  it('puts the last pace known back when Redis lost it (a flush, a restart)', async () => {
    const [a, admin] = [store(), connection()];
    await a.prepare('k');
    a.setPace('k', { capacity: 5, periodMs: 1_000 });
    await until('in Redis', async () => (await rate(admin))[0] === '5', 500);
    await admin.flushall();
    await a.take('k', 'pace', 1, { capacity: 5, refillPerMs: 0, periodMs: 1_000 }, Date.now());
    await until('back in Redis', async () => (await rate(admin))[0] === '5', 500);
    expect(a.pace('k')).toEqual({ capacity: 5, periodMs: 1_000 });
  });
});

describe('outages across processes', () => {
  it('lets one process at a time send the outage probe', async () => {
    const [a, b] = [store(), store()];
    expect(await a.probeLease?.('k', 300)).toBe(true);
    expect(await b.probeLease?.('k', 300)).toBe(false);
    expect(await a.probeLease?.('k', 300)).toBe(false);
    await sleep(350);
    expect(await b.probeLease?.('k', 300)).toBe(true);
  });

  it('sends one probe an interval for all processes: an attached instance waits for another\'s probe', async () => {
    const site = await http([reply(503)]);
    const [a, b] = [store(), store()];
    const probing = { threshold: 1, interval: 400 };
    const apis = [a, b].map((s) => {
      const api = site.client();
      attach(api, { store: s, retries: 0, probing, budget: false });
      return api;
    });
    await apis[0].get('/first').catch(() => undefined);
    await until('B knows of the outage', () => b.breaker(site.url).probing, 500);
    const started = Date.now();
    // Two requests each, every wait bounded: a hang fails the count, not the run.
    const requests = apis.flatMap((api) => ['/p1', '/p2'].map((path) => api.get(path).catch(() => undefined)));
    await Promise.all(requests.map((request) => Promise.race([request, sleep(1_500)])));
    const probes = site.arrivals.filter((r) => r.at >= started && r.at < started + 1_000);
    // Two processes, one probe each interval between them: at most 3 in a second (at 0, 400, 800 ms).
    expect(probes.length).toBeLessThanOrEqual(3);
  });

  it('forgets an outage another process told of, a minute after it last heard of it', async () => {
    let t = Date.now();
    const [a, b] = [store(), store({ now: () => t })];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setBreaker('k', { failures: 5, probing: true });
    await until('B hears of it', () => b.breaker('k').probing, 500);
    t += 59_000;
    expect(b.breaker('k').probing).toBe(true);
    t += 2_000;
    expect(b.breaker('k')).toEqual({ failures: 0, probing: false });
  });
});

describe('chaos', () => {
  it('a worker killed mid-run (SIGKILL) holding the probe lease and the only lesson: its lease lapses, its pace is dropped', async () => {
    const root = path.join(__dirname, '..');
    const worker = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'support', 'redis-worker.ts'), String(server.port), prefix, 'k'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    opened.push(() => worker.kill('SIGKILL'));
    let out = '';
    worker.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    await until('the worker is ready', () => out.includes('ready'), 12_000).catch((error: Error) => {
      throw new Error(`${error.message}; it said: ${out}`);
    });
    worker.kill('SIGKILL');
    const other = store();
    await other.prepare('k');
    expect(other.pace('k')).toEqual({ capacity: 4, periodMs: 1_000 });
    expect(await other.probeLease?.('k', 1_000)).toBe(false);
    await until('the dead worker\'s lease lapsed', async () => (await other.probeLease?.('k', 1_000)) === true, 2_500);
    const spec = { capacity: 4, refillPerMs: 0, periodMs: 1_000 };
    await until('its pace is dropped', async () => {
      await other.take('k', 'pace', 1, spec, Date.now());
      return other.pace('k') === undefined;
    }, 6_000);
  }, 25_000);

  it('DEBUG SLEEP: paced requests keep going from memory while Redis is blocked, and the store comes back to it', async () => {
    const statuses: RedisStatusEvent[] = [];
    const site = await http([reply(200)]);
    const api = site.client();
    const shared = store({ timeoutMs: 100, retryEveryMs: 200, onStatus: (e) => statuses.push(e) });
    attach(api, { store: shared });
    await api.get('/before');
    // A pace in force: every request takes its token from Redis.
    shared.setPace(site.url, { capacity: 50, periodMs: 1_000 });
    await until('the pace is in Redis', async () => (await connection().hget(keyOf(site.url, 'rate'), 'capacity')) === '50');
    const admin = connection();
    await admin.ping();
    const blocked = admin.call('DEBUG', 'SLEEP', '1');
    await sleep(50); // the server is blocked now
    const during = await Promise.all(Array.from({ length: 5 }, (_, i) => api.get(`/during-${i}`)));
    expect(during.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await blocked;
    await until(`recovered: ${JSON.stringify(statuses.map((e) => [e.status, String(e.error)]))}`, async () => {
      await api.get('/poll');
      return statuses.some((e) => e.status === 'recovered');
    }, 5_000);
    expect(statuses.map((e) => e.status)).toEqual(['fallback', 'recovered']);
  }, 15_000);
});

describe('on a Redis Cluster', () => {
  it('runs every script within one slot an origin: no CROSSSLOT, no fallback', async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backoff-cluster-'));
    const node = await launchRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1']);
    opened.push(() => node.kill('SIGKILL'));
    const admin = connection(port);
    await admin.call('CLUSTER', 'ADDSLOTS', ...Array.from({ length: 16384 }, (_, i) => String(i)));
    await until('the cluster is up', async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), 5_000);
    const cluster = new Redis.Cluster([{ host: '127.0.0.1', port }]);
    opened.push(() => cluster.disconnect());
    const statuses: RedisStatusEvent[] = [];
    const made = redisStore(cluster as unknown as Redis, { prefix, onStatus: (e) => statuses.push(e) });
    opened.push(() => made.close());
    const key = 'https://api.exchange.test';
    await made.prepare(key);
    made.setCooldown(key, Date.now() + 500);
    made.setBreaker(key, { failures: 2, probing: false });
    made.setPace(key, { capacity: 5, periodMs: 1_000 }, { lessonAt: Date.now(), windowStart: Date.now() });
    expect(await made.take(key, 'pace', 1, { capacity: 5, refillPerMs: 0, periodMs: 1_000 }, Date.now(), 3)).toEqual({ ok: true });
    expect(await made.take(key, 'budget', 5, { capacity: 100, refillPerMs: 0 }, Date.now())).toEqual({ ok: true });
    expect(await made.probeLease?.(key, 200)).toBe(true);
    await until('the pace is in the cluster', async () => (await cluster.hget(keyOf(key, 'rate'), 'capacity')) === '5');
    expect(statuses).toEqual([]);
  }, 15_000);
});

describe('keys in Redis', () => {
  it('expire: a cooldown after its wait, a budget bucket once it would be full, breaker, pace and its windows when idle', async () => {
    const a = store();
    const admin = connection();
    a.setCooldown('k', Date.now() + 200);
    a.setBreaker('k', { failures: 1, probing: false });
    a.setPace('k', { capacity: 2, periodMs: 200 });
    await a.take('k', 'pace', 1, { capacity: 2, refillPerMs: 0, periodMs: 200 }, Date.now());
    await a.take('k', 'budget', 5, { capacity: 100, refillPerMs: 0 }, Date.now());
    const ttl = (what: string) => admin.pttl(keyOf('k', what));
    expect(await ttl('cooldown')).toBeGreaterThan(150);
    expect(await ttl('cooldown')).toBeLessThanOrEqual(200);
    // The pace's windows keep their phase as long as the pace is kept.
    expect(await ttl('bucket:pace')).toBeGreaterThan(599_000);
    expect(await ttl('bucket:pace')).toBeLessThanOrEqual(600_000);
    expect(await ttl('breaker')).toBeGreaterThan(59_000);
    expect(await ttl('breaker')).toBeLessThanOrEqual(60_000);
    expect(await ttl('rate')).toBeGreaterThan(599_000);
    expect(await ttl('rate')).toBeLessThanOrEqual(600_000);
    expect(await ttl('live')).toBeGreaterThan(599_000);
    expect(await ttl('bucket:budget')).toBeGreaterThan(599_000);
    a.setBreaker('k', { failures: 0, probing: false });
    a.setPace('k', undefined);
    a.give('k', 'budget', 5, { capacity: 100, refillPerMs: 0 }, Date.now());
    await sleep(250);
    expect(await admin.keys(`${prefix}:*`)).toEqual([]);
  });
});

describe('the windows of a pace', () => {
  it('keep their phase past a window nobody took from: the next starts where the grid says, not at the next take', async () => {
    const a = store();
    await a.prepare('k');
    a.setPace('k', { capacity: 1, periodMs: 1_000 });
    const spec = { capacity: 1, refillPerMs: 0, periodMs: 1_000 };
    const before = Date.now();
    expect(await a.take('k', 'pace', 1, spec, Date.now())).toMatchObject({ ok: true });
    const after = Date.now();
    await sleep(1_300);

    expect(await a.take('k', 'pace', 1, spec, Date.now())).toMatchObject({ ok: true });
    const refused = await a.take('k', 'pace', 1, spec, Date.now());
    const endsAt = Date.now() + (refused.ok ? NaN : refused.waitMs);

    // The first window began during the first take; the one under way ends a whole number of windows later.
    const phase = (endsAt - before) % 1_000;
    expect(refused.ok).toBe(false);
    expect(Math.min(phase, 1_000 - phase)).toBeLessThanOrEqual(after - before + 50);
  });
});

describe('a lesson that says nothing of where windows start', () => {
  it('starts them afresh at the first release after it, not on the grid of the pace before', async () => {
    const [a, admin] = [store(), connection()];
    await a.prepare('k');
    const spec = { capacity: 1, refillPerMs: 0, periodMs: 1_000 };
    a.setPace('k', { capacity: 1, periodMs: 1_000 });
    expect(await a.take('k', 'pace', 1, spec, Date.now())).toMatchObject({ ok: true }); // a window from now
    await sleep(300);
    // Refused, and the same pace taught: its grid may have drifted from the server's.
    a.setPace('k', { capacity: 1, periodMs: 1_000 }, { lessonAt: Date.now() });
    await until('the lesson reaches Redis', async () => (await admin.exists(keyOf('k', 'bucket:pace'))) === 0, 1_000);

    // On the old grid this window was spent, and the next would open in 700 ms.
    expect(await a.take('k', 'pace', 1, spec, Date.now())).toMatchObject({ ok: true });
    const refused = await a.take('k', 'pace', 1, spec, Date.now());
    expect(refused.ok).toBe(false);
    expect(refused.ok ? 0 : refused.waitMs).toBeGreaterThan(900);
  });
});

describe('when Redis fails', () => {
  it('drops a write Redis runs after the store gave up on it, rather than apply its wait late', async () => {
    const statuses: RedisStatusEvent[] = [];
    const a = store({ timeoutMs: 50, onStatus: (e) => statuses.push(e) });
    await a.prepare('k');
    const admin = connection();
    await admin.call('CLIENT', 'PAUSE', '1400'); // past the write's deadline: timeout twice, plus 1 s
    const until = Date.now() + 300;
    a.setCooldown('k', until);
    expect(a.cooldownUntil('k')).toBe(until);
    await sleep(1500);
    expect(await admin.pttl(keyOf('k', 'cooldown'))).toBe(-2);
    expect(statuses).toEqual([{ status: 'fallback', error: new Error('Redis did not answer within timeoutMs (50 ms)') }]);
  });

  it('lets requests go when Redis is unreachable from the start, and says so once', async () => {
    const statuses: RedisStatusEvent[] = [];
    const site = await http([reply(200)]);
    const api = site.client();
    attach(api, { store: store({ timeoutMs: 50, onStatus: (e) => statuses.push(e) }, connection(await freePort())) });
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => api.get(`/x${i}`)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.map((e) => e.status)).toEqual(['fallback']);
  });

  it('in fallback, releases its share of the last pace known (the pace over the processes live), never the whole of it, and rejoins without collapsing it', async () => {
    const [a, b] = [store({ timeoutMs: 100, retryEveryMs: 200, onStatus: () => undefined }), store({ timeoutMs: 100, onStatus: () => undefined })];
    await Promise.all([a.prepare('k'), b.prepare('k')]);
    a.setPace('k', { capacity: 10, periodMs: 1_000 });
    await until('B holds the pace', () => b.pace('k') !== undefined, 500);
    const spec = { capacity: 10, refillPerMs: 0, periodMs: 1_000 };
    await b.take('k', 'pace', 1, spec, Date.now());
    await a.take('k', 'pace', 1, spec, Date.now());

    await server.kill();
    try {
      const now = Date.now();
      const takes = [];
      for (let i = 0; i < 10; i++) takes.push(await a.take('k', 'pace', 1, spec, now));
      // Two processes live: of the window under way, half of what Redis said was left (8 of 10, after two taken).
      expect(takes.filter((t) => t.ok)).toHaveLength(4);
      const next = [];
      for (let i = 0; i < 10; i++) next.push(await a.take('k', 'pace', 1, spec, now + 1_000));
      // A whole window later: five of the ten.
      expect(next.filter((t) => t.ok)).toHaveLength(5);
    } finally {
      await server.start();
    }
    await until('A uses Redis again, and the pace is back in it', async () => {
      await a.take('k', 'pace', 1, spec, Date.now());
      return (await connection().hget(keyOf('k', 'rate'), 'capacity')) === '10';
    }, 5_000);
    expect(a.pace('k')).toEqual({ capacity: 10, periodMs: 1_000 });
  }, 15_000);

  it('in fallback, spends nothing of a window Redis said was spent, though this process never took from it', async () => {
    const [a, c] = [store({ onStatus: () => undefined }), store({ timeoutMs: 100, retryEveryMs: 200, onStatus: () => undefined })];
    await Promise.all([a.prepare('k'), c.prepare('k')]);
    a.setPace('k', { capacity: 10, periodMs: 3_000 });
    await until('C holds the pace', () => c.pace('k') !== undefined, 500);
    const spec = { capacity: 10, refillPerMs: 0, periodMs: 3_000 };
    let taken = 0;
    while ((await a.take('k', 'pace', 1, spec, Date.now(), 10)).ok) taken++;
    expect(taken).toBe(10);
    await sleep(700); // a heartbeat tells C where the window stands
    await server.kill();
    try {
      const takes = [];
      for (let i = 0; i < 5; i++) takes.push(await c.take('k', 'pace', 1, spec, Date.now()));
      expect(takes.filter((t) => t.ok)).toEqual([]);
    } finally {
      await server.start(); // the tests after this one need it, whatever this one found
    }
  }, 15_000);

  it('keeps serving when Redis is killed mid-run, says fallback then recovered once each, and shares again', async () => {
    const statuses: RedisStatusEvent[] = [];
    const site = await http([reply(200)]);
    const api = site.client();
    const a = store({ timeoutMs: 100, retryEveryMs: 200, onStatus: (e) => statuses.push(e) });
    attach(api, { store: a });
    await Promise.all([api.get('/1'), api.get('/2'), api.get('/3')]);
    expect(statuses).toEqual([]);

    await server.kill();
    const during = await Promise.all(Array.from({ length: 10 }, (_, i) => api.get(`/during-${i}`)));
    expect(during.every((r) => r.status === 200)).toBe(true);
    expect(await a.take('k', 'budget', 5, { capacity: 10, refillPerMs: 0 }, Date.now())).toEqual({ ok: true });
    a.prepare('elsewhere'); // a second origin, first met during the outage
    a.setCooldown('elsewhere', Date.now() + 3000);
    expect(statuses.map((e) => e.status)).toEqual(['fallback']);

    await server.start();
    await until('recovered', async () => {
      await api.get('/poll');
      return statuses.length > 1;
    }, 5000);
    expect(statuses.map((e) => e.status)).toEqual(['fallback', 'recovered']);

    const admin = connection();
    await until('the cooldown learned in fallback is in Redis', async () => (await admin.pttl(keyOf('elsewhere', 'cooldown'))) > 0);
    expect(await admin.pttl(keyOf('elsewhere', 'cooldown'))).toBeLessThanOrEqual(3000);
    const late = store();
    await late.prepare('elsewhere');
    expect(late.cooldownUntil('elsewhere')).toBeGreaterThan(Date.now() + 1000);
    a.setBreaker(site.url, { failures: 1, probing: false });
    await until('writes reach Redis again', async () => (await admin.get(keyOf(site.url, 'breaker'))) !== null);
    expect(statuses).toHaveLength(2);
  }, 20_000);

  it('sends a script again when Redis lost it (SCRIPT FLUSH, as a restart does)', async () => {
    const a = store();
    const spec = { capacity: 10, refillPerMs: 0 };
    expect(await a.take('k', 'budget', 1, spec, Date.now())).toEqual({ ok: true });
    const admin = connection();
    await admin.script('FLUSH');
    expect(await a.take('k', 'budget', 1, spec, Date.now())).toEqual({ ok: true });
    expect(await admin.hget(keyOf('k', 'bucket:budget'), 'tokens')).toBe('8');
  });

  it('close() unsubscribes and closes the store\'s own connection', async () => {
    const a = store();
    await a.prepare('k');
    const admin = connection();
    const subscribers = async () => (await admin.pubsub('NUMSUB', `${prefix}:events`))[1];
    expect(await subscribers()).toBe(1);
    await a.close();
    expect(await subscribers()).toBe(0);
  });
});

describe('key names', () => {
  /** The part of a key name Redis Cluster hashes: the first {...} with something in it, else the whole name. */
  const tagOf = (name: string): string => {
    const open = name.indexOf('{');
    const close = open < 0 ? -1 : name.indexOf('}', open + 1);
    return close > open + 1 ? name.slice(open + 1, close) : name;
  };

  it.each(['https://api.exchange.test', '', '}x', 'a{b}c', '{}', '%7B', 'key with spaces'])('puts every key of %p in one slot, under its own tag', (key) => {
    const k = keysOfForTest('p', key);
    const names = [k.cooldown, k.breaker, k.rate, k.live, k.probe, k.bucket('pace'), k.bucket('budget')];
    expect(new Set(names.map(tagOf)).size).toBe(1);
    expect(tagOf(k.rate)).not.toBe(k.rate);
  });

  it('never gives two keys one tag, and leaves an origin as it is', () => {
    const tags = ['{', '%7B', '', '%', '}'].map((key) => keysOfForTest('p', key).rate);
    expect(new Set(tags).size).toBe(tags.length);
    expect(keysOfForTest('p', 'https://x.test').rate).toBe('p:{https://x.test}:rate');
  });
});
