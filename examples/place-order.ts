// Order placement with reconciliation. A POST whose reply is lost, or that gets a 5xx, may or
// may not have placed the order: axios-backoff does not replay it, and rejects with
// err.backoff.outcome === 'unknown'. Look the order up by its client order id; place it
// again only if it is absent. (Signing is left out here: see wrap-exchange-client.ts.)
import axios, { isAxiosError, type AxiosInstance } from 'axios';
import { attach, presets, type StopReason } from '../lib';
import { startMockExchange } from './exchange-mocks';

const SYMBOL = 'BTCUSDT';
const MAX_PLACEMENTS = 3;

interface BinanceOrder {
  clientOrderId: string;
  orderId: number;
  status: string;
}

export interface Placement {
  readonly clientOrderId: string;
  /** What the first POST ended in, as err.backoff said. */
  readonly firstOutcome: 'placed' | 'unknown';
  readonly reason?: StopReason;
  /** What the lookup by client order id found, when one was needed. */
  readonly lookup: 'found' | 'absent' | 'not needed';
  /** POSTs sent for this client order id. */
  readonly posts: number;
}

/** Binance GET /api/v3/order answers 400 -2013 "Order does not exist." for an id it does not know. */
async function findOrder(api: AxiosInstance, clientOrderId: string): Promise<BinanceOrder | undefined> {
  try {
    return (await api.get<BinanceOrder>('/api/v3/order', { params: { symbol: SYMBOL, origClientOrderId: clientOrderId } })).data;
  } catch (err) {
    if (isAxiosError(err) && (err.response?.data as { code?: number } | undefined)?.code === -2013) return undefined;
    throw err;
  }
}

/**
 * Places an order at most once. On a real exchange a placed order can take a moment to show:
 * Binance refuses an order that arrives after its recvWindow, so one still absent a recvWindow
 * after its timestamp was never placed; look up again until then before placing anew.
 */
export async function placeOnce(api: AxiosInstance, order: Record<string, string>): Promise<Placement> {
  const clientOrderId = order.newClientOrderId;
  let first: Pick<Placement, 'firstOutcome' | 'reason' | 'lookup'> | undefined;
  for (let posts = 1; posts <= MAX_PLACEMENTS; posts += 1) {
    try {
      await api.post('/api/v3/order', null, { params: order });
      return { clientOrderId, posts, ...(first ?? { firstOutcome: 'placed', lookup: 'not needed' }) };
    } catch (err) {
      if (!isAxiosError(err) || err.backoff?.outcome !== 'unknown') throw err;
      const existing = await findOrder(api, clientOrderId);
      first ??= { firstOutcome: 'unknown', reason: err.backoff.reason, lookup: existing ? 'found' : 'absent' };
      if (existing) return { clientOrderId, posts, ...first };
    }
  }
  throw new Error(`order ${clientOrderId}: outcome still unknown after ${MAX_PLACEMENTS} placements`);
}

export interface PlaceOrderSummary {
  readonly placements: readonly Placement[];
  /** Orders the server recorded per client order id: 1 each, never 2. */
  readonly orderCounts: Readonly<Record<string, number>>;
  readonly serverRequests: number;
}

const order = (newClientOrderId: string): Record<string, string> => ({
  symbol: SYMBOL, side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '97000', newClientOrderId,
});

export async function main(): Promise<PlaceOrderSummary> {
  const mock = await startMockExchange('binance', {
    order: [
      { kind: 'lost-reply' }, // lost-1: placed, then the connection drops
      { kind: 'error-after-record', status: 500 }, // after-500: placed, then a 500
      { kind: 'server-error', status: 503 }, // before-503: a 503 before anything is recorded
    ],
  });
  try {
    const api = axios.create({ baseURL: mock.url });
    attach(api, presets.binance({ retries: 3 }));
    const placements: Placement[] = [];
    for (const id of ['lost-1', 'after-500', 'before-503']) placements.push(await placeOnce(api, order(id)));
    return { placements, orderCounts: mock.orderCounts(), serverRequests: mock.requests() };
  } finally {
    await mock.close();
  }
}

function print(s: PlaceOrderSummary): void {
  console.log('POST /api/v3/order on a Binance-shaped server, reconciled by client order id:');
  for (const p of s.placements) {
    const why = p.reason ? ` (${p.reason})` : '';
    console.log(`  ${p.clientOrderId.padEnd(11)} first POST: ${p.firstOutcome}${why}; lookup: ${p.lookup}; POSTs sent: ${p.posts}`);
  }
  console.log(`orders recorded per client order id: ${JSON.stringify(s.orderCounts)} (${s.serverRequests} requests in all)`);
}

function fail(err: unknown): void {
  console.error(err);
  process.exitCode = 1;
}

if (require.main === module) main().then(print, fail);
