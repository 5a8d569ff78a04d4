import type { BreakerState, PaceState } from '../coordination/store';
import type { RedisClient, RedisSubscriber } from './client';

/** A write one store tells the others of; a cooldown travels as a wait, never as a time. */
export type Update =
  /** `server`: the server named the wait; the refusal closed a window every process saw part of. */
  | { readonly kind: 'cooldown'; readonly key: string; readonly wait: number; readonly server?: true }
  | { readonly kind: 'breaker'; readonly key: string; readonly state: BreakerState }
  | { readonly kind: 'pace'; readonly key: string; readonly pace: PaceState | undefined; readonly version: number };

export function encode(from: string, update: Update): string {
  return JSON.stringify({ from, ...update });
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isBreaker(v: unknown): v is BreakerState {
  const b = v as BreakerState | null;
  return typeof b === 'object' && b !== null && isNumber(b.failures) && typeof b.probing === 'boolean';
}

export function isPace(v: unknown): v is PaceState {
  const p = v as PaceState | null;
  return typeof p === 'object' && p !== null && isNumber(p.capacity) && isNumber(p.periodMs);
}

/** A breaker or pace as stored (JSON), or undefined when absent or not one. */
export function readState<T>(text: unknown, is: (v: unknown) => v is T): T | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return is(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The update a message carries, or undefined for anything else on the channel. */
export function decode(message: string): { from: string; update: Update } | undefined {
  const m = readState(message, (v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
  if (!m || typeof m.from !== 'string' || typeof m.key !== 'string') return undefined;
  const { from, key } = m;
  if (m.kind === 'cooldown' && isNumber(m.wait)) {
    return { from, update: m.server === true ? { kind: 'cooldown', key, wait: m.wait, server: true } : { kind: 'cooldown', key, wait: m.wait } };
  }
  if (m.kind === 'breaker' && isBreaker(m.state)) return { from, update: { kind: 'breaker', key, state: m.state } };
  // A pace Redis published says none as null.
  // Published by Redis: a pace of none is null, and the version a string of digits.
  const version = Number(m.version);
  if (m.kind === 'pace' && (m.pace === null || isPace(m.pace)) && Number.isFinite(version)) {
    return { from, update: { kind: 'pace', key, pace: isPace(m.pace) ? m.pace : undefined, version } };
  }
  return undefined;
}

/**
 * The store's own subscribed connection (a duplicate of the user's client), opened on
 * first use. ioredis reconnects and resubscribes it by itself after an outage.
 */
export class Subscription {
  private connection: RedisSubscriber | undefined;
  private subscribed: Promise<unknown> | undefined;
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    private readonly channel: string,
    private readonly received: (update: Update, from: string) => void,
    private readonly self: string,
  ) {}

  /** Resolves once updates flow (at once after `close`); a failed subscribe is tried again on the next call. */
  start(): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    const connection = (this.connection ??= this.open());
    this.subscribed ??= connection.subscribe(this.channel).catch((error: unknown) => {
      this.subscribed = undefined;
      throw error;
    });
    return this.subscribed;
  }

  private open(): RedisSubscriber {
    const connection = this.client.duplicate();
    connection.on('message', (channel, message) => {
      const decoded = channel === this.channel ? decode(message) : undefined;
      if (decoded && decoded.from !== this.self) this.received(decoded.update, decoded.from);
    });
    // Outages are noticed, and said, through the calls on the user's client; without a
    // listener ioredis would print each reconnection error of this one.
    connection.on('error', () => undefined);
    return connection;
  }

  /** Unsubscribes (within `timed`) and closes the connection. */
  async close(timed: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    if (!connection) return;
    this.connection = undefined;
    this.subscribed = undefined;
    await timed(connection.unsubscribe(this.channel)).catch(() => undefined);
    connection.disconnect();
  }
}
