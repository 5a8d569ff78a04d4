import type { AxiosInstance, AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import { systemClock, type Clock } from './clock';
import { Gate } from './coordination/gate';
import { resolveCoordination } from './coordination/settings';
import { cancelError, createBackoff } from './interceptor';
import { freshState, liveState, withLease } from './state';
import { optionsForRequest, resolveOptions } from './options';
import { takeSnapshot } from './replay';
import type { BackoffOptions, BackoffState, ResolvedOptions } from './types';

type Config = InternalAxiosRequestConfig;

/**
 * The request side. axios asks `runWhen` first, with the config as merged and
 * before any interceptor ran: there the request is recorded as made, and let
 * through at once when nothing holds its origin back. Only a request that must
 * wait runs the (asynchronous) hold, so the usual path adds no promise.
 */
function createRequestSide(options: BackoffOptions, resolved: ResolvedOptions, gate: Gate, clock: Clock) {
  const optionsOf = (config: AxiosRequestConfig): ResolvedOptions | undefined => optionsForRequest(options, resolved, config.backoff);

  const runWhen = (config: Config): boolean => {
    let own: ResolvedOptions | undefined;
    try {
      own = optionsOf(config);
    } catch (invalid) {
      // Fail it at the adapter, before anything leaves: axios still sends a request whose interceptor threw.
      config.adapter = () => Promise.reject(invalid);
      return false;
    }
    if (!own) return false;
    const live = liveState(config);
    const now = clock.now();
    const lease = gate.tryEnter(config, now);
    config.backoffState = live ? withLease(live, lease) : freshState(now, takeSnapshot(config), lease);
    return lease === undefined;
  };

  // No async function here: a held request costs its one promise, not a second one.
  const hold = (config: Config): Promise<Config> =>
    gate.hold(config, optionsOf(config) as ResolvedOptions, config.backoffState as BackoffState);

  return { runWhen, hold };
}

/** Installs backoff on `instance`; returns a function that removes it. */
export function createAttach(instance: AxiosInstance, options: BackoffOptions = {}, clock: Clock = systemClock): () => void {
  const resolved = resolveOptions(options);
  const coordination = resolveCoordination(options);
  const gate = new Gate(coordination, clock, cancelError);
  const [onFulfilled, onRejected] = createBackoff(instance, options, clock, gate);
  const { runWhen, hold } = createRequestSide(options, resolved, gate, clock);
  // axios runs request interceptors last-registered first: this one sees the request untouched.
  const requestId = instance.interceptors.request.use(hold, undefined, { synchronous: false, runWhen });
  const responseId = instance.interceptors.response.use(onFulfilled, onRejected);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}
