import { AxiosHeaders } from 'axios';
import { MAX_DELAY } from '../lib/clock';
import { parseRetryAfter, serverWait } from '../lib/headers';

// 2025-01-01T00:00:00Z, a Wednesday
const NOW = Date.UTC(2025, 0, 1, 0, 0, 0);

function expectSaneWait(wait: number | undefined): void {
  if (wait === undefined) return;
  expect(Number.isFinite(wait)).toBe(true);
  expect(wait).toBeGreaterThanOrEqual(0);
  expect(wait).toBeLessThanOrEqual(MAX_DELAY);
}

describe('parseRetryAfter', () => {
  it.each<[string, string | undefined, number | undefined]>([
    // RFC 9110 §10.2.3: delay-seconds
    ['zero seconds', '0', 0],
    ['whole seconds', '5', 5_000],
    ['seconds with surrounding spaces', ' 7 ', 7_000],
    ['fractional seconds', '1.5', 1_500],
    ['leading zeros', '007', 7_000],
    // RFC 9110 §5.6.7: HTTP-date, IMF-fixdate and the two obsolete forms
    ['IMF-fixdate 30 s ahead', 'Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
    ['IMF-fixdate 2 min ahead', 'Wed, 01 Jan 2025 00:02:00 GMT', 120_000],
    ['IMF-fixdate equal to now', 'Wed, 01 Jan 2025 00:00:00 GMT', 0],
    ['IMF-fixdate in the past', 'Tue, 31 Dec 2024 23:59:00 GMT', 0],
    ['IMF-fixdate long past', 'Sun, 06 Nov 1994 08:49:37 GMT', 0],
    ['RFC 850 date 45 s ahead', 'Wednesday, 01-Jan-25 00:00:45 GMT', 45_000],
    ['RFC 850 date in the past', 'Sunday, 06-Nov-94 08:49:37 GMT', 0],
    ['asctime date 10 s ahead', 'Wed Jan  1 00:00:10 2025', 10_000],
    ['asctime date in the past', 'Sun Nov  6 08:49:37 1994', 0],
    // never longer than setTimeout can wait
    ['huge delay-seconds', '99999999999', MAX_DELAY],
    ['delay-seconds beyond a double', '9'.repeat(400), MAX_DELAY],
    ['a date far in the future', 'Fri, 31 Dec 9999 23:59:59 GMT', MAX_DELAY],
    // absent or unreadable
    ['absent', undefined, undefined],
    ['a word', 'soon', undefined],
    ['empty', '', undefined],
    ['blank', '   ', undefined],
    ['negative seconds', '-5', undefined],
    ['NaN', 'NaN', undefined],
    ['exponent notation', '1e3', undefined],
    ['hexadecimal', '0x10', undefined],
    ['Infinity', 'Infinity', undefined],
    ['a number with a unit', '5s', undefined],
    ['a bare dot', '.', undefined],
  ])('reads %s (%p) as %p', (_name, header, expected) => {
    const wait = parseRetryAfter(header, NOW);
    expect(wait).toBe(expected);
    expectSaneWait(wait);
  });

  it('reads an asctime date as GMT: the same instant as its IMF-fixdate', () => {
    // RFC 9110 §5.6.7: every HTTP-date form is in UTC, whatever the machine's time zone
    expect(parseRetryAfter('Wed Jan  1 00:00:10 2025', NOW)).toBe(
      parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', NOW),
    );
  });

  it.each(['abc 12', 'retry later 1', 'Mon 7', 'May 5'])(
    'does not read the text %p as a date',
    (header) => {
      // Not an HTTP-date; a lenient date parser reads these as dates in 2001 (a past date: wait 0)
      expect(parseRetryAfter(header, NOW)).toBeUndefined();
    },
  );

  it('measures a date against the given now, not the real clock', () => {
    const header = 'Wed, 01 Jan 2025 00:01:00 GMT';
    expect(parseRetryAfter(header, NOW)).toBe(60_000);
    expect(parseRetryAfter(header, NOW + 45_000)).toBe(15_000);
    expect(parseRetryAfter(header, NOW + 60_001)).toBe(0);
  });

  it('is never negative, NaN or above 2^31-1 for any of a sweep of inputs', () => {
    const inputs = [
      '', ' ', '0', '00', '1', '-1', '+1', '1.', '.5', '1..2', '1,5', '١', '5\n', '\t5', 'Infinity', '-Infinity',
      'NaN', 'null', 'undefined', '1e309', '0x1F', '0b1', '2147483648', '2147483.648', '9'.repeat(20),
      'Thu, 01 Jan 1970 00:00:00 GMT', 'Sat, 01 Jan 2000 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT',
      'Wed, 01 Jan 2025 00:00:30 GMT', 'Wed Jan  1 00:00:10 2025', 'Wednesday, 01-Jan-25 00:00:45 GMT',
      'Mon, 32 Jan 2025 00:00:00 GMT', 'Wed, 01 Foo 2025 00:00:00 GMT',
    ];
    for (const now of [0, NOW, MAX_DELAY * 10]) {
      for (const header of inputs) expectSaneWait(parseRetryAfter(header, now));
    }
  });
});

describe('serverWait', () => {
  it.each<[string, Record<string, unknown>, number | undefined]>([
    ['canonical name', { 'Retry-After': '5' }, 5_000],
    ['lowercase name', { 'retry-after': '5' }, 5_000],
    ['uppercase name', { 'RETRY-AFTER': '5' }, 5_000],
    ['a number value', { 'retry-after': 3 }, 3_000],
    ['an array value: the first wins', { 'retry-after': ['2', '9'] }, 2_000],
    ['an empty array', { 'retry-after': [] }, undefined],
    ['a null value', { 'retry-after': null }, undefined],
    ['an HTTP-date value', { 'Retry-After': 'Wed, 01 Jan 2025 00:00:30 GMT' }, 30_000],
    ['a garbage value', { 'retry-after': 'soon' }, undefined],
    ['no Retry-After', { 'content-type': 'application/json', 'x-mbx-used-weight-1m': '1200' }, undefined],
  ])('reads a plain object with %s', (_name, headers, expected) => {
    expect(serverWait(headers, NOW)).toBe(expected);
  });

  it.each([
    ['Retry-After', '5'],
    ['retry-after', '5'],
    ['RETRY-AFTER', '5'],
  ])('reads AxiosHeaders set with the name %p', (name, value) => {
    const headers = new AxiosHeaders();
    headers.set(name, value);
    expect(serverWait(headers, NOW)).toBe(5_000);
  });

  it('reads AxiosHeaders parsed from a raw header block', () => {
    const headers = AxiosHeaders.from('Content-Type: text/plain\r\nRetry-After: Wed, 01 Jan 2025 00:00:30 GMT\r\n');
    expect(serverWait(headers, NOW)).toBe(30_000);
  });

  it('reads an array value in AxiosHeaders', () => {
    const headers = new AxiosHeaders();
    headers.set('Retry-After', ['4', '8']);
    expect(serverWait(headers, NOW)).toBe(4_000);
  });

  it('returns undefined for AxiosHeaders without Retry-After', () => {
    expect(serverWait(new AxiosHeaders({ 'Content-Type': 'text/plain' }), NOW)).toBeUndefined();
  });

  it.each([undefined, null])('returns undefined for headers = %p', (headers) => {
    expect(serverWait(headers, NOW)).toBeUndefined();
  });
});
