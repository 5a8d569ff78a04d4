import type { GiveUpEvent, RetryEvent } from '../coordinator';

/** Why a request waits before it leaves. */
export type HoldReason = 'cooldown' | 'pace' | 'quota' | 'probe' | 'ramp' | 'loading';

/** Which server an event is about. */
export interface Keyed {
  /** The server's origin, or a fingerprint of what the `key` option returned (it may be an API key). */
  readonly key: string;
}

/** A request waits before it leaves. */
export interface HeldEvent extends Keyed {
  /** The event's kind. */
  readonly type: 'held';
  /** Why it waits. */
  readonly reason: HoldReason;
  /** Requests now waiting to leave for this server. */
  readonly held: number;
}

/** Waiting requests let out, in one go. */
export interface ReleasedEvent extends Keyed {
  /** The event's kind. */
  readonly type: 'released';
  /** Requests let out. */
  readonly released: number;
  /** Requests still waiting. */
  readonly held: number;
}

/** An answer named a wait: every request to the server waits it out. */
export interface CooldownEvent extends Keyed {
  /** The event's kind. */
  readonly type: 'cooldown';
  /** How long, ms. */
  readonly waitMs: number;
  /** The status of the answer that named it. */
  readonly status: number | undefined;
}

/** A pace learned after a rate limit, or forgotten (both undefined). */
export interface PaceEvent extends Keyed {
  /** The event's kind. */
  readonly type: 'pace';
  /** Requests let out per window. */
  readonly capacity: number | undefined;
  /** The window, ms. */
  readonly periodMs: number | undefined;
}

/** An outage declared (only probes go out) or over. */
export interface ProbingEvent extends Keyed {
  /** The event's kind. */
  readonly type: 'probing';
  /** True while only probes go out. */
  readonly probing: boolean;
  /** Unknown outcomes in a row. */
  readonly failures: number;
}

/** A retry drew on the server's retry budget. */
export interface BudgetEvent extends Keyed {
  /** The event's kind. */
  readonly type: 'budget';
  /** Tokens it asked for. */
  readonly cost: number;
  /** False when the budget was spent: the request is given up. */
  readonly ok: boolean;
}

/**
 * What the library decided, as `onEvent` and the `DEBUG=axios-backoff` log tell it. No event
 * carries a secret, a header, a query or a body.
 */
export type BackoffEvent =
  | HeldEvent
  | ReleasedEvent
  | CooldownEvent
  | PaceEvent
  | ProbingEvent
  | BudgetEvent
  | (RetryEvent & Keyed)
  | (GiveUpEvent & Keyed);

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
