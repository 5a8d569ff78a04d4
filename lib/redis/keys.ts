/** Where one origin's (or key's) state lives, all under the store's prefix. */
export interface KeysOf {
  readonly cooldown: string;
  readonly breaker: string;
  /** The origin's pace: its capacity and window, and the processes' shares of the lesson that set it (a hash). */
  readonly rate: string;
  /** The processes that took from the pace lately, by when (a sorted set). */
  readonly live: string;
  /** Who sends the outage probe now (a lease). */
  readonly probe: string;
  bucket(name: string): string;
}

/**
 * The key as a hash tag's content: never empty (`{}` hashes the whole name), no brace (the tag
 * would end early), `%` escaped so that two keys never share one. An origin is left as it is.
 */
function hashTag(key: string): string {
  if (key === '') return '%';
  return key.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The origin goes in a hash tag (`{...}`): in a Redis Cluster all of its keys then
 * share a slot, as the script that loads them reads three keys at once.
 */
export function keysOf(prefix: string, key: string): KeysOf {
  const base = `${prefix}:{${hashTag(key)}}`;
  return {
    cooldown: `${base}:cooldown`,
    breaker: `${base}:breaker`,
    rate: `${base}:rate`,
    live: `${base}:live`,
    probe: `${base}:probe`,
    bucket: (name) => `${base}:bucket:${name}`,
  };
}

/** The channel on which stores tell each other of their writes. */
export const channelOf = (prefix: string): string => `${prefix}:events`;
