import type { ExchangeSimOptions } from '../examples/exchange-sim';
import { createLimiter, type LimiterSpec } from '../examples/limiters';
import { binanceInterval, replyHeaders, type ReplyHeaderOptions } from '../examples/quota-headers';
import { RateWindow, type RateWindowOptions, type Verdict } from '../examples/rate-window';
import { resolveSimOptions } from '../examples/sim-options';
import { simsOnClock } from './support/sims';

const base: RateWindowOptions = { limit: 2, windowMs: 1000, banThreshold: 3, banMs: 2000 };

/** Each request at its time `t` (or [t, cost]), as ok / 429:<Retry-After> / 418:<Retry-After>. */
function kinds(w: RateWindow, requests: Array<number | [number, number]>): string[] {
  return requests.map((r) => {
    const [t, cost] = typeof r === 'number' ? [r, 1] : r;
    return show(w.admit('a', t, cost));
  });
}

function show(v: Verdict): string {
  return v.kind === 'admit' ? 'ok' : `${v.kind === 'limited' ? 429 : 418}:${v.retryAfterS}`;
}

describe.each([['fixed'], ['sliding'], ['bucket']] as const)('RateWindow, limiter %s', (limiter) => {
  it('bans a client that sends more than banThreshold requests after its first refusal', () => {
    // limit 2 + first refusal + 3 tolerated = 6 requests; the 7th is banned
    expect(kinds(new RateWindow({ ...base, limiter }), [0, 1, 2, 3, 4, 5, 6])).toEqual([
      'ok', 'ok', '429:1', '429:1', '429:1', '429:1', '418:2',
    ]);
  });

  it('doubles the ban on each repeat and refuses during a ban without counting it', () => {
    const w = new RateWindow({ ...base, limiter, banThreshold: 0, limit: 1 });
    expect(kinds(w, [0, 1, 2])).toEqual(['ok', '429:1', '418:2']); // until 2002
    expect(kinds(w, [1000, 2001])).toEqual(['418:2', '418:1']);
    expect(kinds(w, [5000, 5001, 5002])).toEqual(['ok', '429:1', '418:4']);
  });
});

describe('RateWindow, sliding log', () => {
  const sliding = (o: Partial<RateWindowOptions> = {}) => new RateWindow({ ...base, limiter: 'sliding', ...o });

  it('admits at most limit requests in any windowMs, not per calendar window', () => {
    // A fixed window would admit 1000 and 1001 both: a new window opened at 1000.
    expect(kinds(sliding(), [0, 900, 1000, 1001, 1900])).toEqual(['ok', 'ok', 'ok', '429:1', 'ok']);
  });

  it('says Retry-After until the oldest counted request leaves, rounded up to whole seconds', () => {
    const w = sliding({ limit: 1, windowMs: 5000 });
    expect(kinds(w, [0, 1500, 4000.5, 5000])).toEqual(['ok', '429:4', '429:1', 'ok']);
  });

  it('does not count refused requests', () => {
    expect(kinds(sliding(), [0, 10, 20, 30, 1000, 1010])).toEqual(['ok', 'ok', '429:1', '429:1', 'ok', 'ok']);
  });

  it('waits for as many old requests to leave as a weighted request needs', () => {
    const w = sliding({ limit: 3 });
    expect(kinds(w, [[0, 1], [400, 2], [500, 2], [1000, 2], [1400, 2]])).toEqual(['ok', 'ok', '429:1', '429:1', 'ok']);
  });
});

describe('RateWindow, token bucket', () => {
  const bucket = (o: Partial<RateWindowOptions> = {}) => new RateWindow({ ...base, limiter: 'bucket', ...o });

  it('admits a burst, then one request per refill', () => {
    const w = bucket({ limit: 1, burst: 3 });
    expect(kinds(w, [0, 0, 0, 0, 999, 1000, 1000])).toEqual(['ok', 'ok', 'ok', '429:1', '429:1', 'ok', '429:1']);
  });

  it('refills exactly at whole ms (10 per second: one token each 100 ms)', () => {
    const w = bucket({ limit: 10, burst: 10 });
    kinds(w, Array.from({ length: 10 }, () => 0));
    expect(kinds(w, [100, 100, 199, 200, 300])).toEqual(['ok', '429:1', '429:1', 'ok', 'ok']);
  });

  it('says Retry-After until one token, rounded up to whole seconds', () => {
    const w = bucket({ limit: 1, windowMs: 4000, burst: 2 });
    expect(kinds(w, [0, 0, 0, 1000, 3999.5])).toEqual(['ok', 'ok', '429:4', '429:3', '429:1']);
  });

  it('fills no higher than burst however long it idles', () => {
    expect(kinds(bucket({ burst: 2 }), [60_000, 60_000, 60_000])).toEqual(['ok', 'ok', '429:1']);
  });

  it('ends a run of refusals a window after its first: a later refusal starts a new run', () => {
    const w = bucket({ limit: 1, burst: 1, banThreshold: 1 });
    // The run from 10 ends at 1010; the refusal at 1015 is the first of a new one.
    expect(kinds(w, [0, 10, 20, 1000, 1015, 1016, 1017])).toEqual(['ok', '429:1', '429:1', 'ok', '429:1', '429:1', '418:2']);
    expect(kinds(bucket({ limit: 1, burst: 1, banThreshold: 1 }), [0, 10, 20, 30])).toEqual(['ok', '429:1', '429:1', '418:2']);
  });
});

describe('RateWindow, fixed window with weights', () => {
  it('counts weight, not requests, and admits a lighter request that still fits', () => {
    const w = new RateWindow({ ...base, limit: 200, windowMs: 10_000 });
    expect(kinds(w, [[0, 25], [0, 160], [0, 25], [0, 15], [0, 1], [9999, 1], [10_000, 25]])).toEqual([
      'ok', 'ok', '429:10', 'ok', '429:10', '429:1', 'ok',
    ]);
    expect(w.quota('a', 10_000)).toEqual({ used: 25, remaining: 175, resetMs: 10_000 });
  });
});

describe('limiter quotas', () => {
  const spec = (o: Partial<LimiterSpec>): LimiterSpec => ({ kind: 'fixed', limit: 20, windowMs: 1000, burst: 20, ...o });

  it.each([
    ['fixed: until the window ends', spec({}), [0, 250], 250, { used: 2, remaining: 18, resetMs: 750 }],
    ['sliding: until the oldest counted leaves', spec({ kind: 'sliding' }), [100, 250], 300, { used: 2, remaining: 18, resetMs: 800 }],
    ['bucket: until full', spec({ kind: 'bucket', burst: 10, limit: 10 }), [0, 0], 50, { used: 2, remaining: 8, resetMs: 150 }],
  ])('%s', (_name, s, times, at, expected) => {
    const limiter = createLimiter(s);
    for (const t of times) limiter.take(t, 1);
    expect(limiter.quota(at)).toEqual(expected);
  });
});

describe('replyHeaders', () => {
  const opts: ReplyHeaderOptions = { limit: 20, windowMs: 1000, retryAfter: true, quotaHeaders: 'none' };
  const quota = { used: 20, remaining: 0, resetMs: 750 };
  const limited: Verdict = { kind: 'limited', retryAfterS: 1 };
  const banned: Verdict = { kind: 'banned', retryAfterS: 2 };

  it('sends Retry-After on a 429 and a 418 by default, and nothing on a 200', () => {
    expect(replyHeaders(opts, limited, quota)).toEqual({ 'Retry-After': '1' });
    expect(replyHeaders(opts, banned, quota)).toEqual({ 'Retry-After': '2' });
    expect(replyHeaders(opts, { kind: 'admit' }, quota)).toEqual({});
  });

  it('leaves Retry-After off a 429 with retryAfter false, but not off a 418', () => {
    expect(replyHeaders({ ...opts, retryAfter: false }, limited, quota)).toEqual({});
    expect(replyHeaders({ ...opts, retryAfter: false }, banned, quota)).toEqual({ 'Retry-After': '2' });
  });

  it('declares the IETF policy and what is left after this request, t in whole seconds rounded up', () => {
    const ietf = { ...opts, quotaHeaders: 'ietf' as const, windowMs: 10_000 };
    expect(replyHeaders(ietf, { kind: 'admit' }, { used: 1, remaining: 19, resetMs: 7500 })).toEqual({
      'RateLimit-Policy': '"default";q=20;w=10',
      RateLimit: '"default";r=19;t=8',
    });
    expect(replyHeaders(ietf, limited, quota)).toEqual({
      'RateLimit-Policy': '"default";q=20;w=10',
      RateLimit: '"default";r=0;t=1',
      'Retry-After': '1',
    });
  });

  it('declares the used weight in the current window, Binance style', () => {
    const binance = { ...opts, quotaHeaders: 'binance' as const, windowMs: 60_000 };
    expect(replyHeaders(binance, { kind: 'admit' }, { used: 31, remaining: 169, resetMs: 100 })).toEqual({ 'X-MBX-USED-WEIGHT-1M': '31' });
  });

  it.each([
    [1000, '1S'], [10_000, '10S'], [90_000, '90S'], [60_000, '1M'], [3_600_000, '1H'], [86_400_000, '1D'],
  ])('renders a window of %i ms as the Binance interval %s', (ms, interval) => {
    expect(binanceInterval(ms)).toBe(interval);
  });
});

describe('resolveSimOptions, limiter options', () => {
  it('fills the documented defaults', () => {
    expect(resolveSimOptions({ limit: 5 })).toMatchObject({ limiter: 'fixed', burst: 5, retryAfter: true, quotaHeaders: 'none', weights: new Map() });
  });

  it.each<[ExchangeSimOptions, string]>([
    [{ limit: 1, limiter: 'leaky' as 'fixed' }, 'limiter must be one of fixed, sliding, bucket, got leaky'],
    [{ limit: 1, burst: 5 }, "burst applies to limiter 'bucket' only, got limiter 'fixed'"],
    [{ limit: 1, limiter: 'bucket', burst: -1 }, 'burst must be a whole number >= 0, got -1'],
    [{ limit: 1, retryAfter: 'no' as unknown as boolean }, 'retryAfter must be a boolean, got string'],
    [{ limit: 1, quotaHeaders: 'github' as 'ietf' }, 'quotaHeaders must be one of none, ietf, binance, got github'],
    [{ limit: 1, quotaHeaders: 'ietf', windowMs: 1500 }, "quotaHeaders 'ietf' needs windowMs in whole seconds (RateLimit-Policy w), got 1500"],
    [{ limit: 1, quotaHeaders: 'binance', limiter: 'sliding' }, "quotaHeaders 'binance' needs limiter 'fixed' (weight per fixed window), got 'sliding'"],
    [{ limit: 1, quotaHeaders: 'binance', windowMs: 2500 }, "quotaHeaders 'binance' needs windowMs in whole seconds, minutes, hours or days, got 2500"],
    [{ limit: 1, weights: { 'api/v3/depth': 5 } }, 'weights keys must be paths starting with /, got api/v3/depth'],
    [{ limit: 1, weights: { '/api/v3/depth': 2.5 } }, "weights['/api/v3/depth'] must be a whole number >= 0, got 2.5"],
  ])('rejects %j', (opts, message) => {
    expect(() => resolveSimOptions(opts)).toThrow(message);
  });
});

describe('exchange simulator limiters over loopback', () => {
  const { clock, start, http } = simsOnClock();

  it('charges each path its weight and declares the used weight on 200 and 429 alike', async () => {
    const sim = await start({ limit: 10, windowMs: 10_000, quotaHeaders: 'binance', weights: { '/api/v3/depth': 5 } });
    const replies = [await http.get(`${sim.url}/api/v3/depth?limit=100`), await http.get(`${sim.url}/api/v3/depth`)];
    replies.push(await http.get(`${sim.url}/api/v3/ticker`));
    clock.now = 10_000;
    replies.push(await http.get(`${sim.url}/api/v3/ticker`));
    expect(replies.map((r) => [r.status, r.headers['x-mbx-used-weight-10s'], r.headers['retry-after']])).toEqual([
      [200, '5', undefined], [200, '10', undefined], [429, '10', '10'], [200, '1', undefined],
    ]);
    expect(sim.admissions()).toEqual([0, 0, 10_000]);
  });

  it('answers 429 without Retry-After when retryAfter is false, with the IETF headers', async () => {
    const sim = await start({ limit: 1, retryAfter: false, quotaHeaders: 'ietf' });
    clock.now = 400;
    const replies = [await http.get(`${sim.url}/api/v3/ticker`), await http.get(`${sim.url}/api/v3/ticker`)];
    expect(replies.map((r) => [r.status, r.headers.ratelimit, r.headers['retry-after']])).toEqual([
      [200, '"default";r=0;t=1', undefined], [429, '"default";r=0;t=1', undefined],
    ]);
    expect(replies[1].headers['ratelimit-policy']).toBe('"default";q=1;w=1');
  });
});

describe('a limit that is briefly another (warmup)', () => {
  it('admits the warm-up limit a window until it ends, then the limit, afresh', () => {
    const w = new RateWindow({ ...base, limit: 5, warmup: { untilMs: 2_000, limit: 2 } });
    const admitted = (t: number, n: number) => Array.from({ length: n }, () => w.admit('c', t).kind).filter((k) => k === 'admit').length;
    expect(admitted(0, 5)).toBe(2);
    expect(admitted(1_000, 5)).toBe(2);
    expect(admitted(2_000, 6)).toBe(5);
  });
});
