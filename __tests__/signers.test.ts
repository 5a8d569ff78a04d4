import axios, { type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { generateKeyPairSync, verify, webcrypto } from 'node:crypto';
import { Spot } from '@binance/connector';
import { MainClient, USDMClient } from 'binance';
import { RestClientV5 } from 'bybit-api';
import { CBAdvancedTradeClient, CBExchangeClient } from 'coinbase-api';
import { Account as KucoinAccount, ClientOptionBuilder, DefaultClient, Spot as KucoinSpot, TransportOptionBuilder } from 'kucoin-universal-sdk';
import { RestClient as OkxClient } from 'okx-api';
import { signers } from '../lib/signers';
import { withDefaultAdapter } from './support/sdk-axios';

// Each exchange's published SDK signs a request; a capturing adapter keeps it, unsent. The signer,
// given the SDK's own timestamp as "now", must produce the SDK's signature for the same request.

type Captured = InternalAxiosRequestConfig;

/** An adapter that records each request and answers `data` with 200; typed to fit any axios copy's. */
function capturing(data: unknown = {}): { adapter: <R>(config: object) => Promise<R>; sent: Captured[] } {
  const sent: Captured[] = [];
  const adapter = async <R>(config: object): Promise<R> => {
    sent.push(config as Captured);
    return { data, status: 200, statusText: 'OK', headers: {}, config, request: {} } as R;
  };
  return { adapter, sent };
}

/** The captured request as the resign hook receives it: a copy, so the comparison is fair. */
const asSent = (config: Captured): AxiosRequestConfig => ({
  method: config.method,
  url: config.url,
  baseURL: config.baseURL,
  params: config.params,
  data: config.data,
  headers: { ...(typeof config.headers?.toJSON === 'function' ? config.headers.toJSON() : config.headers) },
});

const header = (config: AxiosRequestConfig, name: string): string | undefined => {
  const headers = config.headers as Record<string, unknown>;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : String(headers[key]);
};

const queryOf = (config: AxiosRequestConfig) => new URLSearchParams((config.url ?? '').split('?')[1] ?? '');

const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

describe('signers.binance, against the binance SDK', () => {
  it('signs a spot order (HMAC) as MainClient does: timestamp renewed in place, signature last', async () => {
    const { adapter, sent } = capturing({ orderId: 1 });
    const client = new MainClient({ api_key: 'key', api_secret: SECRET, baseUrl: 'https://api.binance.com' }, { adapter });
    await client.submitNewOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.001, price: 30000, timeInForce: 'GTC' });
    const theirs = sent[0];
    const ts = Number(queryOf(theirs).get('timestamp'));
    const ours = await signers.binance({ apiSecret: SECRET, now: () => ts })(asSent(theirs));
    expect(ours.url).toBe(theirs.url);
    expect(ours.params).toBeUndefined();
  });

  it('renews a stale request: a new timestamp, a signature that is no longer the old one', async () => {
    const { adapter, sent } = capturing({});
    await new USDMClient({ api_key: 'key', api_secret: SECRET, baseUrl: 'https://fapi.binance.com' }, { adapter }).getBalanceV3();
    const theirs = sent[0];
    const ts = Number(queryOf(theirs).get('timestamp'));
    const ours = await signers.binance({ apiSecret: SECRET, now: () => ts + 7_000 })(asSent(theirs));
    const q = queryOf(ours);
    expect(q.get('timestamp')).toBe(String(ts + 7_000));
    expect(q.get('recvWindow')).toBe(queryOf(theirs).get('recvWindow'));
    expect(q.getAll('signature')).toHaveLength(1);
    expect(q.get('signature')).not.toBe(queryOf(theirs).get('signature'));
    expect((ours.url ?? '').endsWith(`&signature=${q.get('signature')}`)).toBe(true);
  });

  it.each([
    ['an Ed25519 key', () => generateKeyPairSync('ed25519')],
    ['an RSA key', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ])('signs with %s as the SDK does (base64, URL-encoded)', async (_name, pair) => {
    const privateKey = pair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { adapter, sent } = capturing({});
    await new MainClient({ api_key: 'key', api_secret: privateKey, baseUrl: 'https://api.binance.com' }, { adapter }).getAccountInformation();
    const theirs = sent[0];
    const ts = Number(queryOf(theirs).get('timestamp'));
    const ours = await signers.binance({ privateKey, now: () => ts })(asSent(theirs));
    expect(ours.url).toBe(theirs.url);
  });

  it('signs as @binance/connector does, which builds the whole URL itself', async () => {
    const { adapter, sent } = capturing({});
    let spot!: Spot;
    const done = withDefaultAdapter('@binance/connector', adapter, () => {
      spot = new Spot('key', SECRET, { baseURL: 'https://api.binance.com' });
    });
    try {
      await spot.newOrder('BTCUSDT', 'BUY', 'LIMIT', { price: '30000', quantity: '0.001', timeInForce: 'GTC', recvWindow: 3000 });
    } finally {
      done();
    }
    const theirs = sent[0];
    const ts = Number(queryOf(theirs).get('timestamp'));
    const ours = await signers.binance({ apiSecret: SECRET, now: () => ts })(asSent(theirs));
    // Made whole: the base and the path the connector gave, as axios joins them.
    expect(ours.url).toBe(`${theirs.baseURL}${theirs.url}`);
  });
});

describe('signers.bybit, against bybit-api', () => {
  it.each([
    ['a signed GET', (c: RestClientV5) => c.getWalletBalance({ accountType: 'UNIFIED' })],
    ['an order POST', (c: RestClientV5) => c.submitOrder({ category: 'spot', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '0.001' })],
  ])('signs %s as RestClientV5 does', async (_name, call) => {
    const { adapter, sent } = capturing({ retCode: 0, retMsg: 'OK', result: {} });
    await call(new RestClientV5({ key: 'key', secret: SECRET, baseUrl: 'https://api.bybit.com' }, { adapter }));
    const theirs = sent[0];
    const ts = Number(header(asSent(theirs), 'X-BAPI-TIMESTAMP'));
    const ours = await signers.bybit({ apiKey: 'key', apiSecret: SECRET, now: () => ts })(asSent(theirs));
    expect(header(ours, 'X-BAPI-SIGN')).toBe(header(asSent(theirs), 'X-BAPI-SIGN'));
    expect(header(ours, 'X-BAPI-RECV-WINDOW')).toBe('5000');
  });
});

describe('signers.okx, against okx-api', () => {
  it.each([
    ['a signed GET', (c: OkxClient) => c.getBalance({ ccy: 'BTC,USDT' })],
    ['an order POST', (c: OkxClient) => c.submitOrder({ instId: 'BTC-USDT', tdMode: 'cash', side: 'buy', ordType: 'market', sz: '1' })],
  ])('signs %s as RestClient does', async (_name, call) => {
    const { adapter, sent } = capturing({ code: '0', msg: '', data: [{}] });
    await call(new OkxClient({ apiKey: 'key', apiSecret: SECRET, apiPass: 'pass', baseUrl: 'https://www.okx.com' }, { adapter }));
    const theirs = sent[0];
    const ts = Date.parse(header(asSent(theirs), 'OK-ACCESS-TIMESTAMP') as string);
    const ours = await signers.okx({ apiKey: 'key', apiSecret: SECRET, passphrase: 'pass', now: () => ts })(asSent(theirs));
    expect(header(ours, 'OK-ACCESS-SIGN')).toBe(header(asSent(theirs), 'OK-ACCESS-SIGN'));
    expect(header(ours, 'OK-ACCESS-TIMESTAMP')).toBe(header(asSent(theirs), 'OK-ACCESS-TIMESTAMP'));
    expect(header(ours, 'OK-ACCESS-PASSPHRASE')).toBe('pass');
  });
});

describe('signers.kucoin, against kucoin-universal-sdk', () => {
  it.each([
    ['a signed GET', (c: DefaultClient) => c.restService().getAccountService().getAccountApi().getSpotAccountList(KucoinAccount.Account.GetSpotAccountListReq.builder().setCurrency('USDT').build())],
    [
      'an order POST',
      (c: DefaultClient) =>
        c.restService().getSpotService().getOrderApi().addOrder(
          KucoinSpot.Order.AddOrderReq.builder().setClientOid('c1').setSide(KucoinSpot.Order.AddOrderReq.SideEnum.BUY).setSymbol('BTC-USDT')
            .setType(KucoinSpot.Order.AddOrderReq.TypeEnum.LIMIT).setPrice('30000').setSize('0.001').build(),
        ),
    ],
  ])('signs %s as the SDK does, the passphrase signed too (key version 3)', async (_name, call) => {
    const { adapter, sent } = capturing({ code: '200000', data: {} });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined); // it prints its version
    let client!: DefaultClient;
    // The SDK's instance copies axios' defaults when made.
    const done = withDefaultAdapter('kucoin-universal-sdk', adapter, () => {
      client = new DefaultClient(new ClientOptionBuilder().setKey('key').setSecret(SECRET).setPassphrase('pass').setSpotEndpoint('https://api.kucoin.com')
        .setTransportOption(new TransportOptionBuilder().setMaxRetries(-1).build()).build());
    });
    done();
    log.mockRestore();
    await call(client);
    const theirs = sent[0];
    const ts = Number(header(asSent(theirs), 'KC-API-TIMESTAMP'));
    const ours = await signers.kucoin({ apiKey: 'key', apiSecret: SECRET, passphrase: 'pass', now: () => ts })(asSent(theirs));
    for (const name of ['KC-API-SIGN', 'KC-API-PASSPHRASE', 'KC-API-KEY-VERSION', 'KC-API-TIMESTAMP']) expect([name, header(ours, name)]).toEqual([name, header(asSent(theirs), name)]);
  });
});

describe('signers.coinbase, against coinbase-api', () => {
  it('signs as CBExchangeClient does (the secret base64-decoded, the timestamp in seconds with ms)', async () => {
    const secret = Buffer.from(SECRET).toString('base64');
    const { adapter, sent } = capturing([]);
    await new CBExchangeClient({ apiKey: 'key', apiSecret: secret, apiPassphrase: 'pass', baseUrl: 'https://api.exchange.coinbase.com' }, { adapter }).getAccounts();
    const theirs = sent[0];
    const ts = Math.round(Number(header(asSent(theirs), 'CB-ACCESS-TIMESTAMP')) * 1000);
    const ours = await signers.coinbase({ apiKey: 'key', apiSecret: secret, passphrase: 'pass', now: () => ts })(asSent(theirs));
    expect(header(ours, 'CB-ACCESS-SIGN')).toBe(header(asSent(theirs), 'CB-ACCESS-SIGN'));
    expect(header(ours, 'CB-ACCESS-TIMESTAMP')).toBe(header(asSent(theirs), 'CB-ACCESS-TIMESTAMP'));
  });

  const claims = (jwt: string) => jwt.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);

  it.each([
    ['an EC key (ES256)', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { secret: privateKey.export({ type: 'sec1', format: 'pem' }).toString(), publicKey, dsa: 'ieee-p1363' as const };
    }],
    ['an Ed25519 key (EdDSA)', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const seed = privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
      const pub = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
      return { secret: Buffer.concat([seed, pub]).toString('base64'), publicKey, dsa: undefined };
    }],
  ])('makes a JWT for %s with the claims CBAdvancedTradeClient puts in its own, valid for the key', async (_name, key) => {
    const { secret, publicKey, dsa } = key();
    const apiKey = 'organizations/org/apiKeys/k1';
    const { adapter, sent } = capturing({ accounts: [] });
    await new CBAdvancedTradeClient({ apiKey, apiSecret: secret, baseUrl: 'https://api.coinbase.com' }, { adapter }).getAccounts();
    const theirs = sent[0];
    const [theirHeader, theirClaims] = claims((header(asSent(theirs), 'Authorization') as string).slice('Bearer '.length));
    const ours = await signers.coinbase({ apiKey, apiSecret: secret, now: () => (theirClaims.nbf as number) * 1000 })(asSent(theirs));
    const jwt = (header(ours, 'Authorization') as string).slice('Bearer '.length);
    const [ourHeader, ourClaims] = claims(jwt);
    expect(ourClaims).toEqual(theirClaims);
    expect({ ...ourHeader, nonce: undefined, typ: undefined }).toEqual({ ...theirHeader, nonce: undefined, typ: undefined });
    expect(ourHeader.nonce).not.toBe(theirHeader.nonce);
    const [h, p, s] = jwt.split('.');
    const ok = verify(dsa ? 'sha256' : null, Buffer.from(`${h}.${p}`), dsa ? { key: publicKey, dsaEncoding: dsa } : publicKey, Buffer.from(s, 'base64url'));
    expect(ok).toBe(true);
  });
});

describe('signers.kraken', () => {
  it('gives the API-Sign of the example in Kraken\'s documentation', async () => {
    // https://docs.kraken.com/api/docs/guides/spot-rest-auth, "Examples".
    const apiSecret = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
    const body = 'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25';
    const sign = signers.kraken({ apiKey: 'key', apiSecret, now: () => 1616492376594 });
    // The request as first signed, with a nonce one below: the signer renews it to "now".
    const config = await sign({ method: 'post', url: 'https://api.kraken.com/0/private/AddOrder', data: body.replace('6594', '6593') });
    expect(config.data).toBe(body);
    expect(header(config, 'API-Sign')).toBe('4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==');
    expect(header(config, 'API-Key')).toBe('key');
  });

  it('keeps a nonce in the scale the client counts in, and always above the last one', async () => {
    const apiSecret = Buffer.from('secret').toString('base64');
    const micro = await signers.kraken({ apiKey: 'k', apiSecret, now: () => 1_700_000_000_000 })({ method: 'post', url: '/0/private/Balance', data: 'nonce=1600000000000000' });
    expect(micro.data).toBe('nonce=1700000000000000');
    const ahead = await signers.kraken({ apiKey: 'k', apiSecret, now: () => 1_000 })({ method: 'post', url: '/0/private/Balance', data: { nonce: 1_700_000_000_000 } });
    expect(JSON.parse(ahead.data as string)).toEqual({ nonce: 1_700_000_000_001 });
  });
});

describe('signer credentials', () => {
  const secret = 'do-not-print-me-9f8e7d';
  it.each([
    ['binance', () => signers.binance({ apiSecret: secret, privateKey: secret })],
    ['binance', () => signers.binance({ privateKey: secret })],
    ['bybit', () => signers.bybit({ apiKey: '', apiSecret: secret })],
    ['okx', () => signers.okx({ apiKey: secret, apiSecret: secret } as never)],
    ['kucoin', () => signers.kucoin({ apiKey: 'k', apiSecret: secret, passphrase: 'p', extra: secret } as never)],
    ['coinbase', () => signers.coinbase({ apiKey: 'k', apiSecret: secret })],
    ['kraken', () => signers.kraken({ apiKey: 'k', apiSecret: '%%' })],
  ])('%s: refuses what is missing or wrong, and never says a secret', (_name, make) => {
    expect(make).toThrow(TypeError);
    try {
      make();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('says which request it could not sign, without the secret', async () => {
    const sign = signers.kraken({ apiKey: 'k', apiSecret: Buffer.from(secret).toString('base64') });
    await expect(sign({ method: 'post', url: '/0/private/Balance', data: 'pair=XBTUSD' })).rejects.toThrow('signers.kraken(credentials) could not sign POST /0/private/Balance: the body carries no numeric nonce to renew');
  });

  it('takes the WebCrypto it is given (Node 18 has none on globalThis)', async () => {
    // A WebCrypto that counts what it signs: the platform's would sign as well, and prove nothing.
    let signed = 0;
    const subtle = new Proxy(webcrypto.subtle, {
      get: (target, name) => {
        const value = Reflect.get(target, name, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (name === 'sign') signed++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const crypto = { subtle, getRandomValues: (a: Uint8Array) => webcrypto.getRandomValues(a) };
    const sign = signers.okx({ apiKey: 'k', apiSecret: secret, passphrase: 'p', crypto, now: () => 0 });
    const config = await sign({ method: 'get', url: 'https://www.okx.com/api/v5/account/balance' });
    expect(header(config, 'OK-ACCESS-TIMESTAMP')).toBe('1970-01-01T00:00:00.000Z');
    expect(signed).toBe(1);
  });

  it('leaves the config it was given as it was', async () => {
    const given = { method: 'get', url: '/api/v3/account?timestamp=1&signature=x', headers: { 'X-MBX-APIKEY': 'k' } };
    const copy = JSON.parse(JSON.stringify(given)) as typeof given;
    await signers.binance({ apiSecret: secret })(given);
    expect(given).toEqual(copy);
  });
});

describe('what a signer sends', () => {
  const secret = 'a-secret';

  it('keeps the lead of a client whose clock runs ahead of this process\' (an SDK that keeps the exchange\'s time)', async () => {
    const startedAt = 1_000_000;
    const original = { method: 'get', url: `https://api.binance.com/api/v3/account?timestamp=${startedAt + 6_000}&signature=x`, headers: {} };
    const ctx = { state: { attempt: 1, delays: [1000], startedAt, snapshot: { request: original } } } as never;
    const config = await signers.binance({ apiSecret: secret, now: () => startedAt + 1_000 })(original, ctx);
    expect(queryOf(config).get('timestamp')).toBe(String(startedAt + 7_000));
  });

  it('keeps every digit of a JSON nonce past 2^53 (nanoseconds), and signs the body it sends', async () => {
    const apiSecret = Buffer.from(secret).toString('base64');
    const body = '{"nonce":1796221350000123456,"pair":"XBTUSD"}';
    const config = await signers.kraken({ apiKey: 'k', apiSecret, now: () => 1_000 })({ method: 'post', url: '/0/private/AddOrder', data: body });
    expect(config.data).toBe('{"nonce":1796221350000123457,"pair":"XBTUSD"}');
    expect(header(config, 'Content-Type')).toBe('application/json');
  });

  it('signs the query as it goes on the wire: raw spaces and quotes percent-encoded, params serialized as axios does', async () => {
    const sign = signers.binance({ apiSecret: secret, now: () => 5 });
    const raw = await sign({ method: 'get', url: 'https://api.binance.com/api/v3/x?note=a b&symbols=["A","B"]&timestamp=1&signature=x' });
    expect(raw.url).toBe(`https://api.binance.com/api/v3/x?note=a%20b&symbols=[%22A%22,%22B%22]&timestamp=5&signature=${queryOf(raw).get('signature')}`);
    const params = { ids: [1, 2], at: new Date(0), symbol: 'BTCUSDT' };
    const viaParams = await sign({ method: 'get', url: '/api/v3/y', baseURL: 'https://api.binance.com', params });
    const asAxios = axios.getUri({ url: '/api/v3/y', params: { ...params, timestamp: 5 } });
    expect(viaParams.url?.startsWith(`https://api.binance.com${asAxios}&signature=`)).toBe(true);
    expect(viaParams.params).toBeUndefined();
  });

  it('joins a base URL with a path of its own once', async () => {
    const config = await signers.okx({ apiKey: 'k', apiSecret: secret, passphrase: 'p', now: () => 0 })({ method: 'get', baseURL: 'https://host.example/okx', url: '/api/v5/account/balance' });
    expect([config.baseURL, config.url]).toEqual([undefined, 'https://host.example/okx/api/v5/account/balance']);
  });

  it('refuses an empty secret when it is made, not at the first retry', () => {
    expect(() => signers.binance({ apiSecret: '' })).toThrow('signers.binance(credentials): apiSecret must be a non-empty string, got an empty string');
  });
});
