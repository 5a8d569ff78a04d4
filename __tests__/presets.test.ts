import { AxiosHeaders, type AxiosResponse } from 'axios';
import {
  binanceClassifier, bybitClassifier, coinbaseClassifier, krakenClassifier, kucoinClassifier, okxClassifier, presets,
} from '../lib/presets';
import type { RetryOptions, Classification, Classifier } from '../lib/types';

const NOW = Date.UTC(2025, 0, 1, 0, 0, 0);
// One second before the reset in Bybit's documented example
const BYBIT_NOW = 1672738134824 - 1_000;
// One minute before a Binance ban ending at 1620286253180 (epoch ms, as seen in logs)
const BAN_END = 1620286253180;
const BINANCE_NOW = BAN_END - 60_000;

function response(status: number, data: unknown, headers: Record<string, string> = {}): AxiosResponse {
  return {
    status, statusText: '', data, headers: new AxiosHeaders(headers), config: { headers: new AxiosHeaders() },
  } as AxiosResponse;
}

const RL: Classification = { kind: 'rate-limited' };
const RL_WAIT = (wait: number): Classification => ({ kind: 'rate-limited', wait });
const TRANSIENT: Classification = { kind: 'transient' };
const UNKNOWN: Classification = { kind: 'unknown' };
const RESIGN: Classification = { kind: 'resign' };
const FATAL = { kind: 'fatal', reason: expect.any(String) } as unknown as Classification;

type Row = [name: string, status: number, headers: Record<string, string>, body: unknown, expected: Classification | undefined];

function table(classify: Classifier, rows: Row[]): void {
  it.each(rows)('%s', (_name, status, headers, body, expected) => {
    expect(classify(response(status, body, headers))).toEqual(expected);
  });
}

describe('binance', () => {
  const weight = (msg: string) => ({ code: -1003, msg });
  table(binanceClassifier(() => BINANCE_NOW), [
    ['429 -1003 with Retry-After waits for it', 429, { 'Retry-After': '3' },
      weight('Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.'), RL_WAIT(3_000)],
    ['429 -1003 without Retry-After', 429, {},
      { code: -1003, msg: 'Too many requests; current limit is 1200 request weight per 1 MINUTE.' }, RL],
    ['429 -1003 "Too many requests queued."', 429, {}, weight('Too many requests queued.'), RL],
    ['429 -1015 order-count limit, no Retry-After', 429, {},
      { code: -1015, msg: 'Too many new orders; current limit is 50 orders per 10 SECOND.' }, RL],
    ['418 ban: the later of Retry-After and the ban end', 418, { 'Retry-After': '120' },
      weight(`Way too much request weight used; IP banned until ${BAN_END}. Please use WebSocket Streams for live updates to avoid bans.`), RL_WAIT(120_000)],
    ['418 ban without Retry-After waits for the ban end', 418, {},
      weight(`Way too much request weight used; IP banned until ${BAN_END}. Please use WebSocket Streams for live updates to avoid bans.`), RL_WAIT(60_000)],
    ['418 ban with no end given holds for the shortest ban, 2 minutes', 418, {}, weight('Way too much request weight used; IP banned until %s.'), RL_WAIT(120_000)],
    ['503 -1007 timeout: execution status unknown', 503, {},
      { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' }, UNKNOWN],
    ['500 -1006 unexpected response', 500, {},
      { code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' }, UNKNOWN],
    ['-1016 service shutting down', 503, {}, { code: -1016, msg: 'This service is no longer available.' }, FATAL],
    ['400 -1021 outside recvWindow', 400, {}, { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' }, RESIGN],
    ['400 -1021 ahead of server time', 400, {},
      { code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time." }, RESIGN],
    ['403 WAF', 403, {}, '<html><body>403 Forbidden</body></html>', FATAL],
    ['502 from the edge: may have been acted on', 502, {}, '<html>502 Bad Gateway</html>', UNKNOWN],
    ['429 without a body is left to the status', 429, { 'Retry-After': '3' }, '', undefined],
    ['418 with Retry-After and no body is left to the status', 418, { 'Retry-After': '120' }, '', undefined],
    ['400 -1121 invalid symbol is left to the status', 400, {}, { code: -1121, msg: 'Invalid symbol.' }, undefined],
    ['200 ticker', 200, { 'x-mbx-used-weight-1m': '2' }, { symbol: 'BTCUSDT', price: '97000.01' }, undefined],
  ]);
});

describe('bybit', () => {
  const envelope = (retCode: number, retMsg: string) => ({ retCode, retMsg, result: {}, retExtInfo: {}, time: 1672738134824 });
  const limits = { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit-Reset-Timestamp': '1672738134824' };
  table(bybitClassifier(() => BYBIT_NOW), [
    ['200 10006 waits for X-Bapi-Limit-Reset-Timestamp', 200, limits, envelope(10006, 'Too many visits!'), RL_WAIT(1_000)],
    ['200 10006 without the reset header', 200, {}, envelope(10006, 'Too many visits!'), RL],
    ['200 10006 with a reset already past', 200, { 'X-Bapi-Limit-Reset-Timestamp': '1672738000000' },
      envelope(10006, 'Too many visits!'), RL_WAIT(0)],
    ['200 10018 IP limit', 200, {}, envelope(10018, 'Exceeded the IP Rate Limit.'), RL],
    ['403 access too frequent holds for the 10 minutes Bybit asks', 403, {}, 'access too frequent', RL_WAIT(600_000)],
    ['200 10000 server timeout', 200, {}, envelope(10000, 'Server Timeout'), UNKNOWN],
    ['200 10016 internal error', 200, {}, envelope(10016, 'Internal System Error.'), UNKNOWN],
    ['200 170007 backend timeout', 200, {}, envelope(170007, 'Timeout waiting for response from backend server.'), UNKNOWN],
    ['200 10002 request time outside the window', 200, {},
      envelope(10002, 'invalid request, please check your server timestamp or recv_window param. req_timestamp[1672738134824],server_timestamp[1672738140000],recv_window[5000]'), RESIGN],
    ['200 retCode 0', 200, limits, { retCode: 0, retMsg: 'OK', result: { list: [] }, retExtInfo: {}, time: 1672738134824 }, undefined],
    ['200 10001 parameter error', 200, {}, envelope(10001, 'params error'), undefined],
    ['429 is left to the status', 429, {}, '', undefined],
  ]);
});

describe('okx', () => {
  const body = (code: string, msg: string) => ({ code, msg, data: [] });
  table(okxClassifier(() => NOW), [
    ['200 50011 rate limit reached', 200, {},
      body('50011', 'Rate limit reached. Please refer to API documentation and throttle requests accordingly.'), RL],
    ['429 50011 too many requests', 429, {}, body('50011', 'Too Many Requests'), RL],
    ['200 50061 sub-account order rate limit', 200, {},
      body('50061', "You've reached the maximum order rate limit for this account."), RL],
    ['200 50040 too frequent operations', 200, {}, body('50040', 'Too frequent operations, please try again later'), RL],
    ['429 50013 systems busy', 429, {}, body('50013', 'Systems are busy. Please try again later.'), UNKNOWN],
    ['503 50001 service unavailable', 503, {}, body('50001', 'Service temporarily unavailable. Please try again later.'), UNKNOWN],
    ['500 50026 system error', 500, {}, body('50026', 'System error. Try again later'), UNKNOWN],
    ['400 50004 endpoint timeout', 400, {},
      body('50004', 'API endpoint request timeout (does not mean that the request was successful or failed, please check the request result).'), UNKNOWN],
    ['200 51149 order timed out', 200, {}, body('51149', 'Order timed out, please try again later.'), UNKNOWN],
    ['401 50102 timestamp expired', 401, {}, body('50102', 'Timestamp request expired.'), RESIGN],
    ['200 code 0', 200, {}, { code: '0', msg: '', data: [{ ordId: '312269865356374016', sCode: '0', sMsg: '' }] }, undefined],
    ['401 50113 invalid signature', 401, {}, body('50113', 'Invalid signature.'), undefined],
    ['200 batch partly failed is left alone', 200, {},
      { code: '2', msg: 'Bulk operation partially succeeded.', data: [{ sCode: '0' }, { sCode: '50011' }] }, undefined],
  ]);
});

describe('kraken', () => {
  const errors = (...error: string[]) => ({ error, result: {} });
  it.each([
    ['/0/private/AddOrder', UNKNOWN],
    ['https://api.kraken.com/0/private/AddOrderBatch', UNKNOWN],
    ['/0/private/EditOrder', UNKNOWN],
    ['/0/private/CancelOrder', TRANSIENT],
    ['/0/private/Balance', TRANSIENT],
  ])('EService:Unavailable at %s: %j (the docs do not say an order was not placed)', (url, expected) => {
    const answer = { ...response(200, errors('EService:Unavailable')), config: { url, headers: new AxiosHeaders() } } as AxiosResponse;
    expect(krakenClassifier(() => NOW)(answer)).toEqual(expected);
  });
  table(krakenClassifier(() => NOW), [
    ['200 EAPI:Rate limit exceeded', 200, {}, errors('EAPI:Rate limit exceeded'), RL],
    ['200 EOrder:Rate limit exceeded', 200, {}, { error: ['EOrder:Rate limit exceeded'] }, RL],
    ['200 EService:Unavailable', 200, {}, errors('EService:Unavailable'), TRANSIENT],
    // "EService: Throttled: [UNIX timestamp]": too many concurrent requests, try again after it.
    ['200 EService: Throttled until 5 s from now', 200, {}, errors(`EService: Throttled: ${Math.floor(NOW / 1000) + 5}`), { kind: 'rate-limited', wait: 5_000 - (NOW % 1000) }],
    ['200 EService:Busy', 200, {}, errors('EService:Busy'), UNKNOWN],
    ['200 EService:Deadline elapsed', 200, {}, errors('EService:Deadline elapsed'), UNKNOWN],
    ['200 EGeneral:Internal error', 200, {}, errors('EGeneral:Internal error'), UNKNOWN],
    ['200 EGeneral:Internal error with a detail code', 200, {}, errors('EGeneral:Internal error:50023'), UNKNOWN],
    ['200 EGeneral:Temporary lockout', 200, {}, errors('EGeneral:Temporary lockout'), FATAL],
    ['200 EAPI:Invalid nonce', 200, {}, errors('EAPI:Invalid nonce'), RESIGN],
    ['a lockout beside a rate limit is fatal', 200, {}, errors('EAPI:Rate limit exceeded', 'EGeneral:Temporary lockout'), FATAL],
    ['an unknown outcome beside a transient one is unknown', 200, {}, errors('EService:Unavailable', 'EGeneral:Internal error'), UNKNOWN],
    ['200 no error', 200, {}, { error: [], result: { unixtime: 1735689600, rfc1123: 'Wed,  1 Jan 25 00:00:00 +0000' } }, undefined],
    ['200 EGeneral:Invalid arguments', 200, {}, errors('EGeneral:Invalid arguments'), undefined],
    ['520 from Cloudflare', 520, {}, '<html>error code: 520</html>', UNKNOWN],
  ]);
});

describe('kucoin', () => {
  const tooMany = { code: '429000', msg: 'Too Many Requests' };
  table(kucoinClassifier(() => NOW), [
    ['429 429000 quota spent waits gw-ratelimit-reset', 429, {
      'gw-ratelimit-limit': '500', 'gw-ratelimit-remaining': '0', 'gw-ratelimit-reset': '1350',
    }, tooMany, RL_WAIT(1_350)],
    ['429 429000 from overload has no gw-ratelimit headers', 429, {}, tooMany, TRANSIENT],
    ['401 400002 invalid timestamp', 401, {}, { code: '400002', msg: 'Invalid KC-API-TIMESTAMP' }, RESIGN],
    ['500 500000 internal error', 500, {}, { code: '500000', msg: 'Internal Server Error' }, UNKNOWN],
    ['503 without a body', 503, {}, '', UNKNOWN],
    ['200 200000', 200, { 'gw-ratelimit-remaining': '300', 'gw-ratelimit-reset': '1489' },
      { code: '200000', data: { orderId: '5bd6e9286d99522a52e458de' } }, undefined],
    ['400 400100 parameter error', 400, {}, { code: '400100', msg: 'Parameter Error' }, undefined],
  ]);
});

describe('coinbase', () => {
  table(coinbaseClassifier(() => NOW), [
    ['429 is left to the status', 429, {}, { message: 'Too Many Requests' }, undefined],
    ['401 request timestamp expired', 401, {}, { message: 'request timestamp expired' }, RESIGN],
    ['401 invalid signature', 401, {}, { message: 'invalid signature' }, undefined],
    ['500 server problem', 500, {}, { message: 'We had a problem with our server' }, UNKNOWN],
    ['503 without a body', 503, {}, undefined, UNKNOWN],
    ['400 invalid price', 400, {}, { message: 'Invalid Price' }, undefined],
    ['403 missing scopes', 403, {},
      { error: 'PERMISSION_DENIED', message: 'Missing required scopes', error_details: 'Missing required scopes' }, undefined],
  ]);
});

const CLASSIFIERS: Record<string, Classifier> = {
  binance: binanceClassifier(() => NOW), bybit: bybitClassifier(() => NOW), okx: okxClassifier(() => NOW),
  coinbase: coinbaseClassifier(() => NOW), kraken: krakenClassifier(() => NOW), kucoin: kucoinClassifier(() => NOW),
};

const throwing = Object.defineProperty({}, 'code', { enumerable: true, get: () => { throw new Error('boom'); } });
const hostile = new Proxy({}, { get: () => { throw new Error('boom'); }, getOwnPropertyDescriptor: () => { throw new Error('boom'); } });
const GARBAGE: [string, unknown][] = [
  ['null', null], ['undefined', undefined], ["''", ''], ["'oops'", 'oops'], ['[]', []], ['{}', {}],
  ['{code: {}}', { code: {} }], ['{code: null}', { code: null }], ['{code: NaN}', { code: NaN }],
  ['{code: 1.5}', { code: 1.5 }], ['{retCode: [10006]}', { retCode: [10006] }], ['{error: "EAPI:Rate limit exceeded"}', { error: 'EAPI:Rate limit exceeded' }],
  ['{error: [null, 42, {}]}', { error: [null, 42, {}] }], ['{code: -1003, msg: 42}', { code: -1003, msg: 42 }],
  ['42', 42], ['true', true], ['an HTML page', '<html>502 Bad Gateway</html>'], ['a null-prototype object', Object.create(null)],
  ['a throwing getter', throwing], ['a hostile proxy', hostile],
];

describe('garbage bodies', () => {
  const cases = Object.entries(CLASSIFIERS).flatMap(([exchange, classify]) =>
    GARBAGE.flatMap(([name, body]) => [200, 429, 500].map((status) => [exchange, name, status, body, classify] as const)));
  it.each(cases)('%s: %s under %p never throws', (_exchange, _name, status, body, classify) => {
    let result: Classification | undefined;
    expect(() => {
      result = classify(response(status, body));
    }).not.toThrow();
    if (result !== undefined) expect(['ok', 'rate-limited', 'transient', 'unknown', 'resign', 'fatal']).toContain(result.kind);
  });

  it.each(Object.entries(CLASSIFIERS))('%s: a response with no headers or status never throws', (_exchange, classify) => {
    expect(() => classify({ data: { code: -1003 } } as AxiosResponse)).not.toThrow();
    expect(() => classify(undefined as unknown as AxiosResponse)).not.toThrow();
  });
});

describe('presets', () => {
  it.each(Object.entries(presets))('%s sets a classifier', (_exchange, preset) => {
    expect(typeof preset().classify).toBe('function');
  });

  it.each(Object.entries(presets))('%s applies overrides on top of its defaults', (_exchange, preset) => {
    const strategy = () => 10;
    const options = preset({ retries: 5, maxRetryAfter: 1_000, strategy });
    expect(options).toMatchObject({ retries: 5, maxRetryAfter: 1_000, strategy });
    expect(typeof options.classify).toBe('function');
  });

  it.each(Object.entries(presets))('%s never mutates the overrides', (_exchange, preset) => {
    const overrides: RetryOptions = Object.freeze({ retries: 2, statusCodes: Object.freeze([429]) });
    const options = preset(overrides);
    expect(overrides).toEqual({ retries: 2, statusCodes: [429] });
    expect(options).not.toBe(overrides);
  });

  it.each(Object.entries(presets))('%s returns a new object each call', (_exchange, preset) => {
    const first = preset({ retries: 9 });
    const second = preset();
    expect(first).not.toBe(second);
    expect(second).not.toHaveProperty('retries', 9);
  });

  it.each(Object.entries(presets))('%s lets an undefined override keep the default', (_exchange, preset) => {
    const options = preset({ retries: undefined, classify: undefined } as RetryOptions);
    expect(options).not.toHaveProperty('retries');
    expect(typeof options.classify).toBe('function');
  });

  it.each(Object.entries(presets))("%s lets the user's classify replace the exchange's", (_exchange, preset) => {
    const classify: Classifier = () => ({ kind: 'ok' });
    expect(preset({ classify } as RetryOptions).classify).toBe(classify);
  });

  it('reads the system clock when no clock is given', () => {
    const reset = String(Date.now() + 60 * 60_000);
    const result = presets.bybit().classify(response(200, { retCode: 10006 }, { 'X-Bapi-Limit-Reset-Timestamp': reset }));
    expect(result).toMatchObject({ kind: 'rate-limited' });
    expect((result as { wait: number }).wait).toBeGreaterThan(59 * 60_000);
  });
});

describe('body codes parsed as BigInt (json-bigint and its kin)', () => {
  it('are read like numbers', () => {
    expect(bybitClassifier()(response(200, { retCode: BigInt(10006), retMsg: 'Too many visits!' }))?.kind).toBe('rate-limited');
    expect(binanceClassifier()(response(400, { code: BigInt(-1021), msg: 'Timestamp outside recvWindow' }))?.kind).toBe('resign');
  });
});

describe('signedUntil: when each exchange stops accepting a signed request', () => {
  const at = 1_700_000_000_000;
  const headers = (h: Record<string, string>) => ({ headers: h });
  it.each([
    ['binance', { url: `/api/v3/account?recvWindow=3000&timestamp=${at}&signature=ab` }, at + 3_000],
    ['binance', { url: `/api/v3/order?timestamp=${at}&signature=ab` }, at + 5_000],
    ['binance', { url: '/api/v3/order', data: `timestamp=${at}&signature=ab` }, at + 5_000],
    ['binance', { url: '/api/v3/ticker/price?symbol=BTCUSDT' }, undefined],
    ['bybit', headers({ 'X-BAPI-SIGN': 'ab', 'X-BAPI-TIMESTAMP': String(at), 'X-BAPI-RECV-WINDOW': '2000' }), at + 2_000],
    ['bybit', headers({ 'x-bapi-sign': 'ab', 'x-bapi-timestamp': String(at) }), at + 5_000],
    ['bybit', headers({}), undefined],
    ['okx', headers({ 'OK-ACCESS-SIGN': 'ab', 'OK-ACCESS-TIMESTAMP': new Date(at).toISOString() }), at + 30_000],
    ['okx', headers({ 'OK-ACCESS-SIGN': 'ab', 'OK-ACCESS-TIMESTAMP': new Date(at).toISOString(), expTime: String(at + 1_000) }), at + 1_000],
    ['coinbase', headers({ 'CB-ACCESS-SIGN': 'ab', 'CB-ACCESS-TIMESTAMP': String(at / 1000) }), at + 30_000],
    ['coinbase', headers({ Authorization: `Bearer e30.${Buffer.from(JSON.stringify({ nbf: at / 1000, exp: at / 1000 + 120 })).toString('base64url')}.c2ln` }), at + 120_000],
    ['coinbase', headers({ Authorization: 'Bearer not-a-jwt' }), undefined],
    ['kucoin', headers({ 'KC-API-SIGN': 'ab', 'KC-API-TIMESTAMP': String(at) }), at + 5_000],
    ['kucoin', headers({ 'KC-API-TIMESTAMP': String(at) }), undefined],
  ] as const)('%s: %j until %s', (exchange, config, until) => {
    expect(presets[exchange]().signedUntil?.(config)).toBe(until);
  });

  it('kraken signs with a nonce, no timestamp: no window to outlast', () => {
    expect(presets.kraken().signedUntil).toBeUndefined();
  });

  it('a garbled timestamp gives no window rather than NaN', () => {
    expect(presets.bybit().signedUntil?.({ headers: { 'X-BAPI-SIGN': 'ab', 'X-BAPI-TIMESTAMP': 'soon' } })).toBeUndefined();
  });
});
