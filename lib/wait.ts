import type { Clock } from './clock';

/** Signals as axios accepts them: the DOM AbortSignal or a look-alike. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener?: (type: 'abort', listener: () => void) => void;
  removeEventListener?: (type: 'abort', listener: () => void) => void;
}

export class WaitAborted extends Error {
  constructor() {
    super('wait aborted');
    this.name = 'WaitAborted';
  }
}

/**
 * Resolves after `ms`, or rejects with WaitAborted as soon as `signal` aborts.
 * Either way no timer and no listener is left behind.
 */
export function sleep(ms: number, clock: Clock, signal?: AbortSignalLike): Promise<void> {
  if (signal?.aborted) return Promise.reject(new WaitAborted());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      signal?.removeEventListener?.('abort', onAbort);
      reject(new WaitAborted());
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener?.('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener?.('abort', onAbort);
  });
}
