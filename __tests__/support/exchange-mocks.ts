import { createHmac, verify, type KeyObject } from 'node:crypto';
import type { Arrival } from './server';

/**
 * Loopback stand-ins for six exchanges' REST APIs: each checks a signed request the way its
 * exchange documents (node:crypto, written from the docs, not from the signers under test),
 * refuses a stale or wrong one with the exchange's own answer, and says what its rate limit,
 * outage and success look like. Credentials are the tests' own.
 */
export const API_KEY = 'test-key';
export const API_SECRET = 'test-secret-0123456789abcdef';
export const PASSPHRASE = 'test-pass';

/** What the mock sends back. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export interface ExchangeMock {
  /** The refusal for a request whose signature is wrong or stale; undefined when it is good or unsigned. */
  check(a: Arrival, now: number): Reply | undefined;
  /** When the request was signed (ms), when it carries a signature. */
  signedAt(a: Arrival): number | undefined;
  /** The exchange's answer to a request over its rate limit, with the wait it names. */
  readonly limited: (now: number) => Reply;
  /** The exchange's answer when it is briefly unavailable. */
  readonly down: Reply;
  /** A success, by path. */
  ok(path: string): Reply;
}

const hmac = (algo: 'sha256', key: string | Buffer, text: string, enc: 'hex' | 'base64') => createHmac(algo, key).update(text).digest(enc);
const header = (a: Arrival, name: string): string | undefined => {
  const v = a.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};
const split = (a: Arrival): { path: string; query: string } => {
  const q = a.url.indexOf('?');
  return q < 0 ? { path: a.url, query: '' } : { path: a.url.slice(0, q), query: a.url.slice(q + 1) };
};
const decoded = (query: string) => query.split('&').map((s) => decodeURIComponent(s)).join('&');
const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });

/** https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security */
export const binanceMock: ExchangeMock = {
  signedAt: (a) => {
    const ts = new URLSearchParams(split(a).query).get('timestamp');
    return ts === null ? undefined : Number(ts);
  },
  check(a, now) {
    const { query } = split(a);
    const params = new URLSearchParams(query);
    const signature = params.get('signature');
    if (signature === null) return undefined;
    const total = query.replace(/&?signature=[^&]*/, '') + a.body;
    if (hmac('sha256', API_SECRET, total, 'hex') !== signature) return json(400, { code: -1022, msg: 'Signature for this request is not valid.' });
    const ts = Number(params.get('timestamp'));
    const window = Number(params.get('recvWindow') ?? 5000);
    if (ts >= now + 1000 || now - ts > window) return json(400, { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });
    return undefined;
  },
  limited: () => json(429, { code: -1003, msg: 'Too many requests; current limit is 1200 request weight per 1 MINUTE.' }, { 'Retry-After': '1' }),
  down: json(503, { code: -1008, msg: 'Service Unavailable.' }),
  ok: (path) => {
    if (path.endsWith('/order')) return json(200, { symbol: 'BTCUSDT', orderId: 1, clientOrderId: 'x', transactTime: 1, status: 'NEW' });
    if (path.endsWith('/time')) return json(200, { serverTime: 1_700_000_000_000 });
    if (path.endsWith('/ticker/price')) return json(200, { symbol: 'BTCUSDT', price: '30000.00' });
    return json(200, { balances: [{ asset: 'USDT', free: '100', locked: '0' }] });
  },
};

/** https://bybit-exchange.github.io/docs/v5/guide: errors come as retCode, with HTTP 200. */
export const bybitMock: ExchangeMock = {
  signedAt: (a) => (header(a, 'X-BAPI-TIMESTAMP') === undefined ? undefined : Number(header(a, 'X-BAPI-TIMESTAMP'))),
  check(a, now) {
    const sign = header(a, 'X-BAPI-SIGN');
    if (sign === undefined) return undefined;
    const ts = header(a, 'X-BAPI-TIMESTAMP') ?? '';
    const window = header(a, 'X-BAPI-RECV-WINDOW') ?? '5000';
    const payload = a.method === 'GET' ? split(a).query : a.body;
    if (hmac('sha256', API_SECRET, ts + header(a, 'X-BAPI-API-KEY') + window + payload, 'hex') !== sign) return json(200, { retCode: 10004, retMsg: 'error sign!', result: {} });
    if (Number(ts) >= now + 1000 || now - Number(ts) > Number(window)) {
      return json(200, { retCode: 10002, retMsg: 'invalid request, please check your server timestamp or recv_window param', result: {} });
    }
    return undefined;
  },
  limited: (now) => json(200, { retCode: 10006, retMsg: 'Too many visits!', result: {} }, { 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Reset-Timestamp': String(now + 1000) }),
  down: json(503, { retCode: 10016, retMsg: 'Server error.' }),
  ok: (path) => json(200, { retCode: 0, retMsg: 'OK', result: path.endsWith('/order/create') ? { orderId: '1', orderLinkId: 'x' } : { list: [] }, time: 1 }),
};

/** https://www.okx.com/docs-v5/en/#overview-rest-authentication */
export const okxMock: ExchangeMock = {
  signedAt: (a) => (header(a, 'OK-ACCESS-TIMESTAMP') === undefined ? undefined : Date.parse(header(a, 'OK-ACCESS-TIMESTAMP') as string)),
  check(a, now) {
    const sign = header(a, 'OK-ACCESS-SIGN');
    if (sign === undefined) return undefined;
    const ts = header(a, 'OK-ACCESS-TIMESTAMP') ?? '';
    const { path, query } = split(a);
    const prehash = ts + a.method + path + (query ? `?${decoded(query)}` : '') + a.body;
    if (hmac('sha256', API_SECRET, prehash, 'base64') !== sign || header(a, 'OK-ACCESS-PASSPHRASE') !== PASSPHRASE) return json(401, { code: '50113', msg: 'Invalid Sign' });
    if (Math.abs(now - Date.parse(ts)) > 30_000) return json(401, { code: '50102', msg: 'Timestamp request expired' });
    return undefined;
  },
  limited: () => json(429, { code: '50011', msg: 'Too Many Requests', data: [] }),
  down: json(503, { code: '50001', msg: 'Service temporarily unavailable. Please try again later.', data: [] }),
  ok: (path) => json(200, { code: '0', msg: '', data: path.endsWith('/trade/order') ? [{ ordId: '1', clOrdId: '', sCode: '0', sMsg: '' }] : [{ ts: '1' }] }),
};

/** https://docs.cdp.coinbase.com/coinbase-app/authentication-authorization/api-key-authentication: a JWT per request. */
export function coinbaseMock(publicKey: KeyObject): ExchangeMock {
  const claims = (a: Arrival) => {
    const jwt = /^Bearer (.+)$/.exec(header(a, 'Authorization') ?? '')?.[1];
    return jwt === undefined ? undefined : { jwt, payload: JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown> };
  };
  return {
    signedAt: (a) => {
      const c = claims(a);
      return c ? (c.payload.nbf as number) * 1000 : undefined;
    },
    check(a, now) {
      const c = claims(a);
      if (!c) return undefined;
      const [h, p, s] = c.jwt.split('.');
      const valid = verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
      const uri = String(c.payload.uri);
      // The URI's host is not checked: the SDK cuts "https://" off any base URL, and these run on http.
      if (!valid || c.payload.sub !== API_KEY || !uri.startsWith(`${a.method} `) || !uri.endsWith(split(a).path)) return json(401, { error: 'unauthorized', message: 'Unauthorized' });
      if ((c.payload.exp as number) * 1000 <= now) return json(401, { error: 'unauthorized', message: 'JWT expired' });
      return undefined;
    },
    limited: () => json(429, { error: 'rate_limit_exceeded', message: 'Too many requests' }, { 'Retry-After': '1' }),
    down: json(503, { error: 'unavailable', message: 'Service unavailable' }),
    ok: (path) => json(200, path.endsWith('/orders') ? { success: true, success_response: { order_id: '1' } } : path.endsWith('/time') ? { iso: '', epochSeconds: '1', epochMillis: '1' } : { accounts: [], has_next: false }),
  };
}

/** https://www.kucoin.com/docs-new/authentication: errors as `code`, the passphrase signed from key version 2. */
export const kucoinMock: ExchangeMock = {
  signedAt: (a) => (header(a, 'KC-API-SIGN') ? Number(header(a, 'KC-API-TIMESTAMP')) : undefined),
  check(a, now) {
    const sign = header(a, 'KC-API-SIGN');
    if (!sign) return undefined;
    const ts = header(a, 'KC-API-TIMESTAMP') ?? '';
    const { path, query } = split(a);
    const prehash = ts + a.method + path + (query ? `?${decoded(query)}` : '') + a.body;
    const passphrase = hmac('sha256', API_SECRET, PASSPHRASE, 'base64');
    if (hmac('sha256', API_SECRET, prehash, 'base64') !== sign || header(a, 'KC-API-PASSPHRASE') !== passphrase) return json(401, { code: '400005', msg: 'Invalid KC-API-SIGN' });
    if (Math.abs(now - Number(ts)) > 5_000) return json(400, { code: '400002', msg: 'Invalid KC-API-TIMESTAMP' });
    return undefined;
  },
  limited: () => json(429, { code: '429000', msg: 'Too Many Requests' }, { 'gw-ratelimit-limit': '100', 'gw-ratelimit-remaining': '0', 'gw-ratelimit-reset': '1000' }),
  down: json(503, { code: '500000', msg: 'Internal Server Error' }),
  ok: (path) => json(200, { code: '200000', data: path.endsWith('/hf/orders') ? { orderId: '1', clientOid: 'c1' } : path.endsWith('/timestamp') ? 1_700_000_000_000 : [] }),
};
