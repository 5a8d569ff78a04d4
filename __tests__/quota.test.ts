import { AxiosHeaders } from 'axios';
import fc from 'fast-check';
import { MAX_DELAY } from '../lib/clock';
import { BINANCE_SPOT_RATE_LIMITS, binanceLimits, binanceQuotas, type BinanceRateLimit } from '../lib/quota/binance';
import { readQuotas } from '../lib/quota/readers';
import type { QuotaReading } from '../lib/quota/types';

// 2025-01-01T00:00:00Z
const NOW = Date.UTC(2025, 0, 1, 0, 0, 0);
// One minute before the reset in GitHub's documented example (x-ratelimit-reset: 1372700873)
const GITHUB_NOW = 1372700873_000 - 60_000;
// One second before the reset in Bybit's documented example (1672738134824)
const BYBIT_NOW = 1672738134824 - 1_000;

/** Bybit's limits are each endpoint's own. */
const perRoute = (r: QuotaReading): QuotaReading => ({ ...r, perRoute: true });

function q(
  id: string, remaining: number, limit?: number, resetMs?: number, windowMs?: number,
): QuotaReading {
  return { id, remaining, limit, resetMs, windowMs };
}

function expectSane(readings: readonly QuotaReading[]): void {
  for (const r of readings) {
    expect(typeof r.id).toBe('string');
    expect(Number.isFinite(r.remaining) && r.remaining >= 0).toBe(true);
    if (r.limit !== undefined) expect(Number.isFinite(r.limit) && r.limit >= 0).toBe(true);
    if (r.resetMs !== undefined) expect(r.resetMs >= 0 && r.resetMs <= MAX_DELAY).toBe(true);
    if (r.windowMs !== undefined) expect(Number.isFinite(r.windowMs) && r.windowMs > 0).toBe(true);
  }
  expect(new Set(readings.map((r) => r.id)).size).toBe(readings.length);
}

describe('readQuotas, each header form', () => {
  it.each<[string, Record<string, string | string[]>, number, QuotaReading[]]>([
    ['no rate-limit header', { 'content-type': 'application/json' }, NOW, []],
    // draft -08 and later: policies and what is left of them, matched by name
    ['IETF -08, one policy', { 'RateLimit-Policy': '"default";q=100;w=60', RateLimit: '"default";r=50;t=30' }, NOW,
      [q('ratelimit:default', 50, 100, 30_000, 60_000)]],
    ['IETF -08, two policies', {
      'RateLimit-Policy': '"burst";q=100;w=60, "daily";q=1000;w=86400', RateLimit: '"burst";r=0;t=5, "daily";r=900;t=3600',
    }, NOW, [q('ratelimit:burst', 0, 100, 5_000, 60_000), q('ratelimit:daily', 900, 1000, 3_600_000, 86_400_000)]],
    ['IETF -08, lists split over field lines', {
      'RateLimit-Policy': ['"permin";q=50;w=60', '"perhr";q=1000;w=3600'], RateLimit: ['"perhr";r=999;t=3000', '"permin";r=49;t=20'],
    }, NOW, [q('ratelimit:perhr', 999, 1000, 3_000_000, 3_600_000), q('ratelimit:permin', 49, 50, 20_000, 60_000)]],
    ['IETF -08, token names', { 'RateLimit-Policy': 'default;q=10;w=1', RateLimit: 'default;r=4;t=1' }, NOW,
      [q('ratelimit:default', 4, 10, 1_000, 1_000)]],
    ['IETF -08, partition key and quota unit', {
      'RateLimit-Policy': '"peruser";q=65535;qu="content-bytes";w=10;pk=:sdfjLJUOUH==:', RateLimit: '"peruser";r=100;t=2;pk=:sdfjLJUOUH==:',
    }, NOW, [q('ratelimit:peruser', 100, 65535, 2_000, 10_000)]],
    ['IETF -08, ; and , inside a name', { 'RateLimit-Policy': '"a;q=9,b";q=5;w=1', RateLimit: '"a;q=9,b";r=1;t=1' }, NOW,
      [q('ratelimit:a;q=9,b', 1, 5, 1_000, 1_000)]],
    ['IETF -08, RateLimit without a policy', { RateLimit: '"default";r=5;t=2' }, NOW, [q('ratelimit:default', 5, undefined, 2_000)]],
    ['IETF -08, a policy nothing reports on', { 'RateLimit-Policy': '"default";q=100;w=60' }, NOW, []],
    ['IETF -08, no r', { 'RateLimit-Policy': '"default";q=100;w=60', RateLimit: '"default";t=2' }, NOW, []],
    ['IETF -08, no t', { RateLimit: '"default";r=7' }, NOW, [q('ratelimit:default', 7)]],
    ['IETF -08, the first of a repeated name', { RateLimit: '"d";r=1;t=1, "d";r=9;t=9' }, NOW, [q('ratelimit:d', 1, undefined, 1_000)]],
    // drafts before -08: one limit
    ['IETF -07 dictionary with policies', { RateLimit: 'limit=10, remaining=0, reset=7', 'RateLimit-Policy': '10;w=1, 100;w=60' }, NOW,
      [q('ratelimit', 0, 10, 7_000, 1_000)]],
    ['IETF -07 dictionary alone', { RateLimit: 'limit=100, remaining=50, reset=5' }, NOW, [q('ratelimit', 50, 100, 5_000)]],
    ['IETF -06 fields', {
      'RateLimit-Limit': '100', 'RateLimit-Remaining': '40', 'RateLimit-Reset': '20', 'RateLimit-Policy': '100;w=60',
    }, NOW, [q('ratelimit', 40, 100, 20_000, 60_000)]],
    ['IETF -06 as Resend sends it', {
      'ratelimit-limit': '10', 'ratelimit-policy': '10;w=1', 'ratelimit-remaining': '9', 'ratelimit-reset': '1',
    }, NOW, [q('ratelimit', 9, 10, 1_000, 1_000)]],
    ['IETF -03, quota policies in RateLimit-Limit', { 'RateLimit-Limit': '10, 10;w=1, 50;w=60', 'RateLimit-Remaining': '3' }, NOW,
      [q('ratelimit', 3, 10, undefined, 1_000)]],
    ['IETF -06, the only policy gives the limit', { 'RateLimit-Policy': '100;w=60', 'RateLimit-Remaining': '5' }, NOW,
      [q('ratelimit', 5, 100, undefined, 60_000)]],
    ['IETF -06, no policy matches the limit', { 'RateLimit-Limit': '7', 'RateLimit-Policy': '10;w=1', 'RateLimit-Remaining': '5' }, NOW,
      [q('ratelimit', 5, 7)]],
    ['IETF -06 without remaining', { 'RateLimit-Limit': '100', 'RateLimit-Reset': '20' }, NOW, []],
    // X-RateLimit-*: the reset by magnitude
    ['GitHub, epoch seconds', { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '1372700873' },
      GITHUB_NOW, [q('x-ratelimit', 4999, 5000, 60_000)]],
    ['X-RateLimit, epoch ms', { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(NOW + 2_500) }, NOW,
      [q('x-ratelimit', 0, undefined, 2_500)]],
    ['X-RateLimit, delta seconds', { 'X-RateLimit-Limit': '60', 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '42' }, NOW,
      [q('x-ratelimit', 1, 60, 42_000)]],
    ['X-RateLimit as Envoy sends it, with the window', {
      'x-ratelimit-limit': '10, 10;w=1', 'x-ratelimit-remaining': '9', 'x-ratelimit-reset': '1',
    }, NOW, [q('x-ratelimit', 9, 10, 1_000, 1_000)]],
    ['X-RateLimit with several windows', { 'X-RateLimit-Limit': '10, 10;w=60, 1000;w=3600', 'X-RateLimit-Remaining': '4' }, NOW,
      [q('x-ratelimit', 4, 10, undefined, 60_000)]],
    // Bybit: the reset timestamp is the current time until the limit is exceeded
    ['Bybit, exceeded', { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit-Reset-Timestamp': '1672738134824' },
      BYBIT_NOW, [perRoute(q('x-bapi-limit', 0, 10, 1_000))]],
    ['Bybit, not exceeded', { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '9', 'X-Bapi-Limit-Reset-Timestamp': String(BYBIT_NOW) },
      BYBIT_NOW, [perRoute(q('x-bapi-limit', 9, 10))]],
    // KuCoin's documented example
    ['KuCoin', { 'gw-ratelimit-limit': '500', 'gw-ratelimit-remaining': '300', 'gw-ratelimit-reset': '1489' }, NOW,
      [q('gw-ratelimit', 300, 500, 1_489)]],
  ])('reads %s', (_name, headers, now, expected) => {
    const readings = readQuotas(headers, now);
    expect(readings).toEqual(expected);
    expectSane(readings);
  });
});

describe('readQuotas, one response with several forms', () => {
  it('reads each form present, in the order IETF, older IETF, vendors', () => {
    const headers = {
      'RateLimit-Policy': '"burst";q=20;w=1, "day";q=5000;w=86400',
      RateLimit: '"burst";r=19;t=1, "day";r=4000;t=600',
      'RateLimit-Limit': '20', 'RateLimit-Remaining': '19', 'RateLimit-Reset': '1',
      'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': '4000', 'X-RateLimit-Reset': '600',
      'gw-ratelimit-limit': '2000', 'gw-ratelimit-remaining': '1990', 'gw-ratelimit-reset': '29000',
    };
    expect(readQuotas(headers, NOW)).toEqual([
      q('ratelimit:burst', 19, 20, 1_000, 1_000), q('ratelimit:day', 4000, 5000, 600_000, 86_400_000),
      q('ratelimit', 19, 20, 1_000), q('x-ratelimit', 4000, 5000, 600_000), q('gw-ratelimit', 1990, 2000, 29_000),
    ]);
  });

  it('reads AxiosHeaders as well as a plain object', () => {
    const raw = 'RateLimit: "default";r=7;t=3\r\nRateLimit-Policy: "default";q=10;w=60\r\nX-Bapi-Limit-Status: 4\r\nX-Bapi-Limit: 5';
    expect(readQuotas(AxiosHeaders.from(raw), NOW)).toEqual([q('ratelimit:default', 7, 10, 3_000, 60_000), perRoute(q('x-bapi-limit', 4, 5))]);
    expect(readQuotas(new AxiosHeaders({ 'X-RateLimit-Remaining': '2' }), NOW)).toEqual([q('x-ratelimit', 2)]);
  });

  it('names GitHub\'s limits by resource: core is the API\'s, search and the others their endpoints\' own', () => {
    const search = { 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '0', 'x-ratelimit-resource': 'search' };
    expect(readQuotas(search, NOW)).toEqual([perRoute(q('x-ratelimit:search', 0, 30))]);
    expect(readQuotas({ ...search, 'x-ratelimit-resource': 'core' }, NOW)).toEqual([q('x-ratelimit', 0, 30)]);
  });

  it('finds headers whatever their case', () => {
    expect(readQuotas({ 'GW-RATELIMIT-REMAINING': '3', 'Gw-RateLimit-Reset': '10' }, NOW)).toEqual([q('gw-ratelimit', 3, undefined, 10)]);
    expect(readQuotas({ RATELIMIT: '"D";R=1;T=2' }, NOW)).toEqual([q('ratelimit:D', 1, undefined, 2_000)]);
  });

  it('reads the first of a repeated singleton field, and all lines of a repeated list field', () => {
    expect(readQuotas({ 'x-ratelimit-remaining': ['3', '100'] }, NOW)).toEqual([q('x-ratelimit', 3)]);
    expect(readQuotas({ ratelimit: '"a";r=1', RateLimit: '"b";r=2' }, NOW).map((r) => r.id)).toEqual(['ratelimit:a', 'ratelimit:b']);
  });
});

const GARBAGE = ['', 'abc', '-1', 'NaN', 'Infinity', '-Infinity', '1e400', '9'.repeat(400), '   ', ';;;', 'r=;t=', ',,,', '"',
  '"default";r=-1;t=-5', '"d";r=NaN;t=Infinity', '"d";r=1e3', 'limit=, remaining=, reset=', '0x10', '5s', '=;=', '"unterminated;r=0;t=1',
  '\\"', '"\\', '3.', '.5', '1.2.3'];
const NAMES = ['ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-ratelimit-limit',
  'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-bapi-limit', 'x-bapi-limit-status', 'x-bapi-limit-reset-timestamp',
  'gw-ratelimit-limit', 'gw-ratelimit-remaining', 'gw-ratelimit-reset', 'x-mbx-used-weight-1m', 'x-mbx-order-count-10s'];

describe('readQuotas, unreadable input', () => {
  it.each(GARBAGE)('every header set to %p neither throws nor yields a bad reading', (value) => {
    const headers = Object.fromEntries(NAMES.map((n) => [n, value]));
    expectSane(readQuotas(headers, NOW));
    expectSane(binanceQuotas()(headers, NOW));
  });

  it.each([
    ['a negative remaining', { 'x-ratelimit-remaining': '-1' }],
    ['a remaining too long to be exact', { 'x-ratelimit-remaining': '9'.repeat(20) }],
    ['an exponent', { 'x-ratelimit-remaining': '1e3' }],
    ['a remaining of Infinity', { 'gw-ratelimit-remaining': 'Infinity' }],
    ['a quoted remaining', { RateLimit: '"d";r="5"' }],
    ['a String where the -06 limit goes', { 'RateLimit-Limit': '"10"', 'RateLimit-Remaining': 'x' }],
  ])('skips %s', (_name, headers) => {
    expect(readQuotas(headers, NOW)).toEqual([]);
  });

  it('keeps a reading whose reset is too long to be one, without the reset', () => {
    expect(readQuotas({ 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '9'.repeat(400) }, NOW)).toEqual([q('x-ratelimit', 1)]);
    expect(readQuotas({ RateLimit: `"d";r=1;t=${'9'.repeat(400)}` }, NOW)).toEqual([q('ratelimit:d', 1)]);
  });

  it('clamps a long but finite reset to the longest wait, as every header wait is', () => {
    expect(readQuotas({ RateLimit: '"d";r=0;t=99999999999' }, NOW)).toEqual([q('ratelimit:d', 0, undefined, MAX_DELAY)]);
  });

  it('drops a window of 0 or too long to be exact', () => {
    expect(readQuotas({ 'RateLimit-Policy': '"d";q=5;w=0', RateLimit: '"d";r=1' }, NOW)).toEqual([q('ratelimit:d', 1, 5)]);
    expect(readQuotas({ 'RateLimit-Policy': `"d";q=5;w=${'9'.repeat(30)}`, RateLimit: '"d";r=1' }, NOW)).toEqual([q('ratelimit:d', 1, 5)]);
  });

  const hostile = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
  const prototypeless = Object.assign(Object.create(null), { 'x-ratelimit-remaining': Object.create(null) });
  it.each<[string, unknown]>([
    ['null', null], ['undefined', undefined], ['a string', 'oops'], ['a number', 42], ['an array', []], ['an empty object', {}],
    ['an object whose keys throw', hostile], ['values String() refuses', prototypeless],
    ['an object value', { 'x-ratelimit-remaining': { n: 1 } }], ['odd list lines', { ratelimit: [1, null, {}] }],
  ])('reads a header bag of %s as declaring nothing', (_name, bag) => {
    expect(readQuotas(bag as never, NOW)).toEqual([]);
    expect(binanceQuotas()(bag as never, NOW)).toEqual([]);
  });

  it('never throws on arbitrary header values', () => {
    const value = fc.oneof(fc.string(), fc.constantFrom(...GARBAGE), fc.array(fc.string(), { maxLength: 3 }), fc.integer());
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...NAMES), value), fc.integer(), (headers, now) => {
      expectSane(readQuotas(headers, now));
      expectSane(binanceQuotas()(headers, now));
    }), { numRuns: 300 });
  });
});

describe('binanceQuotas', () => {
  const at = (ms: number) => NOW + ms;

  it('reads used weight against the 1 minute limit, resetting at the next whole minute', () => {
    const headers = { 'X-MBX-USED-WEIGHT': '1200', 'X-MBX-USED-WEIGHT-1M': '1200' };
    expect(binanceQuotas()(headers, at(15_000))).toEqual([q('x-mbx-used-weight-1m', 4800, 6000, 45_000, 60_000)]);
  });

  it('reads the order counts per 10 s and per day, resetting on Binance\'s fixed intervals', () => {
    const headers = new AxiosHeaders({ 'X-MBX-ORDER-COUNT-10S': '3', 'X-MBX-ORDER-COUNT-1D': '250' });
    expect(binanceQuotas()(headers, at(12_345))).toEqual([
      q('x-mbx-order-count-10s', 97, 100, 7_655, 10_000), q('x-mbx-order-count-1d', 199_750, 200_000, 86_400_000 - 12_345, 86_400_000),
    ]);
  });

  it('reads a window just begun as whole, and used beyond the limit as nothing left', () => {
    expect(binanceQuotas()({ 'x-mbx-used-weight-1m': '7000' }, NOW)).toEqual([q('x-mbx-used-weight-1m', 0, 6000, 60_000, 60_000)]);
  });

  it('ignores a header for an interval with no known limit, and the limits no header reports', () => {
    expect(binanceQuotas()({ 'x-mbx-used-weight-1s': '5', 'x-mbx-order-count-1m': '2' }, NOW)).toEqual([]);
  });

  it('reads the intervals of the rateLimits it is given', () => {
    const rateLimits: BinanceRateLimit[] = [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: 1, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'HOUR', intervalNum: 2, limit: 1000 },
    ];
    const headers = { 'x-mbx-used-weight-1m': '5', 'x-mbx-used-weight-1s': '5', 'x-mbx-order-count-2h': '10' };
    expect(binanceQuotas(rateLimits)(headers, at(1_250))).toEqual([
      q('x-mbx-used-weight-1s', 95, 100, 750, 1_000), q('x-mbx-order-count-2h', 990, 1000, 7_200_000 - 1_250, 7_200_000),
    ]);
  });

  it('reads the standard forms too', () => {
    const headers = { 'x-mbx-used-weight-1m': '10', 'X-RateLimit-Remaining': '3' };
    expect(binanceQuotas()(headers, NOW).map((r) => r.id)).toEqual(['x-ratelimit', 'x-mbx-used-weight-1m']);
  });

  it('leaves the reset unknown when the time is not a number', () => {
    expect(binanceQuotas()({ 'x-mbx-used-weight-1m': '10' }, NaN)).toEqual([q('x-mbx-used-weight-1m', 5990, 6000, undefined, 60_000)]);
  });

  it('takes an entry of the WebSocket API, which adds count', () => {
    const ws = [{ rateLimitType: 'REQUEST_WEIGHT' as const, interval: 'MINUTE' as const, intervalNum: 1, limit: 6000, count: 70 }];
    expect(binanceLimits(ws)).toEqual([{ type: 'REQUEST_WEIGHT', id: 'x-mbx-used-weight-1m', limit: 6000, windowMs: 60_000 }]);
  });

  it('resolves the spot defaults', () => {
    expect(binanceLimits(BINANCE_SPOT_RATE_LIMITS).map((l) => [l.id, l.limit, l.windowMs])).toEqual([
      ['x-mbx-used-weight-1m', 6000, 60_000], ['x-mbx-order-count-10s', 100, 10_000],
      ['x-mbx-order-count-1d', 200_000, 86_400_000], [undefined, 61_000, 300_000],
    ]);
  });

  const entry = { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 };
  it.each<[string, unknown, ErrorConstructor, RegExp]>([
    ['not an array', { length: 1 }, TypeError, /^rateLimits must be an array of exchangeInfo rate limits, got an object$/],
    ['an entry that is no object', [entry, 5], TypeError, /^rateLimits\[1\] must be an exchangeInfo rate limit .*, got 5$/],
    ['a hole', [, entry], TypeError, /^rateLimits\[0\] must be .*got undefined$/],
    ['an unknown type', [{ ...entry, rateLimitType: 'WEIGHT' }], TypeError,
      /^rateLimits\[0\]\.rateLimitType must be one of REQUEST_WEIGHT, ORDERS, RAW_REQUESTS, got "WEIGHT"$/],
    ['an unknown interval', [{ ...entry, interval: 'WEEK' }], TypeError,
      /^rateLimits\[0\]\.interval must be one of SECOND, MINUTE, HOUR, DAY, got "WEEK"$/],
    ['a lower-case interval', [{ ...entry, interval: 'second' }], TypeError, /rateLimits\[0\]\.interval .* got "second"$/],
    ['an inherited name as the interval', [{ ...entry, interval: 'toString' }], TypeError, /rateLimits\[0\]\.interval/],
    ['intervalNum 0', [{ ...entry, intervalNum: 0 }], RangeError, /^rateLimits\[0\]\.intervalNum must be a whole number >= 1, got 0$/],
    ['intervalNum as text', [{ ...entry, intervalNum: '10' }], RangeError, /^rateLimits\[0\]\.intervalNum .* got "10"$/],
    ['a fractional limit', [{ ...entry, limit: 1.5 }], RangeError, /^rateLimits\[0\]\.limit must be a whole number >= 1, got 1.5$/],
    ['a limit of NaN', [{ ...entry, limit: NaN }], RangeError, /^rateLimits\[0\]\.limit .* got NaN$/],
    ['a limit of Infinity', [{ ...entry, limit: Infinity }], RangeError, /^rateLimits\[0\]\.limit .* got Infinity$/],
    ['a repeated interval', [entry, { ...entry, limit: 50 }], RangeError,
      /^rateLimits\[1\] repeats rateLimits\[0\]: two ORDERS limits per 10000 ms$/],
    ['the same interval spelled twice', [entry, { ...entry, interval: 'MINUTE', intervalNum: 1 }, { ...entry, intervalNum: 60 }],
      RangeError, /^rateLimits\[2\] repeats rateLimits\[1\]/],
  ])('refuses %s', (_name, rateLimits, type, message) => {
    expect(() => binanceQuotas(rateLimits as BinanceRateLimit[])).toThrow(type);
    expect(() => binanceQuotas(rateLimits as BinanceRateLimit[])).toThrow(message);
  });

  it('takes an empty list, reading the standard forms only', () => {
    expect(binanceQuotas([])({ 'x-mbx-used-weight-1m': '1', 'x-ratelimit-remaining': '2' }, NOW)).toEqual([q('x-ratelimit', 2)]);
  });
});
