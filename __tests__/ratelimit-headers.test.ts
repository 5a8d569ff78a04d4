import { AxiosHeaders } from 'axios';
import { MAX_DELAY } from '../lib/clock';
import {
  parseDeltaMs, parseDeltaSeconds, parseEpochMs, parseEpochOrDelta, parseRateLimit, resetWait, type ResetParser,
} from '../lib/ratelimit-headers';

// 2025-01-01T00:00:00Z
const NOW = Date.UTC(2025, 0, 1, 0, 0, 0);
// One minute before the reset in GitHub's documented example (x-ratelimit-reset: 1372700873)
const GITHUB_NOW = 1372700873_000 - 60_000;
// One second before the reset in Bybit's documented example (1672738134824)
const BYBIT_NOW = 1672738134824 - 1_000;

function expectSaneWait(wait: number | undefined): void {
  if (wait === undefined) return;
  expect(Number.isFinite(wait)).toBe(true);
  expect(wait).toBeGreaterThanOrEqual(0);
  expect(wait).toBeLessThanOrEqual(MAX_DELAY);
}

const PARSERS: Record<string, ResetParser> = {
  parseRateLimit, parseDeltaSeconds, parseEpochOrDelta, parseEpochMs, parseDeltaMs,
};

describe('per-format parsers', () => {
  it.each<[string, ResetParser, string | undefined, number, number | undefined]>([
    // IETF draft -08..-10 list form: r remaining, t delay-seconds
    ['RateLimit exhausted policy', parseRateLimit, '"default";r=0;t=7', NOW, 7_000],
    ['RateLimit with quota left', parseRateLimit, '"default";r=50;t=30', NOW, undefined],
    ['RateLimit without r', parseRateLimit, '"default";t=12', NOW, 12_000],
    ['RateLimit token item', parseRateLimit, 'default;r=0;t=3', NOW, 3_000],
    ['RateLimit, two policies, one exhausted', parseRateLimit, '"burst";r=0;t=5, "daily";r=900;t=3600', NOW, 5_000],
    ['RateLimit, two policies exhausted', parseRateLimit, '"burst";r=0;t=5, "daily";r=0;t=3600', NOW, 3_600_000],
    ['RateLimit with a partition key', parseRateLimit, '"default";r=0;t=2;pk=:dXNlcjE=:', NOW, 2_000],
    ['RateLimit, upper-case keys', parseRateLimit, '"default";R=0;T=4', NOW, 4_000],
    ['RateLimit, ; and , inside the policy name', parseRateLimit, '"a;t=99,b";r=0;t=1', NOW, 1_000],
    ['RateLimit t=0', parseRateLimit, '"default";r=0;t=0', NOW, 0],
    // IETF draft -07 dictionary form
    ['RateLimit -07 exhausted', parseRateLimit, 'limit=10, remaining=0, reset=7', NOW, 7_000],
    ['RateLimit -07 with quota left', parseRateLimit, 'limit=100, remaining=50, reset=5', NOW, undefined],
    ['RateLimit -07 without remaining', parseRateLimit, 'limit=10, reset=9', NOW, 9_000],
    ['RateLimit -07 without reset', parseRateLimit, 'limit=10, remaining=0', NOW, undefined],
    // IETF draft <= -06 RateLimit-Reset: delay-seconds
    ['RateLimit-Reset', parseDeltaSeconds, '30', NOW, 30_000],
    ['RateLimit-Reset zero', parseDeltaSeconds, '0', NOW, 0],
    // X-RateLimit-Reset: GitHub epoch seconds, epoch ms, or delta seconds by magnitude
    ['GitHub x-ratelimit-reset, 60 s ahead', parseEpochOrDelta, '1372700873', GITHUB_NOW, 60_000],
    ['X-RateLimit-Reset epoch seconds in the past', parseEpochOrDelta, '1372700873', NOW, 0],
    ['X-RateLimit-Reset epoch ms', parseEpochOrDelta, String(NOW + 2_500), NOW, 2_500],
    ['X-RateLimit-Reset epoch ms in the past', parseEpochOrDelta, String(NOW - 2_500), NOW, 0],
    ['X-RateLimit-Reset delta seconds', parseEpochOrDelta, '42', NOW, 42_000],
    ['X-RateLimit-Reset fractional epoch seconds', parseEpochOrDelta, String(NOW / 1000 + 1.5), NOW, 1_500],
    ['X-RateLimit-Reset HTTP-date', parseEpochOrDelta, 'Wed, 01 Jan 2025 00:00:30 GMT', NOW, 30_000],
    // Bybit X-Bapi-Limit-Reset-Timestamp: epoch ms
    ['Bybit reset timestamp, 1 s ahead', parseEpochMs, '1672738134824', BYBIT_NOW, 1_000],
    ['Bybit reset timestamp equal to now (not exceeded)', parseEpochMs, '1672738134824', 1672738134824, 0],
    ['Bybit reset timestamp in the past', parseEpochMs, '1672738134824', NOW, 0],
    // KuCoin gw-ratelimit-reset: ms countdown
    ['KuCoin gw-ratelimit-reset', parseDeltaMs, '1350', NOW, 1_350],
    ['KuCoin gw-ratelimit-reset 1489', parseDeltaMs, '1489', NOW, 1_489],
    // never longer than setTimeout can wait
    ['huge delta seconds', parseDeltaSeconds, '99999999999', NOW, MAX_DELAY],
    ['huge epoch', parseEpochOrDelta, '9'.repeat(400), NOW, MAX_DELAY],
    ['huge RateLimit t', parseRateLimit, '"default";r=0;t=99999999999', NOW, MAX_DELAY],
    ['absent', parseEpochOrDelta, undefined, NOW, undefined],
  ])('reads %s (%p)', (_name, parse, value, now, expected) => {
    const wait = parse(value, now);
    expect(wait).toBe(expected);
    expectSaneWait(wait);
  });
});

const GARBAGE = ['', 'abc', '-1', 'NaN', 'Infinity', '-Infinity', '1e400', '   ', ';;;', 'r=;t=', ',,,', '"', '"default";r=-1;t=-5',
  'limit=, remaining=, reset=', '0x10', '5s', '=;=', '"unterminated;r=0;t=1'];

describe('unreadable values', () => {
  const cases = Object.entries(PARSERS).flatMap(([name, parse]) => GARBAGE.map((value) => [name, value, parse] as const));
  it.each(cases)('%s(%p) neither throws nor yields a negative or NaN wait', (_name, value, parse) => {
    let wait: number | undefined;
    expect(() => {
      wait = parse(value, NOW);
    }).not.toThrow();
    expectSaneWait(wait);
  });

  it.each(GARBAGE)('resetWait over every header set to %p neither throws nor yields a bad wait', (value) => {
    const headers = {
      ratelimit: value, 'ratelimit-reset': value, 'x-ratelimit-reset': value,
      'x-bapi-limit-reset-timestamp': value, 'gw-ratelimit-reset': value,
    };
    expectSaneWait(resetWait(headers, NOW));
  });

  it.each([null, undefined, 'oops', 42, [], {}])('resetWait over a header bag of %p is undefined', (bag) => {
    expect(resetWait(bag as never, NOW)).toBeUndefined();
  });
});

describe('resetWait', () => {
  it.each<[string, Record<string, string>, number, number | undefined]>([
    ['no rate-limit header', { 'content-type': 'application/json' }, NOW, undefined],
    ['IETF RateLimit', { RateLimit: '"default";r=0;t=7' }, NOW, 7_000],
    ['IETF RateLimit -07', { RateLimit: 'limit=10, remaining=0, reset=7' }, NOW, 7_000],
    ['RateLimit-Reset with nothing remaining', { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '20' }, NOW, 20_000],
    ['RateLimit-Reset alone', { 'RateLimit-Reset': '20' }, NOW, 20_000],
    ['RateLimit-Reset with quota left', { 'RateLimit-Remaining': '3', 'RateLimit-Reset': '20' }, NOW, undefined],
    ['GitHub primary limit hit', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1372700873' }, GITHUB_NOW, 60_000],
    // GitHub sends x-ratelimit-reset on every response; it is the wait only once remaining is 0
    ['GitHub with quota left', { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '1372700873' }, GITHUB_NOW, undefined],
    ['Bybit', { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit-Reset-Timestamp': '1672738134824' }, BYBIT_NOW, 1_000],
    ['KuCoin quota used up', { 'gw-ratelimit-limit': '500', 'gw-ratelimit-remaining': '0', 'gw-ratelimit-reset': '1350' }, NOW, 1_350],
    ['KuCoin with quota left', { 'gw-ratelimit-limit': '500', 'gw-ratelimit-remaining': '300', 'gw-ratelimit-reset': '1489' }, NOW, undefined],
    ['the largest of several', { RateLimit: '"default";r=0;t=2', 'RateLimit-Reset': '9', 'gw-ratelimit-reset': '4000' }, NOW, 9_000],
    ['a readable header beside an unreadable one', { RateLimit: ';;;', 'X-RateLimit-Reset': '5' }, NOW, 5_000],
    ['an unreadable remaining counts as absent', { 'x-ratelimit-remaining': 'n/a', 'x-ratelimit-reset': '5' }, NOW, 5_000],
  ])('reads %s', (_name, headers, now, expected) => {
    expect(resetWait(headers, now)).toBe(expected);
  });

  it('reads AxiosHeaders as well as a plain object', () => {
    const headers = new AxiosHeaders({ 'X-Bapi-Limit-Reset-Timestamp': '1672738134824' });
    expect(resetWait(headers, BYBIT_NOW)).toBe(1_000);
    expect(resetWait(AxiosHeaders.from('RateLimit: "default";r=0;t=7\r\nRateLimit-Policy: "default";q=10;w=60'), NOW)).toBe(7_000);
  });

  it('finds headers whatever their case', () => {
    expect(resetWait({ 'GW-RATELIMIT-RESET': '1350' }, NOW)).toBe(1_350);
    expect(resetWait({ 'x-RateLimit-REMAINING': '0', 'X-RATELIMIT-reset': '1372700873' }, GITHUB_NOW)).toBe(60_000);
  });

  it('reads the first of repeated header values', () => {
    expect(resetWait({ 'ratelimit-reset': ['3', '100'] }, NOW)).toBe(3_000);
  });
});
