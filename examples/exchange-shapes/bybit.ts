import { is, param, type ExchangeShape } from './types';

// https://bybit-exchange.github.io/docs/v5/intro: every answer is this envelope, errors mostly under HTTP 200.
function envelope(retCode: number, retMsg: string, result: unknown, now: number) {
  return { retCode, retMsg, result, retExtInfo: {}, time: now };
}

// https://bybit-exchange.github.io/docs/v5/rate-limit: the reset is "the current timestamp" while not exceeded.
function limits(remaining: number, resetAt: number): Record<string, string> {
  return { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': String(remaining), 'X-Bapi-Limit-Reset-Timestamp': String(resetAt) };
}

export const bybit: ExchangeShape = {
  route(req) {
    if (is(req, 'GET', '/v5/market/tickers')) return { name: 'ticker' };
    if (is(req, 'POST', '/v5/order/create')) return { name: 'order', clientOrderId: param(req, 'orderLinkId') };
    if (is(req, 'GET', '/v5/order/realtime')) return { name: 'query', clientOrderId: param(req, 'orderLinkId') };
    return undefined;
  },
  orderId: (sequence) => `1321003749386327${String(sequence).padStart(3, '0')}`,
  ticker: (now) => ({
    status: 200,
    headers: limits(9, now),
    body: envelope(0, 'OK', { category: 'spot', list: [{ symbol: 'BTCUSDT', lastPrice: '97000.01', bid1Price: '97000', ask1Price: '97000.02' }] }, now),
  }),
  placed: (order, now) => ({
    status: 200,
    headers: limits(9, now),
    body: envelope(0, 'OK', { orderId: order.orderId, orderLinkId: order.clientOrderId }, now),
  }),
  lookedUp: (order, now) => ({
    status: 200,
    headers: limits(9, now),
    body: envelope(0, 'OK', {
      category: 'spot',
      nextPageCursor: '',
      list: order
        ? [{
          orderId: order.orderId, orderLinkId: order.clientOrderId, symbol: order.fields.symbol ?? 'BTCUSDT',
          side: order.fields.side ?? 'Buy', price: order.fields.price ?? '0', qty: order.fields.qty ?? '0',
          orderStatus: 'New', createdTime: String(order.at),
        }]
        : [],
    }, now),
  }),
  // docs/v5/error: 10006 "Too many visits!", sent with HTTP 200.
  rateLimited: (waitMs, now) => ({
    status: 200,
    headers: limits(0, now + waitMs),
    body: envelope(10006, 'Too many visits!', {}, now),
  }),
  serverError: (status, now) => ({ status, body: envelope(10016, 'Internal System Error.', {}, now) }),
};
