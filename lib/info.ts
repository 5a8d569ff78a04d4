import type { AxiosResponse } from 'axios';
import type { BackoffErrorInfo } from './types';

/**
 * The facts of a give-up, by the body and headers of the last answer: exchange SDKs reject with
 * objects of their own that keep those (`{ code, body, headers }`) or the body alone, not the
 * AxiosError that carries `backoff`.
 */
const carried = new WeakMap<object, BackoffErrorInfo>();

/** Records `info` against the answer's body and headers, for `backoffInfo` to find through an SDK's error. */
export function carry(info: BackoffErrorInfo, response: AxiosResponse | undefined): void {
  for (const part of [response?.data, response?.headers]) if (part !== null && typeof part === 'object') carried.set(part as object, info);
}

/** Where SDKs keep the original error, response, body or headers on the errors they throw. */
const KEPT = ['response', 'err', 'error', 'cause', 'originalError', 'body', 'headers', 'data'];

const isInfo = (v: unknown): v is BackoffErrorInfo => v !== null && typeof v === 'object' && 'reason' in v && 'outcome' in v;

function find(value: unknown, depth: number): BackoffErrorInfo | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const own = (value as { backoff?: unknown }).backoff;
  if (isInfo(own)) return own;
  // axios' own error or response says it, or says nothing: a body shared with an old answer must not speak for it.
  if ((value as { isAxiosError?: unknown }).isAxiosError === true || ('config' in value && 'status' in value)) return undefined;
  const found = carried.get(value);
  if (found || depth === 0) return found;
  for (const key of KEPT) {
    let next: unknown;
    try {
      next = (value as Record<string, unknown>)[key];
    } catch {
      continue; // a getter that throws keeps nothing of ours
    }
    const deeper = find(next, depth - 1);
    if (deeper) return deeper;
  }
  return undefined;
}

/**
 * What axios-backoff said about an error it let through, or a response `classify` called a
 * failure: `err.backoff` / `response.backoff`, read without relying on the type augmentation
 * (which a CommonJS project under node16 resolution cannot see, axios' CommonJS typings declaring
 * `AxiosError` as an alias). It also finds them on the errors exchange SDKs throw in place of
 * axios' (a plain object with the body and headers, the body alone, a wrapper keeping the
 * AxiosError), through the answer's body and headers.
 *
 * @example
 * if (backoffInfo(err)?.outcome === 'unknown') await reconcile(order);
 */
export function backoffInfo(errorOrResponse: unknown): BackoffErrorInfo | undefined {
  return find(errorOrResponse, 2);
}
