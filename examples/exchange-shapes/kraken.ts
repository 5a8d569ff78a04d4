import { is, param, type ExchangeShape } from './types';

// https://docs.kraken.com/api/docs/guides/spot-errors: { error: [...], result }, errors mostly under HTTP 200.
export const kraken: ExchangeShape = {
  route(req) {
    if (is(req, 'GET', '/0/public/Ticker')) return { name: 'ticker' };
    if (is(req, 'POST', '/0/private/AddOrder')) return { name: 'order', clientOrderId: param(req, 'cl_ord_id') };
    // OpenOrders takes cl_ord_id to look one order up; private endpoints are all POST.
    if (is(req, 'POST', '/0/private/OpenOrders')) return { name: 'query', clientOrderId: param(req, 'cl_ord_id') };
    return undefined;
  },
  orderId: (sequence) => `OQCLML-BW3P3-${String(sequence).padStart(6, '0')}`,
  ticker: () => ({
    status: 200,
    body: { error: [], result: { XXBTZUSD: { a: ['97000.10000', '1', '1.000'], b: ['97000.00000', '2', '2.000'], c: ['97000.00000', '0.00100000'] } } },
  }),
  placed: (order) => ({
    status: 200,
    body: { error: [], result: { descr: { order: describe(order.fields) }, txid: [order.orderId] } },
  }),
  lookedUp: (order) => ({
    status: 200,
    body: {
      error: [],
      result: {
        open: order
          ? {
            [order.orderId]: {
              cl_ord_id: order.clientOrderId, status: 'open', opentm: order.at / 1000,
              vol: order.fields.volume ?? '0', descr: { order: describe(order.fields) },
            },
          }
          : {},
      },
    },
  }),
  // Kraken sends no rate-limit header: the strategy sets the wait.
  rateLimited: () => ({ status: 200, body: { error: ['EAPI:Rate limit exceeded'] } }),
  serverError: (status) => ({ status, body: { error: ['EGeneral:Internal error'] } }),
};

function describe(fields: Readonly<Record<string, string>>): string {
  return `${fields.type ?? 'buy'} ${fields.volume ?? '0'} ${fields.pair ?? 'XBTUSD'} @ ${fields.ordertype ?? 'limit'} ${fields.price ?? ''}`.trim();
}
