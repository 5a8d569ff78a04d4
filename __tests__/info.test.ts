import axios from 'axios';
import { backoffAdapter, backoffInfo, constant } from '../lib';
import { failureWithin } from './support/bounded';
import { reply, serversClosedAfterEach } from './support/server';

// backoffInfo finds our facts on the errors exchange SDKs throw in place of axios' own: a plain
// object keeping the body and headers, the body alone, a wrapper keeping the AxiosError.

const start = serversClosedAfterEach();

async function givenUp() {
  const server = await start([reply(503, { code: '50001', msg: 'Service unavailable' })]);
  const api = axios.create({ baseURL: server.url, adapter: backoffAdapter({ strategy: constant(0) }) });
  return failureWithin(api.post('/order', { qty: 1 }));
}

describe('backoffInfo', () => {
  it('reads err.backoff, and hands the body back parsed, as the client\'s axios would make it', async () => {
    const error = await givenUp();
    expect(backoffInfo(error)).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method', attempts: 1 });
    expect(error.response?.data).toEqual({ code: '50001', msg: 'Service unavailable' });
  });

  it.each([
    ['a plain object with the body and headers (binance, bybit-api, coinbase-api)', (e: Awaited<ReturnType<typeof givenUp>>) => ({ code: 503, message: 'Service Unavailable', body: e.response?.data, headers: {} })],
    ['the body alone (okx-api)', (e: Awaited<ReturnType<typeof givenUp>>) => e.response?.data],
    ['the headers alone', (e: Awaited<ReturnType<typeof givenUp>>) => ({ headers: e.response?.headers })],
    ['a wrapper keeping the AxiosError (kucoin-universal-sdk)', (e: Awaited<ReturnType<typeof givenUp>>) => Object.assign(new Error('wrapped'), { response: null, err: e })],
    ['a cause', (e: Awaited<ReturnType<typeof givenUp>>) => new Error('wrapped', { cause: e })],
  ])('finds them on %s', async (_what, wrap) => {
    const error = await givenUp();
    expect(backoffInfo(wrap(error))).toMatchObject({ outcome: 'unknown', reason: 'unsafe-method' });
  });

  it('leaves the body as text for a client that parses it its own way (big numbers kept as text)', async () => {
    const server = await start([reply(503, { orderId: 1234567890123456789 })]);
    const transformResponse = [(data: unknown) => (typeof data === 'string' ? { text: data } : { notText: data })];
    const api = axios.create({ baseURL: server.url, adapter: backoffAdapter({ strategy: constant(0) }), transformResponse });
    const error = await failureWithin(api.post('/order', {}));
    expect(error.response?.data).toEqual({ text: '{"orderId":1234567890123456800}' });
    expect(backoffInfo(error)).toMatchObject({ outcome: 'unknown' });
  });

  it('finds nothing on what it never saw, and survives getters that throw', () => {
    const hostile = Object.defineProperty({}, 'body', { get: () => { throw new Error('no'); } });
    for (const value of [undefined, null, 42, 'text', {}, { body: {} }, hostile]) expect(backoffInfo(value)).toBeUndefined();
  });

  it('lets axios\' own response speak for itself: a success whose body object an earlier give-up shared says nothing', async () => {
    const error = await givenUp();
    const success = { data: error.response?.data, status: 200, statusText: 'OK', headers: {}, config: {} };
    expect(backoffInfo(success)).toBeUndefined();
  });
});
