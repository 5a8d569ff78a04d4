import { is, param, type ExchangeShape } from './types';

// https://www.kucoin.com/docs-new/rate-limit: every answer carries the quota; the reset is a countdown in ms.
function quota(remaining: number, resetMs: number): Record<string, string> {
  return { 'gw-ratelimit-limit': '4000', 'gw-ratelimit-remaining': String(remaining), 'gw-ratelimit-reset': String(resetMs) };
}

const OK = '200000';
const BY_CLIENT_OID = /^\/api\/v1\/order\/client-order\/(.+)$/;

export const kucoin: ExchangeShape = {
  route(req) {
    if (is(req, 'GET', '/api/v1/market/orderbook/level1')) return { name: 'ticker' };
    if (is(req, 'POST', '/api/v1/orders')) return { name: 'order', clientOrderId: param(req, 'clientOid') };
    const lookup = req.method === 'GET' ? BY_CLIENT_OID.exec(req.path) : null;
    return lookup ? { name: 'query', clientOrderId: decodeURIComponent(lookup[1]) } : undefined;
  },
  orderId: (sequence) => `5bd6e9286d99522a52e4${String(sequence).padStart(4, '0')}`,
  ticker: (now) => ({
    status: 200,
    headers: quota(3999, 29_000),
    body: { code: OK, data: { time: now, sequence: '1550467636704', price: '97000.01', size: '0.001', bestBid: '97000', bestAsk: '97000.02' } },
  }),
  placed: (order) => ({ status: 200, headers: quota(3998, 29_000), body: { code: OK, data: { orderId: order.orderId } } }),
  // Assumed, not confirmed in the docs: an unknown clientOid answers data: null.
  lookedUp: (order) => ({
    status: 200,
    headers: quota(3997, 29_000),
    body: {
      code: OK,
      data: order
        ? {
          id: order.orderId, clientOid: order.clientOrderId, symbol: order.fields.symbol ?? 'BTC-USDT', side: order.fields.side ?? 'buy',
          price: order.fields.price ?? '0', size: order.fields.size ?? '0', isActive: true, createdAt: order.at,
        }
        : null,
    },
  }),
  rateLimited: (waitMs) => ({ status: 429, headers: quota(0, waitMs), body: { code: '429000', msg: 'Too Many Requests' } }),
  serverError: (status) => ({ status, body: { code: '500000', msg: 'Internal Server Error' } }),
};
