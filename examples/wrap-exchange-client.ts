// An exchange SDK that owns its axios instance and signs in a request interceptor:
// attach to that instance, and a rate-limited call goes through, re-signed on the retry.
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { createHmac } from 'node:crypto';
import { attach, presets } from '../lib';
import { startMockExchange, type MockArrival } from './exchange-mocks';

const API_SECRET = 'demo-secret-not-a-real-key';

function hmac(query: string, secret: string): string {
  return createHmac('sha256', secret).update(query).digest('hex');
}

/**
 * Stands in for an exchange SDK: it builds its own axios instance and signs every request
 * as Binance's SIGNED endpoints want (HMAC-SHA256 of the query string, with a timestamp).
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type
 */
export class SpotClient {
  readonly http: AxiosInstance;

  constructor(baseURL: string, apiKey: string, private readonly apiSecret: string) {
    this.http = axios.create({ baseURL, headers: { 'X-MBX-APIKEY': apiKey } });
    this.http.interceptors.request.use((config) => this.sign(config));
  }

  async newOrder(params: Record<string, string>): Promise<{ clientOrderId: string; status: string }> {
    return (await this.http.post('/api/v3/order', null, { params })).data;
  }

  // The signature must cover the exact bytes sent, so the SDK writes the query itself.
  private sign(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
    const params = { ...(config.params as Record<string, string>), recvWindow: '5000', timestamp: String(Date.now()) };
    const query = new URLSearchParams(params).toString();
    config.params = undefined;
    config.url = `${config.url}?${query}&signature=${hmac(query, this.apiSecret)}`;
    return config;
  }
}

export interface SignedAttempt {
  /** The `timestamp` the request carried, epoch ms. */
  readonly timestamp: number;
  /** The signature matches the query it was sent with. */
  readonly signatureValid: boolean;
  /** What the mock answered. */
  readonly answer: string;
}

export interface WrapSummary {
  readonly status: string;
  readonly attempts: readonly SignedAttempt[];
  /** Between the two timestamps: the server's Retry-After, waited out. */
  readonly gapMs: number;
  readonly orders: number;
}

/** What the server checks: the signature over everything before `&signature=`. */
function signedAttempt(arrival: MockArrival, secret: string): SignedAttempt {
  const query = arrival.url.slice(arrival.url.indexOf('?') + 1);
  const [signed, signature] = query.split('&signature=');
  const timestamp = Number(new URLSearchParams(signed).get('timestamp'));
  const answer = arrival.step === 'rate-limited' ? '429 Retry-After: 1 (-1003)' : arrival.step === 'ok' ? '200 NEW' : arrival.step;
  return { timestamp, signatureValid: signature === hmac(signed, secret), answer };
}

export async function main(): Promise<WrapSummary> {
  const mock = await startMockExchange('binance', { order: [{ kind: 'rate-limited', waitMs: 1000 }] });
  try {
    const client = new SpotClient(mock.url, 'demo-key', API_SECRET);
    attach(client.http, presets.binance({ retries: 5 }));
    const placed = await client.newOrder({
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '97000', newClientOrderId: 'wrap-1',
    });
    const attempts = mock.arrivals('order').map((a) => signedAttempt(a, API_SECRET));
    const gapMs = attempts.length > 1 ? attempts[attempts.length - 1].timestamp - attempts[0].timestamp : 0;
    return { status: placed.status, attempts, gapMs, orders: mock.orderCount('wrap-1') };
  } finally {
    await mock.close();
  }
}

function print(s: WrapSummary): void {
  console.log("POST /api/v3/order through the SDK's own axios instance, signed by its request interceptor:");
  s.attempts.forEach((a, i) => {
    console.log(`  attempt ${i + 1}: timestamp=${a.timestamp} signature ${a.signatureValid ? 'valid' : 'INVALID'} -> ${a.answer}`);
  });
  console.log(`  re-signed ${s.gapMs} ms later; order ${s.status}, recorded ${s.orders} time(s)`);
}

function fail(err: unknown): void {
  console.error(err);
  process.exitCode = 1;
}

if (require.main === module) main().then(print, fail);
