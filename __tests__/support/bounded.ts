import type { AxiosError } from 'axios';

// Waits on a request, bounded: a hang fails in seconds with a message, not at jest's timeout.

/** Long enough for any loopback request on a slow machine; far below jest's timeout. */
const SETTLE_MS = 2000;

/** `promise`, or a rejection naming the bound when it has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms = SETTLE_MS): Promise<T> {
  promise.catch(() => undefined); // a late rejection after the bound is not an unhandled one
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** The error `promise` rejects with within `ms`; fails if it resolves or hangs. */
export async function failureWithin(promise: Promise<unknown>, ms = SETTLE_MS): Promise<AxiosError> {
  const settled = await within(
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    ms,
  );
  if (!('error' in settled)) throw new Error('expected the request to reject, it resolved');
  return settled.error as AxiosError;
}

