import type { AxiosRequestConfig } from 'axios';
import type { ResolvedOptions } from './types';

/**
 * The lineage of one logical request, carried by reference inside
 * `config.backoffState` (axios' merge copies plain objects, not class instances).
 */
export class RequestSnapshot {
  /** False once the logical request settled: a config re-sent later starts afresh. */
  live = true;
  /** An attempt may have been acted on (answered, or an unknown outcome), whoever sent it. */
  acted = false;
  /** The request's options, resolved once for all its attempts. */
  options: ResolvedOptions | undefined = undefined;
  /** A retry of it drew on the origin's retry budget: its success gives the cost back. */
  drew = false;

  /** Without `headers`, nothing was recorded (the hand-registered pair has no request side). */
  constructor(
    readonly url?: string,
    readonly method?: string,
    readonly baseURL?: string,
    readonly headers?: Record<string, unknown>,
    readonly params?: unknown,
    readonly data?: unknown,
  ) {}

  /** The request as made, or undefined when it was not recorded. */
  get request(): RecordedRequest | undefined {
    return this.headers ? (this as RecordedRequest) : undefined;
  }

  /** Keeps the body out of logs that serialize error.config. */
  toJSON(): string {
    return '[axios-backoff request snapshot]';
  }

  /** Same for console.log / util.inspect in Node. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}

/**
 * The parts of a config that interceptors edit (signers, URL rewriters), copied.
 * Only these: copying a whole config on every request's path costs more than
 * the rest of what attach does.
 */
interface RecordedRequest {
  readonly url?: string;
  readonly method?: string;
  readonly baseURL?: string;
  readonly headers: Record<string, unknown>;
  readonly params?: unknown;
  readonly data?: unknown;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep copy of plain objects and arrays; anything else is shared. */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  if (typeof URLSearchParams !== 'undefined' && value instanceof URLSearchParams) {
    return new URLSearchParams(value) as T;
  }
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = clonePlain(item);
  return out as T;
}

/** AxiosHeaders (of any axios copy) or a plain object, as a plain object without Content-Length. */
export function headersForReplay(headers: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (headers === null || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers)) {
    // axios' http adapter writes the first body's length here; a re-signed body differs.
    if (name.toLowerCase() !== 'content-length') out[name] = clonePlain(value);
  }
  return out;
}

/** Taken by the request side `attach` installs, before any other interceptor. */
export function takeSnapshot(config: AxiosRequestConfig, options: ResolvedOptions): RequestSnapshot {
  const snapshot = new RequestSnapshot(
    config.url,
    config.method,
    config.baseURL,
    // A shallow copy: Content-Length is dropped when replaying, off the hot path.
    { ...config.headers },
    config.params === undefined ? undefined : clonePlain(config.params),
    config.data === undefined ? undefined : clonePlain(config.data),
  );
  snapshot.options = options;
  return snapshot;
}

/** Why a body cannot be sent a second time, or undefined when it can. */
export function unreplayableBody(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  if (typeof (data as { pipe?: unknown }).pipe === 'function') {
    return 'the body is a stream (or a FormData of streams), consumed by the first attempt';
  }
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) {
    return 'the body is a ReadableStream, consumed by the first attempt';
  }
  return undefined;
}

/** The body that a retry would send. */
export function bodyToReplay(failed: AxiosRequestConfig, snapshot: RequestSnapshot | undefined): unknown {
  return snapshot?.request ? snapshot.request.data : failed.data;
}

/**
 * The config for the next attempt: the failed attempt's, with what interceptors edit
 * taken from the snapshot when `attach` took one (without one, the body is the
 * failed attempt's, already serialized, which axios sends as is).
 */
export function nextConfig(
  failed: AxiosRequestConfig,
  snapshot: RequestSnapshot | undefined,
  backoffState: AxiosRequestConfig['backoffState'],
): AxiosRequestConfig {
  const source = snapshot?.request ?? failed;
  return {
    ...failed,
    url: source.url,
    method: source.method,
    baseURL: source.baseURL,
    headers: headersForReplay(source.headers) as AxiosRequestConfig['headers'],
    params: clonePlain(source.params),
    data: clonePlain(source.data),
    backoffState,
  };
}
