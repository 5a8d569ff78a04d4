import { is, param, type ExchangeShape } from './types';

// https://docs.cdp.coinbase.com/exchange/rest-api/requests: errors are { message }; no rate-limit header is documented.
const BY_CLIENT_OID = /^\/orders\/client:(.+)$/;

export const coinbase: ExchangeShape = {
  route(req) {
    if (req.method === 'GET' && /^\/products\/[^/]+\/ticker$/.test(req.path)) return { name: 'ticker' };
    if (is(req, 'POST', '/orders')) return { name: 'order', clientOrderId: param(req, 'client_oid') };
    const lookup = req.method === 'GET' ? BY_CLIENT_OID.exec(req.path) : null;
    return lookup ? { name: 'query', clientOrderId: decodeURIComponent(lookup[1]) } : undefined;
  },
  orderId: (sequence) => `d0c5340b-6d6c-49d9-b567-48c4bfca${String(sequence).padStart(4, '0')}`,
  ticker: (now) => ({
    status: 200,
    body: { trade_id: 86326522, price: '97000.01', size: '0.001', bid: '97000', ask: '97000.02', volume: '12051.2', time: new Date(now).toISOString() },
  }),
  placed: (order) => ({ status: 200, body: coinbaseOrder(order) }),
  // GET /orders/client:<client_oid> answers 404 for an order it does not know.
  lookedUp: (order) => (order ? { status: 200, body: coinbaseOrder(order) } : { status: 404, body: { message: 'NotFound' } }),
  rateLimited: () => ({ status: 429, body: { message: 'Too Many Requests' } }),
  serverError: (status) => ({ status, body: { message: 'We had a problem with our server' } }),
};

function coinbaseOrder(order: { orderId: string; clientOrderId: string; at: number; fields: Readonly<Record<string, string>> }) {
  return {
    id: order.orderId, client_oid: order.clientOrderId, product_id: order.fields.product_id ?? 'BTC-USD',
    side: order.fields.side ?? 'buy', type: 'limit', price: order.fields.price ?? '0', size: order.fields.size ?? '0',
    status: 'open', created_at: new Date(order.at).toISOString(), filled_size: '0', settled: false,
  };
}
