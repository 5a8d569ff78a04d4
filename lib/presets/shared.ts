import type { AxiosResponse } from 'axios';
import { systemClock } from '../clock';
import { defined } from '../options';
import type { HeaderBag } from '../headers';
import type { BackoffOptions } from '../coordination/settings';
import type { Classification, Classifier, RetryOptions } from '../types';

/**
 * What a preset returns: the exchange's defaults, the user's overrides on top. Its type keeps
 * only the options given, so a preset without shared options also fits `backoff` and `config.backoff`.
 */
export type PresetOptions<O extends BackoffOptions = RetryOptions> = Omit<O, 'classify'> & RetryOptions & {
  /** The exchange's reading of its responses. */
  classify: Classifier;
};

/** A preset: `(overrides?) => options`, a new object each call. */
export type Preset = <O extends BackoffOptions = RetryOptions>(overrides?: O) => PresetOptions<O>;

export const RATE_LIMITED: Classification = Object.freeze({ kind: 'rate-limited' });
export const TRANSIENT: Classification = Object.freeze({ kind: 'transient' });
export const UNKNOWN: Classification = Object.freeze({ kind: 'unknown' });
export const RESIGN: Classification = Object.freeze({ kind: 'resign' });

export function fatal(reason: string): Classification {
  return Object.freeze({ kind: 'fatal', reason });
}

/** An exchange's codes and what each means. */
export type CodeTable = ReadonlyMap<string, Classification>;

export function codeTable(entries: Record<string, Classification>): CodeTable {
  return new Map(Object.entries(entries));
}

/** A body's own property, or undefined when the body is not a plain object (null, a string, an array…). */
export function field(body: unknown, key: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  return Object.prototype.hasOwnProperty.call(body, key) ? (body as Record<string, unknown>)[key] : undefined;
}

/** A code field as a string: exchanges send numbers (-1003, 10006) or strings ("50011"). */
export function codeOf(body: unknown, key: string): string | undefined {
  const value = field(body, key);
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  // json-bigint and its kin parse large integers, and sometimes all of them, as BigInt.
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

/** A text field, or '' when absent or not text. */
export function textOf(body: unknown, key: string): string {
  const value = field(body, key);
  return typeof value === 'string' ? value : '';
}

export function headersOf(response: AxiosResponse): HeaderBag {
  return response.headers as HeaderBag;
}

export function isServerError(status: unknown): boolean {
  return typeof status === 'number' && status >= 500 && status <= 599;
}

/** The class a table gives a code; a rate-limited class carries the wait `waitFor` finds, if any. */
export function lookup(
  table: CodeTable,
  code: string | undefined,
  waitFor: () => number | undefined = () => undefined,
): Classification | undefined {
  const found = code === undefined ? undefined : table.get(code);
  if (found?.kind !== 'rate-limited') return found;
  return rateLimited(waitFor());
}

export function rateLimited(wait: number | undefined): Classification {
  return wait === undefined ? RATE_LIMITED : Object.freeze({ kind: 'rate-limited', wait });
}

// When one response names several errors, the class that forbids most wins: a request that
// may have been acted on must not be replayed because another entry says "retry".
const SEVERITY: readonly Classification['kind'][] = ['fatal', 'unknown', 'resign', 'rate-limited', 'transient', 'ok'];

export function mostSevere(classes: readonly (Classification | undefined)[]): Classification | undefined {
  let worst: Classification | undefined;
  for (const c of classes) {
    if (c && (!worst || SEVERITY.indexOf(c.kind) < SEVERITY.indexOf(worst.kind))) worst = c;
  }
  return worst;
}

/** Reads a response at `now`: a class, or undefined to leave the decision to the status. */
export type Reader = (response: AxiosResponse, now: number) => Classification | undefined;

/**
 * An exchange's classifier on a clock (the system's by default). The interceptor calls it on
 * every response: an odd body must leave the decision to the status, never throw.
 */
export function classifier(read: Reader, now: () => number = systemClock.now): Classifier {
  return (response) => {
    try {
      return read(response, now());
    } catch {
      return undefined;
    }
  };
}

/** A preset: the exchange's classifier and defaults, the user's defined overrides on top; never mutates them. */
export function preset(classify: Classifier, defaults: RetryOptions = {}): Preset {
  return <O extends BackoffOptions>(overrides?: O) => ({ ...defaults, classify, ...defined(overrides ?? {}) }) as PresetOptions<O>;
}
