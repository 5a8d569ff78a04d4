import type { BackoffErrorInfo } from './types';

/**
 * What axios-backoff said about an error it let through, or a response `classify`
 * called a failure: `err.backoff` / `response.backoff`, read without relying on the
 * type augmentation (which a CommonJS project under node16 resolution cannot see,
 * axios' CommonJS typings declaring `AxiosError` as an alias).
 *
 * @example
 * if (backoffInfo(err)?.outcome === 'unknown') await reconcile(order);
 */
export function backoffInfo(errorOrResponse: unknown): BackoffErrorInfo | undefined {
  if (errorOrResponse === null || typeof errorOrResponse !== 'object') return undefined;
  const info = (errorOrResponse as { backoff?: unknown }).backoff;
  return info !== null && typeof info === 'object' && 'reason' in info ? (info as BackoffErrorInfo) : undefined;
}
