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

/** KEYS: cooldown, breaker, rate. Reply: now, the cooldown's PTTL, the breaker value or nil, the pace's capacity, window and version or nil. */
export const LOAD = script(`
local rate = redis.call('HMGET', KEYS[3], 'capacity', 'periodMs', 'version')
return {now, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[2]), rate[1], rate[2], rate[3]}`);

/** KEYS: cooldown. ARGV: deadline, wait ms, channel, message. Extends the cooldown only; publishes when it did. */
export const COOLDOWN = script(`${GUARD}
local wait = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) >= wait then return {now, 0} end
redis.call('SET', KEYS[1], '1', 'PX', wait)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {now, 1}`);

/** KEYS: the state. ARGV: deadline, value ('' deletes), ttl ms, channel, message. */
export const STATE = script(`${GUARD}
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return {now, 1}`);

// The origin's pace, one record in Redis: 'capacity' and 'periodMs' are what every process
// releases at; 'lesson' is when the lesson that set it began, and each 's:<process>' field one
// process' share of it (what it saw that window admit). Shares of a lesson add up; a share of a
// refusal more than a window after the lesson's first starts a new one. A pace worked out from the
// one in force (grown, or cut) replaces the record whole, shares and all.
const SUM_SHARES = `
local function sum_shares(key)
  local fields = redis.call('HGETALL', key)
  local total = 0
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 2) == 's:' then total = total + tonumber(fields[i + 1]) end
  end
  return total
end
local function drop_shares(key)
  local fields = redis.call('HKEYS', key)
  for i = 1, #fields do
    if string.sub(fields[i], 1, 2) == 's:' then redis.call('HDEL', key, fields[i]) end
  end
end`;

/**
 * KEYS: the rate, the pace bucket, the live processes. ARGV: deadline, process, mode ('share', 'whole' or 'forget'),
 * capacity, window ms, where a window starts relative to the sender's now (ms, '' when the lesson
 * does not say), ttl ms, channel, the origin's key, when the refusal came whose lesson a share is
 * (relative to the sender's now, ms), the least a lesson with no pace in force before it must add
 * up to (fewer admitted are a lower bound, no measure: no pace yet). Shares of refusals less than
 * a window apart are one lesson's; the version of the pace a whole one was worked out from ('' when
 * none), so that one worked out from a pace written over since changes nothing. Publishes the pace now in force, as every
 * process is to release at, with its version (Redis' time in µs when written, so that a process
 * hearing of two writes out of order keeps the later). Reply: now, 1, capacity (0: none), window ms, version.
 */
export const PACE = script(`${GUARD}${SUM_SHARES}
local self, mode, capacity, period = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local new_lesson = false
local before = tonumber(redis.call('HGET', KEYS[1], 'periodMs') or '0')
local version = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
local stored = redis.call('HGET', KEYS[1], 'version')
local known = redis.call('HMGET', KEYS[1], 'capacity', 'periodMs')
if mode == 'whole' and stored and ARGV[12] ~= '' and tonumber(ARGV[12]) < tonumber(stored) and capacity >= (tonumber(known[1]) or 0) then
  -- A rise worked out from a pace written over since (a lesson, another process' growth, a drop):
  -- what is in force stands. A cut always applies: the 429 behind it is news, whatever came between.
  return {now, 1, tonumber(known[1]) or 0, tonumber(known[2]) or 0, stored}
end
redis.call('ZADD', KEYS[3], now, self)
redis.call('PEXPIRE', KEYS[3], ARGV[7])
if mode == 'forget' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  capacity, period = 0, 0
elseif mode == 'share' then
  local at = now + tonumber(ARGV[10])
  local lesson = tonumber(redis.call('HGET', KEYS[1], 'lesson') or '-1')
  if lesson >= 0 and at < lesson - period then
    -- A share of a lesson older than the one in force (answered late): it is no measure of this one.
    local known = redis.call('HMGET', KEYS[1], 'capacity', 'periodMs', 'version')
    return {now, 1, tonumber(known[1]) or 0, tonumber(known[2]) or 0, known[3] or '0'}
  end
  local fresh = tonumber(redis.call('HGET', KEYS[1], 'fresh') or '0')
  if lesson < 0 or at > lesson + period then
    new_lesson = true
    -- A lesson with no pace in force before it: a lower bound until its shares add up to a measure.
    local before = tonumber(redis.call('HGET', KEYS[1], 'capacity') or '0')
    local low = 0
    -- A lesson too small to be a measure, just before this one: if this one is as small, the limit is that low.
    if fresh == 1 and before <= 0 and lesson >= 0 and at - lesson <= 3 * period then low = sum_shares(KEYS[1]) end
    fresh = 0
    if before <= 0 or redis.call('HEXISTS', KEYS[1], 'dropped') == 1 then fresh = 1 end
    drop_shares(KEYS[1])
    redis.call('HSET', KEYS[1], 'lesson', at, 'periodMs', period, 'fresh', fresh, 'low', low)
  end
  redis.call('HSET', KEYS[1], 's:' .. self, capacity)
  capacity = sum_shares(KEYS[1])
  -- The shares of one lesson differ in window by a few ms: the longest holds them all.
  local known = tonumber(redis.call('HGET', KEYS[1], 'periodMs'))
  if known > period then period = known end
  if fresh == 1 and capacity < tonumber(ARGV[11]) then
    local low = tonumber(redis.call('HGET', KEYS[1], 'low') or '0')
    if low > 0 then capacity = math.max(capacity, low) else capacity = 0 end
  end
else
  -- A lesson still gathering its shares keeps them: a share still to come adds to them, not to this.
  local lesson = tonumber(redis.call('HGET', KEYS[1], 'lesson') or '-1')
  if lesson < 0 or now - lesson > period then
    drop_shares(KEYS[1])
    redis.call('HDEL', KEYS[1], 'lesson', 'fresh', 'low')
  end
end
if mode ~= 'forget' then
  redis.call('HDEL', KEYS[1], 'dropped')
  redis.call('HSET', KEYS[1], 'capacity', capacity, 'periodMs', period, 'v:' .. self, 1, 'version', version)
  if not redis.call('HGET', KEYS[1], 'used') then redis.call('HSET', KEYS[1], 'used', now) end
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
if capacity > 0 and ARGV[6] ~= '' then
  local at = now + tonumber(ARGV[6])
  redis.call('HSET', KEYS[2], 'tokens', capacity, 'at', string.format('%.17g', at))
  redis.call('PEXPIRE', KEYS[2], math.max(1, math.ceil(at + period - now), tonumber(ARGV[7])))
elseif period ~= before or new_lesson or capacity <= 0 then
  -- A new window length, a lesson that says nothing of where windows start, or no pace: the
  -- windows start afresh at the first release. The grid of the pace before may have drifted from
  -- the server's, and a batch on it could land in the window the cooldown just waited out.
  redis.call('DEL', KEYS[2])
end
local pace = cjson.null
if capacity > 0 then pace = {capacity = capacity, periodMs = period} end
redis.call('PUBLISH', ARGV[8], cjson.encode({from = self, kind = 'pace', key = ARGV[9], pace = pace, version = version}))
return {now, 1, capacity, period, version}`);

// The token bucket of bucket.ts, atomically, continuous or in fixed windows (`at` then marks the
// window's start, and windows keep their phase). A full continuous bucket is the same as none, so
// it is kept only until it would be full. A window bucket is kept as long as the pace it serves
// (`idle_ttl`): dropped at its window's end, the next window would start at the next take, a
// round trip and a timer late, and the lateness would add up window after window. Returns 1 or 0 (taken or
// not), the wait until it could be (-1: never by itself), how many were taken (up to `ask`, when
// more than `n` are there), when a window bucket's window ends (ms from now; 0: continuous), and
// the whole tokens left.
const BUCKET_FN = `
local function bucket(key, mode, n, capacity, rate, period, idle_ttl, ask)
  local level = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(level[1]) or capacity
  local at = tonumber(level[2]) or now
  -- Windows that start later (a pace put back where the last known window ends): none to take yet.
  if period > 0 and at > now and mode ~= 'give' then return 0, math.ceil(at - now), 0, math.ceil(at + period - now), 0 end
  local elapsed = math.max(0, now - at)
  if period > 0 then
    local periods = math.floor(elapsed / period)
    if periods > 0 then tokens, at = capacity, at + periods * period end
    if tokens > capacity then tokens = capacity end
  else
    tokens, at = math.min(capacity, tokens + elapsed * rate), now
  end
  local ok, wait, taken = 1, 0, 0
  if mode == 'give' then
    tokens = math.min(capacity, tokens + n)
  elseif tokens >= n then
    taken = math.max(n, math.min(ask or n, math.floor(tokens)))
    tokens = tokens - taken
  else
    ok = 0
    if period > 0 then wait = math.max(1, math.ceil(at + period - now))
    elseif rate > 0 then wait = math.ceil((n - tokens) / rate)
    else wait = -1 end
  end
  local ttl = idle_ttl
  -- A window bucket is kept while the key is in use, so that its windows keep their phase.
  if period > 0 then ttl = math.max(math.ceil(at + period - now), idle_ttl)
  elseif rate > 0 then ttl = math.ceil((capacity - tokens) / rate) end
  if tokens >= capacity and at <= now and period <= 0 then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', at))
    redis.call('PEXPIRE', key, math.max(1, ttl))
  end
  local ends = 0
  if period > 0 then ends = math.ceil(at + period - now) end
  return ok, wait, taken, ends, math.floor(tokens)
end`;

/**
 * A bucket of the caller's size (the retry budget). KEYS: the bucket. ARGV: deadline, 'take' or
 * 'give', n, capacity, refill per ms, window ms (0: continuous), expiry ms of a bucket that does
 * not refill. Reply: now, 1 or 0 (taken or not), the wait until it could be (-1: never by itself).
 */
export const BUCKET = script(`${GUARD}${BUCKET_FN}
local ok, wait = bucket(KEYS[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[3]))
return {now, ok, wait}`);

/**
 * A token of the origin's pace, of the size Redis holds (never the caller's idea of it). KEYS: the
 * rate, the pace bucket, the live processes. ARGV: deadline, process, n, how long a process counts
 * as live after its last take or write (ms), ttl ms of the rate, how many it asks for at most (a
 * lease of tokens of this window, for the requests it holds). The processes that wrote the pace
 * vouch for it; one not seen for the live span before the last take no longer does, and a pace no
 * live process vouches for is dropped (its lesson may be a limit long gone: the lanes ramp and
 * learn again). Reply: now, 1 or 0 (taken or not), 2 (the pace was dropped), 3 (Redis holds
 * none: flushed, restarted) or 4 (a lesson under way is no measure yet), the wait, the processes live, the pace's capacity, window and version,
 * how many tokens were taken, when their window ends (ms from now), and how many are left in it.
 */
export const TAKE_PACE = script(`${GUARD}${BUCKET_FN}
local self, n, live_ms, ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
redis.call('ZADD', KEYS[3], now, self)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
local live = redis.call('ZCOUNT', KEYS[3], now - live_ms, '+inf')
local fields = redis.call('HGETALL', KEYS[1])
local vouched = false
for i = 1, #fields, 2 do
  local f = fields[i]
  if string.sub(f, 1, 2) == 'v:' then
    local seen = tonumber(redis.call('ZSCORE', KEYS[3], string.sub(f, 3)) or '-1')
    if seen >= used - live_ms then vouched = true else redis.call('HDEL', KEYS[1], f) end
  end
end
if #fields == 0 then return {now, 3, 0, live, 0, 0} end
local capacity = tonumber(redis.call('HGET', KEYS[1], 'capacity') or '0')
local period = tonumber(redis.call('HGET', KEYS[1], 'periodMs') or '0')
if not vouched then
  -- Dropped, not lost: a process that still holds a copy must not write it back.
  local version = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], 'dropped', 1, 'version', version)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {now, 2, 0, live, 0, 0, version}
end
-- A lesson under way that is no measure yet: no pace.
if capacity <= 0 or period <= 0 then return {now, 4, 0, live, 0, 0, redis.call('HGET', KEYS[1], 'version') or '0'} end
redis.call('HSET', KEYS[1], 'used', now)
redis.call('PEXPIRE', KEYS[1], ttl)
local ok, wait, taken, ends, left = bucket(KEYS[2], 'take', n, capacity, 0, period, ttl, tonumber(ARGV[6]))
return {now, ok, wait, live, capacity, period, redis.call('HGET', KEYS[1], 'version') or '0', taken, ends, left}`);

/**
 * A process' heartbeat at one origin it uses: it counts as live there, and vouches for the pace it
 * wrote, while it runs, busy or idle. KEYS: the live processes, the rate, the pace bucket. ARGV:
 * deadline, process, how long a process counts as live (ms), ttl ms. Reply: now, the processes
 * live, and of the pace's window under way the tokens left and when it ends (ms from now; 0: no
 * window under way).
 */
export const LIVE = script(`${GUARD}
local live_ms, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
local live = redis.call('ZCOUNT', KEYS[1], now - live_ms, '+inf')
local rate = redis.call('HMGET', KEYS[2], 'capacity', 'periodMs')
local capacity, period = tonumber(rate[1]) or 0, tonumber(rate[2]) or 0
local level = redis.call('HMGET', KEYS[3], 'tokens', 'at')
local tokens, at = tonumber(level[1]), tonumber(level[2])
if capacity <= 0 or period <= 0 or not tokens or not at or at > now then return {now, live, capacity, 0} end
if now >= at + period then return {now, live, capacity, 0} end
return {now, live, math.floor(tokens), math.ceil(at + period - now)}`);

/** KEYS: the probe lease. ARGV: deadline, process, ms. Reply: now, 1 when this process has the lease, else 0. */
export const PROBE = script(`${GUARD}
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return {now, 1} end
return {now, 0}`);

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
