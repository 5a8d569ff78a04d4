import type { RedisClient } from './client';

export interface Script {
  readonly source: string;
}

function script(body: string): Script {
  return { source: `${PRELUDE}\n${body}` };
}

/** The reply status of a write that ran after its deadline and did nothing. */
export const STALE = 'stale';

// Every time comes from Redis' own clock, never a process' (TIME: seconds, microseconds).
// Before Redis 5 a script must ask for effects replication to write after reading TIME.
const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// ARGV[1] is a deadline in Redis ms (0: none): a write that runs later is dropped.
const GUARD = `
local deadline = tonumber(ARGV[1])
if deadline > 0 and now > deadline then return {now, '${STALE}'} end`;

/** KEYS: cooldown, breaker, pace. Reply: now, the cooldown's PTTL, the breaker and pace values or nil. */
export const LOAD = script(`
return {now, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3])}`);

/** KEYS: cooldown. ARGV: deadline, wait ms, channel, message. Extends the cooldown only; publishes when it did. */
export const COOLDOWN = script(`${GUARD}
local wait = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) >= wait then return {now, 0} end
redis.call('SET', KEYS[1], '1', 'PX', wait)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {now, 1}`);

/** KEYS: the state, then keys it resets (a new pace starts its windows afresh). ARGV: deadline, value ('' deletes), ttl ms, channel, message. */
export const STATE = script(`${GUARD}
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return {now, 1}`);

/**
 * The token bucket of bucket.ts, atomically, continuous or in fixed windows (`at` then
 * marks the window's start, and windows keep their phase). KEYS: the bucket. ARGV:
 * deadline, 'take' or 'give', n, capacity, refill per ms, window ms (0: continuous),
 * expiry ms of a bucket that does not refill. Reply: now, 1 or 0 (taken or not), the
 * wait until it could be (-1: never by itself). A full bucket is the same as none (a
 * fresh window only starts later), so a bucket is kept only until it would be full.
 */
export const BUCKET = script(`${GUARD}
local n, capacity, rate, period = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local level = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(level[1]) or capacity
local at = tonumber(level[2]) or now
local elapsed = math.max(0, now - at)
if period > 0 then
  local periods = math.floor(elapsed / period)
  if periods > 0 then tokens, at = capacity, at + periods * period end
else
  tokens, at = math.min(capacity, tokens + elapsed * rate), now
end
local ok, wait = 1, 0
if ARGV[2] == 'give' then
  tokens = math.min(capacity, tokens + n)
elseif tokens >= n then
  tokens = tokens - n
else
  ok = 0
  if period > 0 then wait = math.max(1, math.ceil(at + period - now))
  elseif rate > 0 then wait = math.ceil((n - tokens) / rate)
  else wait = -1 end
end
local ttl = tonumber(ARGV[7])
if period > 0 then ttl = math.ceil(at + period - now)
elseif rate > 0 then ttl = math.ceil((capacity - tokens) / rate) end
if tokens >= capacity then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', at))
  redis.call('PEXPIRE', KEYS[1], math.max(1, ttl))
end
return {now, ok, wait}`);

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** Each script's SHA-1, as Redis computed it: a function of the source, the same on every server. */
const hashes = new WeakMap<Script, string>();

async function hashOf(client: RedisClient, s: Script): Promise<string> {
  const known = hashes.get(s);
  if (known) return known;
  const hash = await client.script('LOAD', s.source);
  if (typeof hash !== 'string') throw new TypeError(`Redis answered SCRIPT LOAD with ${String(hash)}, not a hash`);
  hashes.set(s, hash);
  return hash;
}

/** Runs a script by its hash, sending its source again only when Redis lost it (a restart, SCRIPT FLUSH). */
export async function runScript(client: RedisClient, s: Script, keys: string[], args: Array<string | number>): Promise<unknown[]> {
  const hash = await hashOf(client, s);
  let reply: unknown;
  try {
    reply = await client.evalsha(hash, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    reply = await client.eval(s.source, keys.length, ...keys, ...args);
  }
  if (!Array.isArray(reply)) throw new TypeError(`Redis answered a script with ${String(reply)}, not a list`);
  return reply;
}
