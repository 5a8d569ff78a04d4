import type { AxiosAdapter, AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import type { Clock } from '../clock';
import type { BackoffState, ResolvedOptions, RetryContext } from '../types';

/** Less validity than this left (ms) when a held request is let out: it is signed again first. */
const MARGIN = 1000;

/**
 * The adapter a held request is sent through when `resign` can renew it: a request that waited at
 * the gate (a cooldown, a pace, a declared limit) until its signature is about to expire is signed
 * again as it leaves, rather than sent for the exchange to refuse. A hook that throws (`signedUntil`
 * or `resign`) fails the request with the error `failed` makes of it; the ticket it was let out
 * with goes back all the same (`carry` watches this promise).
 */
export function renewing(
  adapter: AxiosAdapter,
  options: ResolvedOptions,
  state: BackoffState,
  clock: Clock,
  failed: (hook: 'signedUntil' | 'resign', failure: unknown) => Error,
): AxiosAdapter {
  const { resign, signedUntil } = options;
  if (!resign || !signedUntil) return adapter;
  return (config) => {
    let until: number | undefined;
    try {
      until = signedUntil(config);
    } catch (failure) {
      return Promise.reject(failed('signedUntil', failure));
    }
    if (until === undefined || clock.now() + MARGIN < until) return adapter(config);
    const ctx: RetryContext = { attempt: state.attempt, delay: 0, serverDelay: undefined, outcome: 'rate-limited', error: undefined, state };
    return new Promise<AxiosRequestConfig | void>((resolve) => resolve(resign(config, ctx))).then(
      (fresh) => adapter((fresh ?? config) as InternalAxiosRequestConfig),
      (failure: unknown) => Promise.reject(failed('resign', failure)),
    );
  };
}
