import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import axiosRetry, { exponentialDelay, isNetworkOrIdempotentRequestError } from 'axios-retry';
import * as rax from 'retry-axios';
import { attach, type BackoffOptions } from '../lib';

export const CLIENTS = ['bare axios', 'axios-retry', 'retry-axios', 'axios-backoff'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** The same retry count for every client: what a rate-limited caller would reach for. */
export const RETRIES = 10;

export interface Client {
  readonly api: AxiosInstance;
  readonly detach: () => void;
}

/**
 * Each peer set up as its README suggests for rate limits: RETRIES retries,
 * exponential backoff, Retry-After honoured, 429 and 5xx retried; methods left
 * at the README defaults.
 */
export function createClient(name: ClientName, defaults: CreateAxiosDefaults, ours: BackoffOptions): Client {
  const api = axios.create(defaults);
  switch (name) {
    case 'bare axios':
      return { api, detach: () => undefined };
    case 'axios-retry': {
      // exponentialDelay takes max(2^n * 100 ms, Retry-After) plus up to 20 %: Retry-After is its floor.
      // Its default condition retries network errors for every method, 5xx and 429 for idempotent ones;
      // the README way to add 429 for the rest is to widen retryCondition.
      const ids = axiosRetry(api, {
        retries: RETRIES,
        retryDelay: exponentialDelay,
        retryCondition: (e) => isNetworkOrIdempotentRequestError(e) || e.response?.status === 429,
      });
      return {
        api,
        detach: () => {
          api.interceptors.request.eject(ids.requestInterceptorId);
          api.interceptors.response.eject(ids.responseInterceptorId);
        },
      };
    }
    case 'retry-axios': {
      // checkRetryAfter defaults to true (waits up to 5 min); httpMethodsToRetry defaults to
      // GET HEAD PUT OPTIONS DELETE, so a POST is never retried.
      api.defaults.raxConfig = { retry: RETRIES, backoffType: 'exponential', statusCodesToRetry: [[429, 429], [500, 599]] };
      const id = rax.attach(api);
      return { api, detach: () => rax.detach(id, api) };
    }
    case 'axios-backoff':
      return { api, detach: attach(api, ours) };
  }
}
