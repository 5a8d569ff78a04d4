import { is, param, type ExchangeShape } from './types';

// https://developers.binance.com/docs/binance-spot-api-docs/rest-api (spot, api.binance.com)
const SYMBOL = 'BTCUSDT';
const WEIGHT = { 'x-mbx-used-weight-1m': '2' };

export const binance: ExchangeShape = {
  route(req) {
    if (is(req, 'GET', '/api/v3/ticker/price')) return { name: 'ticker' };
    if (is(req, 'POST', '/api/v3/order')) return { name: 'order', clientOrderId: param(req, 'newClientOrderId') };
    if (is(req, 'GET', '/api/v3/order')) return { name: 'query', clientOrderId: param(req, 'origClientOrderId') };
    return undefined;
  },
  orderId: (sequence) => String(28_457_000 + sequence),
  ticker: () => ({ status: 200, headers: WEIGHT, body: { symbol: SYMBOL, price: '97000.01000000' } }),
  placed: (order, now) => ({
    status: 200,
    headers: { ...WEIGHT, 'x-mbx-order-count-10s': '1', 'x-mbx-order-count-1d': '1' },
    body: {
      symbol: order.fields.symbol ?? SYMBOL, orderId: Number(order.orderId), orderListId: -1,
      clientOrderId: order.clientOrderId, transactTime: now, status: 'NEW',
    },
  }),
  lookedUp: (order) => (order
    ? {
      status: 200,
      headers: WEIGHT,
      body: {
        symbol: order.fields.symbol ?? SYMBOL, orderId: Number(order.orderId), orderListId: -1,
        clientOrderId: order.clientOrderId, price: order.fields.price ?? '0', origQty: order.fields.quantity ?? '0',
        status: 'NEW', side: order.fields.side ?? 'BUY', time: order.at, updateTime: order.at,
      },
    }
    // errors: -2013 NO_SUCH_ORDER
    : { status: 400, headers: WEIGHT, body: { code: -2013, msg: 'Order does not exist.' } }),
  // rest-api/limits: 429 with Retry-After in seconds, body -1003.
  rateLimited: (waitMs) => ({
    status: 429,
    headers: { ...WEIGHT, 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
    body: {
      code: -1003,
      msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
    },
  }),
  // http-return-codes: a 5XX means "the execution status is UNKNOWN and could have been a success".
  serverError: (status) => ({
    status,
    body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' },
  }),
};
