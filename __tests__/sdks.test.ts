import { generateKeyPairSync } from 'node:crypto';
import { Spot } from '@binance/connector';
import { MainClient } from 'binance';
import { RestClientV5 } from 'bybit-api';
import { CBAdvancedTradeClient } from 'coinbase-api';
import { Account, ClientOptionBuilder, DefaultClient, Spot as KucoinSpot, TransportOptionBuilder } from 'kucoin-universal-sdk';
import { RestClient as OkxClient } from 'okx-api';
import { backoffAdapter, backoffInfo, presets, type BackoffAdapterOptions, type GiveUpContext } from '../lib';
import { signers } from '../lib/signers';
import { API_KEY, API_SECRET, binanceMock, bybitMock, coinbaseMock, kucoinMock, okxMock, PASSPHRASE, type ExchangeMock, type Reply } from './support/exchange-mocks';
import { withDefaultAdapter } from './support/sdk-axios';
import { serversClosedAfterEach, type Arrival } from './support/server';

// The published SDKs our users run, each pointed at a loopback mock of its exchange that checks
// signatures as the exchange documents. Each client gets axios-backoff in the one line the README
// gives for it.

const http = serversClosedAfterEach();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles within `ms`, or fails the test: a hang fails in seconds, not at Jest's timeout. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

type Planned = 'limit' | 'down' | 'reset';

/** A mock exchange: the first requests to a path answered as planned, then as the exchange would. */
async function exchange(mock: ExchangeMock, plan: Record<string, Planned[]> = {}) {
  const server = await http([
    (req, res, arrival) => {
      const path = arrival.url.split('?')[0];
      const now = Date.now();
      const send = (r: Reply) => {
        res.writeHead(r.status, { 'Content-Type': 'application/json', ...r.headers });
        res.end(JSON.stringify(r.body));
      };
      const refused = mock.check(arrival, now);
      if (refused) return send(refused);
      const planned = plan[path]?.shift();
      if (planned === 'reset') return req.socket.destroy();
      if (planned === 'limit') return send(mock.limited(now));
      if (planned === 'down') return send(mock.down);
      send(mock.ok(path));
    },
  ]);
  return { url: server.url, to: (path: string): Arrival[] => server.arrivals.filter((a) => a.url.split('?')[0] === path) };
}

/** One SDK: its client made the way the README says, and the calls the tests make. */
interface Sdk {
  readonly name: string;
  readonly mock: ExchangeMock;
  readonly paths: { readonly public: string; readonly signed: string; readonly order: string };
  /** The client, with axios-backoff in one line; `done` undoes a global set-up. */
  client(url: string, options: BackoffAdapterOptions): { public(): Promise<unknown>; signed(): Promise<unknown>; order(): Promise<unknown>; done?(): void };
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const CDP_SECRET = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();

/** Clients that make their instances from the default export's defaults: set them, and put them back after. */
function viaDefaults(sdk: string, options: BackoffAdapterOptions, make: () => void): () => void {
  return withDefaultAdapter(sdk, backoffAdapter(options), make);
}

const SDKS: Sdk[] = [
  {
    name: 'binance (MainClient)',
    mock: binanceMock,
    paths: { public: '/api/v3/ticker/price', signed: '/api/v3/account', order: '/api/v3/order' },
    client(url, options) {
      const c = new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl: url }, { adapter: backoffAdapter(presets.binance({ resign: signers.binance({ apiSecret: API_SECRET }), ...options })) });
      return {
        public: () => c.getSymbolPriceTicker({ symbol: 'BTCUSDT' }),
        signed: () => c.getAccountInformation(),
        order: () => c.submitNewOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.001, price: 30000, timeInForce: 'GTC' }),
      };
    },
  },
  {
    name: '@binance/connector (Spot)',
    mock: binanceMock,
    paths: { public: '/api/v3/time', signed: '/api/v3/account', order: '/api/v3/order' },
    client(url, options) {
      let c!: Spot;
      const done = viaDefaults('@binance/connector', presets.binance({ resign: signers.binance({ apiSecret: API_SECRET }), ...options }), () => {
        c = new Spot(API_KEY, API_SECRET, { baseURL: url });
      });
      return {
        public: () => c.time(),
        signed: () => c.account(),
        order: () => c.newOrder('BTCUSDT', 'BUY', 'LIMIT', { price: '30000', quantity: '0.001', timeInForce: 'GTC' }),
        done,
      };
    },
  },
  {
    name: 'bybit-api (RestClientV5)',
    mock: bybitMock,
    paths: { public: '/v5/market/time', signed: '/v5/account/wallet-balance', order: '/v5/order/create' },
    client(url, options) {
      const c = new RestClientV5({ key: API_KEY, secret: API_SECRET, baseUrl: url }, { adapter: backoffAdapter(presets.bybit({ resign: signers.bybit({ apiKey: API_KEY, apiSecret: API_SECRET }), ...options })) });
      return {
        public: () => c.getServerTime(),
        signed: () => c.getWalletBalance({ accountType: 'UNIFIED' }),
        order: () => c.submitOrder({ category: 'spot', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.001' }),
      };
    },
  },
  {
    name: 'okx-api (RestClient)',
    mock: okxMock,
    paths: { public: '/api/v5/public/time', signed: '/api/v5/account/balance', order: '/api/v5/trade/order' },
    client(url, options) {
      const resign = signers.okx({ apiKey: API_KEY, apiSecret: API_SECRET, passphrase: PASSPHRASE });
      const c = new OkxClient({ apiKey: API_KEY, apiSecret: API_SECRET, apiPass: PASSPHRASE, baseUrl: url }, { adapter: backoffAdapter(presets.okx({ resign, ...options })) });
      return {
        public: () => c.getServerTime(),
        signed: () => c.getBalance(),
        order: () => c.submitOrder({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'market', sz: '1' }),
      };
    },
  },
  {
    name: 'coinbase-api (CBAdvancedTradeClient)',
    mock: coinbaseMock(ec.publicKey),
    paths: { public: '/api/v3/brokerage/time', signed: '/api/v3/brokerage/accounts', order: '/api/v3/brokerage/orders' },
    client(url, options) {
      const resign = signers.coinbase({ apiKey: API_KEY, apiSecret: CDP_SECRET });
      const c = new CBAdvancedTradeClient({ apiKey: API_KEY, apiSecret: CDP_SECRET, baseUrl: url }, { adapter: backoffAdapter(presets.coinbase({ resign, ...options })) });
      return {
        public: () => c.getServerTime(),
        signed: () => c.getAccounts(),
        order: () => c.submitOrder({ product_id: 'BTC-USD', side: 'BUY', client_order_id: 'c1', order_configuration: { market_market_ioc: { quote_size: '10' } } }),
      };
    },
  },
  {
    name: 'kucoin-universal-sdk (DefaultClient)',
    mock: kucoinMock,
    paths: { public: '/api/v1/timestamp', signed: '/api/v1/accounts', order: '/api/v1/hf/orders' },
    client(url, options) {
      let c!: DefaultClient;
      const resign = signers.kucoin({ apiKey: API_KEY, apiSecret: API_SECRET, passphrase: PASSPHRASE });
      const log = jest.spyOn(console, 'log').mockImplementation(() => undefined); // the SDK prints its version
      const done = viaDefaults('kucoin-universal-sdk', presets.kucoin({ resign, ...options }), () => {
        // Its own axios-retry off (-1: 0 means its default of 3), so that it does not send an order again.
        const transport = new TransportOptionBuilder().setMaxRetries(-1).setKeepAlive(false).build();
        c = new DefaultClient(new ClientOptionBuilder().setKey(API_KEY).setSecret(API_SECRET).setPassphrase(PASSPHRASE).setSpotEndpoint(url).setTransportOption(transport).build());
      });
      log.mockRestore();
      const rest = c.restService();
      return {
        public: () => rest.getSpotService().getMarketApi().getServerTime(),
        signed: () => rest.getAccountService().getAccountApi().getSpotAccountList(Account.Account.GetSpotAccountListReq.builder().setCurrency('USDT').build()),
        order: () => rest.getSpotService().getOrderApi().addOrder(
          KucoinSpot.Order.AddOrderReq.builder().setClientOid('c1').setSide(KucoinSpot.Order.AddOrderReq.SideEnum.BUY).setSymbol('BTC-USDT')
            .setType(KucoinSpot.Order.AddOrderReq.TypeEnum.LIMIT).setPrice('30000').setSize('0.001').build(),
        ),
        done,
      };
    },
  },
];

describe.each(SDKS)('$name under backoffAdapter', (sdk) => {
  let done: (() => void) | undefined;
  afterEach(() => {
    done?.();
    done = undefined;
  });

  /** The call, its first attempt refused for rate: the two attempts that reached the exchange. */
  async function limitedOnce(which: 'public' | 'signed'): Promise<[Arrival, Arrival]> {
    const ex = await exchange(sdk.mock, { [sdk.paths[which]]: ['limit'] });
    const client = sdk.client(ex.url, {});
    done = client.done;
    await within(8_000, client[which]());
    const [first, second, ...more] = ex.to(sdk.paths[which]);
    expect(more).toEqual([]);
    return [first, second];
  }

  it('retries a rate limit after the server\'s wait, and the SDK call resolves', async () => {
    const [first, second] = await limitedOnce('public');
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
  });

  it('retries a signed call with a fresh signature that the exchange accepts', async () => {
    const [first, second] = await limitedOnce('signed');
    expect(sdk.mock.signedAt(second)).toBeGreaterThan(sdk.mock.signedAt(first) as number);
    expect(sdk.mock.check(second, second.at)).toBeUndefined();
  });

  it.each(['down', 'reset'] as const)('sends an order answered "%s" once, and reports an unknown outcome on the SDK\'s error', async (kind) => {
    const ex = await exchange(sdk.mock, { [sdk.paths.order]: [kind] });
    const gaveUp: GiveUpContext[] = [];
    const client = sdk.client(ex.url, { onGiveUp: (ctx) => gaveUp.push(ctx) });
    done = client.done;
    const error: unknown = await within(8_000, client.order().then(() => undefined, (e: unknown) => e));
    expect(error).toBeDefined();
    await sleep(300); // a retry, had one been made, would have arrived by now
    expect(ex.to(sdk.paths.order)).toHaveLength(1);
    expect(backoffInfo(error)).toMatchObject({ outcome: 'unknown', attempts: 1 });
    expect(gaveUp.map((g) => g.outcome)).toEqual(['unknown']);
  });
});

describe('an unknown outcome under HTTP 200', () => {
  it('bybit-api: an order answered retCode 10016 resolves with the body, is sent once, and onGiveUp says unknown', async () => {
    const server = await http([(_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ retCode: 10016, retMsg: 'Internal System Error.', result: {} }));
    }]);
    const gaveUp: GiveUpContext[] = [];
    const adapter = backoffAdapter(presets.bybit({ resign: signers.bybit({ apiKey: API_KEY, apiSecret: API_SECRET }), onGiveUp: (ctx) => gaveUp.push(ctx) }));
    const client = new RestClientV5({ key: API_KEY, secret: API_SECRET, baseUrl: server.url }, { adapter });
    const result = await within(5_000, client.submitOrder({ category: 'spot', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.001' }));
    await sleep(300);
    expect(result.retCode).toBe(10016);
    expect(server.arrivals).toHaveLength(1);
    expect(gaveUp.map((g) => [g.outcome, g.reason])).toEqual([['unknown', 'unsafe-method']]);
  });
});

describe('signed requests without resign', () => {
  it('fails at once with needs-resign when the server\'s wait outlasts recvWindow, and sends it no second time', async () => {
    const ex = await exchange(binanceMock, { '/api/v3/account': ['limit'] });
    const client = new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl: ex.url, recvWindow: 500 }, { adapter: backoffAdapter(presets.binance()) });
    const error: unknown = await within(5_000, client.getAccountInformation().then(() => undefined, (e: unknown) => e));
    expect(backoffInfo(error)).toMatchObject({ reason: 'needs-resign', outcome: 'rate-limited', attempts: 1 });
    expect(ex.to('/api/v3/account')).toHaveLength(1);
  });

  it('fails a signed call held at the gate past recvWindow with needs-resign, and the SDK\'s error says so', async () => {
    const ex = await exchange(binanceMock, { '/api/v3/account': ['limit'] });
    const client = new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl: ex.url, recvWindow: 800 }, { adapter: backoffAdapter(presets.binance()) });
    await within(5_000, client.getAccountInformation().catch(() => undefined));
    // The origin cools down for a second: longer than this request's signature lasts.
    const error: unknown = await within(5_000, client.getAccountInformation().then(() => undefined, (e: unknown) => e));
    expect(typeof error).toBe('object');
    expect(backoffInfo(error)).toMatchObject({ reason: 'needs-resign' });
    expect(ex.to('/api/v3/account')).toHaveLength(1);
  });

  it('retries when the wait ends within recvWindow: the old signature is still good', async () => {
    const ex = await exchange(binanceMock, { '/api/v3/account': ['limit'] });
    const client = new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl: ex.url, recvWindow: 5_000 }, { adapter: backoffAdapter(presets.binance()) });
    await within(8_000, client.getAccountInformation());
    expect(ex.to('/api/v3/account')).toHaveLength(2);
  });
});

describe('KuCoin\'s own retries', () => {
  it('left on (its default), send an order answered 503 again, signature and all: why the README turns them off', async () => {
    const ex = await exchange(kucoinMock, { '/api/v1/hf/orders': ['down', 'down', 'down', 'down'] });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const done = viaDefaults('kucoin-universal-sdk', presets.kucoin(), () => undefined);
    try {
      const transport = new TransportOptionBuilder().setRetryDelay(10).setKeepAlive(false).build();
      const c = new DefaultClient(new ClientOptionBuilder().setKey(API_KEY).setSecret(API_SECRET).setPassphrase(PASSPHRASE).setSpotEndpoint(ex.url).setTransportOption(transport).build());
      const order = KucoinSpot.Order.AddOrderReq.builder().setClientOid('c1').setSide(KucoinSpot.Order.AddOrderReq.SideEnum.BUY).setSymbol('BTC-USDT')
        .setType(KucoinSpot.Order.AddOrderReq.TypeEnum.LIMIT).setPrice('30000').setSize('0.001').build();
      await within(5_000, c.restService().getSpotService().getOrderApi().addOrder(order).catch(() => undefined));
    } finally {
      done();
      log.mockRestore();
    }
    expect(ex.to('/api/v1/hf/orders')).toHaveLength(4);
  });
});
