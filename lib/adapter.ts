import { AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { systemClock, type Clock } from './clock';
import { Gate, GATE } from './coordination/gate';
import { resolveAdapter, type AdapterSpec } from './coordination/transport';
import { resolveCoordination, type BackoffOptions } from './coordination/settings';
import { cancelError, createBackoff } from './interceptor';
import { optionsForRequest, resolveOptions, retryPart } from './options';
import { takeSnapshot } from './replay';
import { carry } from './info';
import { freshState, liveState } from './state';
import type { BackoffErrorInfo, ResolvedOptions } from './types';

type Config = InternalAxiosRequestConfig;
export type { AdapterSpec };

/**
 * An axios adapter that fits the `adapter` option of any axios 1.x copy. An SDK's own nested axios
 * has types of its own, which axios' types of another copy are not assignable to, so the request
 * is typed by what every copy's is (an object), and the answer by what the caller's copy expects.
 */
export type BackoffAdapter = <R = AxiosResponse>(config: object) => Promise<R>;

/** Options of `backoffAdapter`: those of `attach`, and the transport it wraps. */
export interface BackoffAdapterOptions extends BackoffOptions {
  /**
   * The transport to send through: a function, `'http'`, `'fetch'`, `'xhr'`, or a list of them.
   * Default: axios' own for the request (`['xhr', 'http', 'fetch']`, the first the platform has).
   */
  adapter?: AdapterSpec;
}

/**
 * Headers another axios copy made (an SDK's own), as this copy's: axios before 1.7 reads an
 * AxiosHeaders of another copy as no headers at all, and the request went out unsigned.
 */
function ownHeaders(config: Config): void {
  const headers = config.headers as unknown;
  if (headers === null || typeof headers !== 'object' || headers instanceof AxiosHeaders) return;
  const json = (headers as { toJSON?: () => unknown }).toJSON;
  config.headers = new AxiosHeaders((typeof json === 'function' ? json.call(headers) : headers) as ConstructorParameters<typeof AxiosHeaders>[0]);
}

/**
 * The client's axios would parse this body with JSON.parse and nothing else: JSON expected, its
 * own transform (axios' default, one function of that name) and no reviver. A parser of the
 * user's (big numbers kept as text) must get the text.
 */
function parsesAsAxios(config: InternalAxiosRequestConfig | undefined): boolean {
  if (!config || (config.responseType !== undefined && config.responseType !== 'json')) return false;
  const transforms = config.transformResponse;
  const only = Array.isArray(transforms) && transforms.length === 1 ? transforms[0] : transforms;
  return typeof only === 'function' && only.name === 'transformResponse' && (config as { parseReviver?: unknown }).parseReviver === undefined;
}

/**
 * An answer given up on, its JSON body still text here, is handed back parsed, as the client's
 * axios would parse it into a new object: so the SDK keeps (in the error it makes of it) the
 * object our facts are recorded against, for `backoffInfo` to find.
 */
function handedBack(response: AxiosResponse | undefined, info: BackoffErrorInfo | undefined): AxiosResponse {
  if (info && response && typeof response.data === 'string' && parsesAsAxios(response.config) && /^\s*[[{]/.test(response.data)) {
    try {
      response.data = JSON.parse(response.data);
      carry(info, response);
    } catch {
      // Not JSON after all: the client's axios keeps the text, or says so.
    }
  }
  return response as AxiosResponse;
}

/**
 * `backoffAdapter`: the whole of `attach` (decision, waits, per-origin coordination, state on the
 * config) below the interceptors, for clients whose axios instance is out of reach. A retry is
 * sent again from here, so the client's request interceptors do not run again: `resign` is how a
 * retry gets a fresh timestamp and signature.
 */
export function createBackoffAdapter(options: BackoffAdapterOptions = {}, clock: Clock = systemClock): BackoffAdapter {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`backoffAdapter(options): options must be a plain options object, got ${options === null ? 'null' : typeof options}`);
  }
  const { adapter: inner, ...rest } = options;
  if (inner !== undefined && typeof inner !== 'function' && typeof inner !== 'string' && !Array.isArray(inner)) {
    throw new TypeError('adapter must be an axios adapter: a function, a name (\'http\', \'fetch\', \'xhr\') or a list of them');
  }
  const resolved = resolveOptions(rest, 'options', true);
  const gate = new Gate(resolveCoordination(rest, resolved.maxRetryAfter), resolved, clock, cancelError);
  const base = retryPart(rest);

  /** One attempt: recorded on first sight, sent under the gate, its answer decided on. */
  const send = (config: Config): Promise<AxiosResponse> => {
    ownHeaders(config);
    if (!liveState(config)) {
      let own: ResolvedOptions | undefined;
      try {
        own = optionsForRequest(base, resolved, config.backoff);
      } catch (invalid) {
        return Promise.reject(invalid);
      }
      // The request as the client signed it: a retry sends it again, through `resign` if set.
      if (own) config.backoffState = freshState(clock.now(), takeSnapshot(config, own));
    }
    let adapter: AxiosAdapter;
    try {
      adapter = typeof inner === 'function' ? inner : resolveAdapter(inner, config);
    } catch (error) {
      return Promise.reject(error);
    }
    return gate.send(config, adapter).then(onFulfilled, onRejected).then((response) => handedBack(response, response.backoff), (error: unknown) => {
      const given = error as { response?: AxiosResponse; backoff?: BackoffErrorInfo } | null;
      handedBack(given?.response, given?.backoff);
      throw error;
    });
  };
  const [onFulfilled, onRejected] = createBackoff({ request: (config) => send(config as Config) }, base, clock, gate);
  return Object.assign(send, { [GATE]: gate }) as unknown as BackoffAdapter;
}
