// @binance/connector ships no types: what the tests call of it.
declare module '@binance/connector' {
  import type { AxiosResponse } from 'axios';
  export class Spot {
    constructor(apiKey?: string, apiSecret?: string, options?: { baseURL?: string; timeout?: number; privateKey?: string; privateKeyAlgo?: 'RSA' | 'Ed25519' });
    time(): Promise<AxiosResponse>;
    account(options?: Record<string, unknown>): Promise<AxiosResponse>;
    newOrder(symbol: string, side: string, type: string, options?: Record<string, unknown>): Promise<AxiosResponse>;
  }
}
