import axios, { type AxiosAdapter, type AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { QuotaReading } from '../quota/types';
import type { Gate } from './gate';
import type { LaneResult, Ticket } from './lane';

type Config = InternalAxiosRequestConfig;
const NEUTRAL: LaneResult = Object.freeze({ kind: 'neutral', wait: undefined });
/** What `config.adapter` may name: a function, a known adapter's name, or a list of either. */
export type AdapterSpec = InternalAxiosRequestConfig['adapter'];

/** The adapter a wrapper was made for, kept on the wrapper so a re-sent config is not wrapped twice. */
const INNER = Symbol.for('axios-backoff.inner');
type Wrapped = AxiosAdapter & { [INNER]?: AdapterSpec };

/**
 * Sends through `adapter` under a ticket of the gate, and gives the ticket back when the
 * transport answers, on every path, with what the server said. Taken and given back here,
 * in one function: nothing around the transport can leave a ticket taken. The answer is
 * watched on a branch of its own and the adapter's promise returned as it is, so the
 * request's own chain gains no step (this runs on every request).
 */
export function carry(gate: Gate, ticket: Ticket, adapter: AxiosAdapter, config: Config): Promise<AxiosResponse> {
  const answered = (response: AxiosResponse | undefined, error: unknown): void => {
    let result: LaneResult = NEUTRAL;
    let readings: readonly QuotaReading[] | undefined;
    // One reading of the clock for the whole answer: this runs on every request.
    const now = gate.now();
    try {
      result = gate.resultOf(config, response, error, now);
      readings = gate.readingsOf(config, response, now);
    } catch {
      // A key or classifier that throws says nothing of the server; the ticket goes back all the same.
    }
    try {
      gate.release(ticket, result, readings, config, now);
    } catch {
      // A store that throws: the lane counted the ticket back before asking it, and this branch must
      // not end in an unhandled rejection.
    }
  };
  let sent: Promise<AxiosResponse>;
  try {
    sent = Promise.resolve(adapter(config));
  } catch (error) {
    answered(undefined, error);
    return Promise.reject(error);
  }
  // The branch settles, whatever the answer: its rejection is the caller's to handle, on `sent`.
  sent.then(
    (response) => answered(response, undefined),
    (error: unknown) => answered((error as AxiosError | undefined)?.response, error),
  );
  return sent;
}

/** An axios adapter that sends through `inner` (resolved as axios resolves it) under the gate's coordination. */
function transport(gate: Gate, inner: AdapterSpec): AxiosAdapter {
  const wrapped: Wrapped = (config) => {
    try {
      // Resolved per request, as axios does: the fetch adapter is made for the config.
      const adapter = typeof inner === 'function' ? inner : resolveAdapter(inner, config);
      return gate.send(config, adapter);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  wrapped[INNER] = inner;
  return wrapped;
}

/**
 * axios' own transports, as its defaults name them when this module loads: read later, they may
 * name a `backoffAdapter` (`axios.defaults.adapter = backoffAdapter()`), which would call itself.
 */
const BUILT_IN: AdapterSpec = axios.defaults.adapter;

/** The adapter `spec` names (axios' own when none), resolved by axios (1.6+); its typings omit the config fetch is made for. */
export function resolveAdapter(spec: AdapterSpec, config: Config): AxiosAdapter {
  return (axios.getAdapter as (spec: AdapterSpec, config: Config) => AxiosAdapter)(spec ?? BUILT_IN, config);
}

/** Wrappers already made, one per adapter: a function's by identity, names and lists by their names. */
export interface TransportCache {
  readonly byFunction: WeakMap<AxiosAdapter, AxiosAdapter>;
  readonly byName: Map<string, AxiosAdapter>;
}

export function transportCache(): TransportCache {
  return { byFunction: new WeakMap(), byName: new Map() };
}

/** The gate's transport for whatever `config.adapter` names; a config already carrying one keeps its inner adapter. */
export function transportFor(gate: Gate, cache: TransportCache, spec: AdapterSpec): AxiosAdapter {
  const inner = innerOf(spec);
  if (typeof inner === 'function') {
    let wrapped = cache.byFunction.get(inner);
    if (!wrapped) cache.byFunction.set(inner, (wrapped = transport(gate, inner)));
    return wrapped;
  }
  const name = Array.isArray(inner) ? inner.map((a) => (typeof a === 'function' ? '' : String(a))).join(',') : String(inner);
  // A list that holds functions has no name to cache it by.
  if (Array.isArray(inner) && inner.some((a) => typeof a === 'function')) return transport(gate, inner);
  let wrapped = cache.byName.get(name);
  if (!wrapped) cache.byName.set(name, (wrapped = transport(gate, inner)));
  return wrapped;
}

/** The adapter `spec` wraps, when it is one of ours; else `spec` itself. */
export function innerOf(spec: AdapterSpec): AdapterSpec {
  return typeof spec === 'function' && INNER in spec ? (spec as Wrapped)[INNER] : spec;
}
