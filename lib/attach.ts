import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { systemClock, type Clock } from './clock';
import { Gate, GATE } from './coordination/gate';
import { resolveCoordination, type BackoffOptions } from './coordination/settings';
import { cancelError, createBackoff } from './interceptor';
import { freshState, liveState } from './state';
import { optionsForRequest, resolveOptions, retryPart } from './options';
import { takeSnapshot } from './replay';
import type { ResolvedOptions } from './types';

/** An instance with axios-backoff attached carries its gate; registered, so two copies of the package see it. */
type Marked = AxiosInstance & { [GATE]?: Gate };

/**
 * The request side. axios asks every request interceptor's `runWhen` first, with the
 * config as merged and before any interceptor ran: there the request is recorded as
 * made, its options resolved once for all its attempts, and its adapter wrapped so that
 * it takes its place at the origin when it actually leaves. It answers false: no
 * interceptor of ours runs, so nothing here can be left waiting by what runs after it.
 */
function requestSide(options: BackoffOptions, resolved: ResolvedOptions, gate: Gate, clock: Clock) {
  const base = retryPart(options);
  return (config: InternalAxiosRequestConfig): boolean => {
    const live = liveState(config);
    if (live) {
      // A retry, ours or another plugin's re-send of the same config: the same request, its options kept.
      config.adapter = gate.transportFor(config.adapter);
      return false;
    }
    let own: ResolvedOptions | undefined;
    try {
      own = optionsForRequest(base, resolved, config.backoff);
    } catch (invalid) {
      // Fail it at the adapter, before anything leaves: axios still sends a request whose interceptor threw.
      config.adapter = () => Promise.reject(invalid);
      return false;
    }
    // `backoff: false` turns retries off, not the server's word: the request still waits out a
    // cooldown (one sent into it can extend a ban for every request), and its answer still counts.
    if (own) config.backoffState = freshState(clock.now(), takeSnapshot(config, own));
    config.adapter = gate.transportFor(config.adapter);
    return false;
  };
}

/** Installs backoff on `instance`; returns a function that removes it. */
export function createAttach(instance: AxiosInstance, options: BackoffOptions = {}, clock: Clock = systemClock): () => void {
  if (!instance || typeof instance.request !== 'function' || !instance.interceptors) {
    throw new TypeError(`attach(instance, options): instance must be an axios instance, got ${instance === null ? 'null' : typeof instance}`);
  }
  const marked = instance as Marked;
  if (marked[GATE]) {
    throw new Error(
      'attach: this instance already has axios-backoff attached; call the function the first attach returned to remove it, '
      + 'then attach once with the options you want (a second attach would retry every retry)',
    );
  }
  const resolved = resolveOptions(options, 'options', true);
  const gate = new Gate(resolveCoordination(options, resolved.maxRetryAfter), resolved, clock, cancelError);
  const [onFulfilled, onRejected] = createBackoff(instance, retryPart(options), clock, gate);
  const runWhen = requestSide(options, resolved, gate, clock);
  const requestId = instance.interceptors.request.use((config) => config, undefined, { synchronous: true, runWhen });
  const responseId = instance.interceptors.response.use(onFulfilled, onRejected);
  marked[GATE] = gate;
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    delete marked[GATE];
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}
