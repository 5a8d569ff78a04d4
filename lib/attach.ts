import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { systemClock, type Clock } from './clock';
import { createBackoff, freshState, liveState } from './interceptor';
import { optionsForRequest, resolveOptions } from './options';
import { takeSnapshot } from './replay';
import type { BackoffOptions } from './types';

/**
 * The request side: on a request's first attempt, records when it started and
 * what it looked like before other interceptors changed it.
 */
function createRequestInterceptor(options: BackoffOptions, clock: Clock) {
  const resolved = resolveOptions(options);
  return (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    let enabled: boolean;
    try {
      enabled = optionsForRequest(options, resolved, config.backoff) !== undefined;
    } catch (invalid) {
      // A synchronous interceptor that throws still lets axios send the request:
      // fail it at the adapter instead, before anything leaves.
      config.adapter = () => Promise.reject(invalid);
      return config;
    }
    if (!enabled) return config;
    if (!liveState(config)) config.backoffState = freshState(clock.now(), takeSnapshot(config));
    return config;
  };
}

/** Installs backoff on `instance`; returns a function that removes it. */
export function createAttach(instance: AxiosInstance, options: BackoffOptions = {}, clock: Clock = systemClock): () => void {
  const [onFulfilled, onRejected] = createBackoff(instance, options, clock);
  // axios runs request interceptors last-registered first: this one sees the request untouched.
  const requestId = instance.interceptors.request.use(createRequestInterceptor(options, clock), undefined, {
    synchronous: true,
  });
  const responseId = instance.interceptors.response.use(onFulfilled, onRejected);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}
