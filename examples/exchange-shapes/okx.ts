import { is, param, type ExchangeShape } from './types';

// https://www.okx.com/docs-v5/en/#overview-rest-authentication: { code, msg, data }, codes as strings.
function body(code: string, msg: string, data: unknown[]) {
  return { code, msg, data };
}

export const okx: ExchangeShape = {
  route(req) {
    if (is(req, 'GET', '/api/v5/market/ticker')) return { name: 'ticker' };
    if (is(req, 'POST', '/api/v5/trade/order')) return { name: 'order', clientOrderId: param(req, 'clOrdId') };
    if (is(req, 'GET', '/api/v5/trade/order')) return { name: 'query', clientOrderId: param(req, 'clOrdId') };
    return undefined;
  },
  orderId: (sequence) => `6127399843${String(sequence).padStart(8, '0')}`,
  ticker: (now) => ({
    status: 200,
    body: body('0', '', [{ instType: 'SPOT', instId: 'BTC-USDT', last: '97000.1', askPx: '97000.2', bidPx: '97000', ts: String(now) }]),
  }),
  placed: (order, now) => ({
    status: 200,
    body: {
      ...body('0', '', [{ clOrdId: order.clientOrderId, ordId: order.orderId, tag: '', ts: String(now), sCode: '0', sMsg: 'Order placed' }]),
      inTime: String(now * 1000), outTime: String(now * 1000),
    },
  }),
  lookedUp: (order) => (order
    ? {
      status: 200,
      body: body('0', '', [{
        instId: order.fields.instId ?? 'BTC-USDT', ordId: order.orderId, clOrdId: order.clientOrderId,
        px: order.fields.px ?? '', sz: order.fields.sz ?? '0', side: order.fields.side ?? 'buy', state: 'live', cTime: String(order.at),
      }]),
    }
    // error-code-rest-api-trade: 51603 "Order does not exist"
    : { status: 200, body: body('51603', 'Order does not exist', []) }),
  // error-code-rest-api-public: 50011 under HTTP 429; OKX documents no wait header.
  rateLimited: () => ({ status: 429, body: body('50011', 'Too Many Requests', []) }),
  serverError: (status) => ({ status, body: body('50026', 'System error. Try again later', []) }),
};
