/**
 * The ioredis methods the store uses, typed by shape so the library never imports
 * ioredis: an ioredis `Redis` instance fits, and core users install nothing more.
 */
export interface RedisClient {
  /** Runs a loaded Lua script by its SHA1 (EVALSHA). */
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** Runs a Lua script (EVAL), when the server has not loaded it. */
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** Loads a Lua script (SCRIPT LOAD). */
  script(subcommand: 'LOAD', script: string): Promise<unknown>;
  /** Checks that Redis answers again, while the store is in fallback. */
  ping(): Promise<unknown>;
  /** A second connection with the same options: a subscribed connection can send nothing else. */
  duplicate(): RedisSubscriber;
}

/** The connection that listens for other processes' updates. */
export interface RedisSubscriber {
  /** Listens to the store's channel. */
  subscribe(channel: string): Promise<unknown>;
  /** Stops listening, on `close()`. */
  unsubscribe(channel: string): Promise<unknown>;
  /** Receives other processes' updates. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** Receives connection errors, so they are not thrown as unhandled. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Ends the connection, on `close()`. */
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
