import type { CoreEvent } from '../coordinator';

/** Why a request waits before it leaves. */
export type HoldReason = 'cooldown' | 'pace' | 'probe' | 'ramp' | 'loading';

/**
 * What the library decided, as `onEvent` and the `DEBUG=axios-backoff` log tell it. `key` is the
 * server's origin, or a fingerprint of what the `key` option returned (it may be an API key):
 * no event carries a secret, a header, a query or a body.
 */
export type BackoffEvent =
  | { readonly type: 'held'; readonly key: string; readonly reason: HoldReason; readonly held: number }
  | { readonly type: 'released'; readonly key: string; readonly released: number; readonly held: number }
  | { readonly type: 'cooldown'; readonly key: string; readonly waitMs: number; readonly status: number | undefined }
  | { readonly type: 'pace'; readonly key: string; readonly capacity: number | undefined; readonly periodMs: number | undefined }
  | { readonly type: 'probing'; readonly key: string; readonly probing: boolean; readonly failures: number }
  | { readonly type: 'budget'; readonly key: string; readonly cost: number; readonly ok: boolean }
  | (CoreEvent & { readonly key: string });

/** Where events go; undefined when nobody listens (the common case costs one check). */
export type Emit = ((event: BackoffEvent) => void) | undefined;

/** A short, stable, non-reversible name for a key the user chose (FNV-1a, 32 bits). */
export function fingerprint(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return `key#${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

/** One event as a debug line: `axios-backoff https://api.example cooldown waitMs=1000 status=429`. */
export function formatEvent(event: BackoffEvent): string {
  const { type, key, ...facts } = event;
  const pairs = Object.entries(facts).map(([name, value]) => `${name}=${String(value)}`);
  return ['axios-backoff', key, type, ...pairs].join(' ');
}

/**
 * The debug switch, by the ecosystem's convention: `DEBUG=axios-backoff` (or `axios-backoff:*`, or
 * `*`) in the environment prints every event to stderr. Read once, where `attach` is called; a
 * browser has no environment and prints nothing.
 */
export function debugFromEnvironment(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const names = (env?.DEBUG ?? '').split(/[\s,]+/);
  return names.some((name) => name === '*' || name === 'axios-backoff' || name === 'axios-backoff:*');
}

/** Fans an event out to the user's listener and the debug log; a listener that throws is ignored. */
export function emitter(onEvent: ((event: BackoffEvent) => void) | undefined, debug: boolean): Emit {
  if (!onEvent && !debug) return undefined;
  return (event) => {
    if (debug) console.error(formatEvent(event));
    try {
      onEvent?.(event);
    } catch {
      // A listener that fails must not change what the library does.
    }
  };
}
