/**
 * The ioredis methods the store uses, typed by shape so the library never imports
 * ioredis: an ioredis `Redis` instance fits, and core users install nothing more.
 */
export interface RedisClient {
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  script(subcommand: 'LOAD', script: string): Promise<unknown>;
  ping(): Promise<unknown>;
  /** A second connection with the same options: a subscribed connection can send nothing else. */
  duplicate(): RedisSubscriber;
}

/** The connection that listens for other processes' updates. */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

const METHODS = ['evalsha', 'eval', 'script', 'ping', 'duplicate'] as const;

/** Throws unless `client` has the methods used; names the ones it lacks. */
export function checkClient(client: unknown): RedisClient {
  const missing = METHODS.filter((m) => typeof (client as Record<string, unknown> | null)?.[m] !== 'function');
  if (missing.length) {
    throw new TypeError(`client must be an ioredis client (new Redis(url)); it lacks ${missing.join(', ')}`);
  }
  return client as RedisClient;
}
