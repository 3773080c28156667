// The lock's Lua scripts, each one round trip and atomic inside redis-server, and the call that
// runs them by digest (EVALSHA), sending the source again only when Redis has forgotten it
// (NOSCRIPT, after a restart or SCRIPT FLUSH). The free path of each touches as few keys as it can.

import { createHash } from 'node:crypto';
import type { RedisConnection } from './redis-client.js';

/** A Lua script with its SHA1 digest, as SCRIPT LOAD would compute it. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

/** A script from its source, with its digest computed here. */
export function script(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/** The channel of one lock client's wake-ups: this prefix and the first 16 characters of its tokens. */
export const WAKE_CHANNEL_PREFIX = 'tcplab-lock:wake:';

/** How many leading characters of a token name its client (and so the channel it listens on). */
export const CLIENT_ID_LENGTH = 16;

/** A lock handed to a waiter lives at least this long (ms) before the waiter confirms it, at most its TTL. */
export const CLAIM_MS = 1000;

// The wait queue of a lock: K:queue, a sorted set of waiting tokens in the order they joined (by
// Redis time in µs, kept above the tail's should the clock not have moved on), and K:waiters, a
// hash of token -> "GONE_AT:CLAIM": the Redis time (ms) after which a waiter that stopped trying
// counts as gone, and how long a lock handed to it lives unconfirmed. Gone heads are dropped
// lazily. A free lock with someone waiting is handed over in the same script
// that frees it: SET to the head's token with PX CLAIM, a new fence, and one PUBLISH on the
// head's client channel ("TOKEN FENCE CLAIM SECONDS MICROSECONDS", with Redis's time of the
// hand-over). The waiter holds it from then on and confirms it (EXTEND to its TTL) in the
// background. CLAIM is the waiter's gone window, at least CLAIM_MS, at most its TTL: a waiter that
// crashed while queued blocks the lock for that long, not for its TTL.
// KEYS, in every script below: lock, holds, fence, queue, waiters.
const QUEUE = `
local function live_head(now_ms)
  while true do
    local head = redis.call('ZRANGE', KEYS[4], 0, 0)[1]
    if not head then return nil end
    local entry = redis.call('HGET', KEYS[5], head)
    if entry then
      local gone_at, claim = string.match(entry, '^(%d+):(%d+)$')
      if gone_at and tonumber(gone_at) > now_ms then return head, claim end
    end
    redis.call('ZREM', KEYS[4], head)
    redis.call('HDEL', KEYS[5], head)
  end
end
local function ms(t)
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function hand_over()
  if redis.call('EXISTS', KEYS[4]) == 0 then return end
  local t = redis.call('TIME')
  local head, claim = live_head(ms(t))
  if not head then return end
  redis.call('SET', KEYS[1], head, 'PX', claim)
  redis.call('ZREM', KEYS[4], head)
  redis.call('HDEL', KEYS[5], head)
  local fence = redis.call('INCR', KEYS[3])
  redis.call('PUBLISH', '${WAKE_CHANNEL_PREFIX}' .. string.sub(head, 1, ${CLIENT_ID_LENGTH}),
    head .. ' ' .. string.format('%d', fence) .. ' ' .. claim .. ' ' .. t[1] .. ' ' .. t[2])
end
`;

/**
 * ARGV: token, ttl ms, mode ('first', 'retry' or 'reenter'), wait ms.
 * first/retry: when no live waiter is ahead, SET lock token NX PX ttl; fence = INCR -> {1, fence}
 * (the free path: EXISTS queue, SET, INCR). On retry, a lock already handed to this token while
 * it was not listening is confirmed: PEXPIRE ttl -> {1, fence}. Else -> {0, pttl}, and with
 * wait ms > 0 the token joins (or stays in) the queue, counted as gone if it does not try again
 * within wait ms -> {0, pttl, seconds, microseconds} (Redis's TIME): first come, first served.
 * reenter: only while lock == token: holds (absent = 1) + 1, the lock extended to at least ttl,
 * holds expiring at the same instant as the lock -> {1, holds}, or {-1, 0} when the hold is
 * gone (expired or taken): a nested acquire never re-takes silently.
 */
export const ACQUIRE = script('acquire', QUEUE + `
local token, ttl, mode = ARGV[1], ARGV[2], ARGV[3]
if mode == 'reenter' then
  if redis.call('GET', KEYS[1]) ~= token then return {-1, 0} end
  if redis.call('PTTL', KEYS[1]) < tonumber(ttl) then redis.call('PEXPIRE', KEYS[1], ttl) end
  local holds = redis.call('INCRBY', KEYS[2], redis.call('EXISTS', KEYS[2]) == 1 and 1 or 2)
  local at = redis.call('PEXPIRETIME', KEYS[1])
  if at > 0 then redis.call('PEXPIREAT', KEYS[2], at) end
  return {1, holds}
end
if mode == 'retry' and redis.call('GET', KEYS[1]) == token then
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, tonumber(redis.call('GET', KEYS[3]))}
end
local t, head
if redis.call('EXISTS', KEYS[4]) == 1 then
  t = redis.call('TIME')
  head = live_head(ms(t))
end
if (head == nil or head == token) and redis.call('SET', KEYS[1], token, 'NX', 'PX', ttl) then
  if head then
    redis.call('ZREM', KEYS[4], head)
    redis.call('HDEL', KEYS[5], head)
  end
  return {1, redis.call('INCR', KEYS[3])}
end
local wait = tonumber(ARGV[4])
if wait <= 0 then return {0, redis.call('PTTL', KEYS[1])} end
t = t or redis.call('TIME')
local now = ms(t)
if not redis.call('ZSCORE', KEYS[4], token) then
  local joined = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local tail = redis.call('ZRANGE', KEYS[4], -1, -1, 'WITHSCORES')[2]
  if tail and tonumber(tail) >= joined then joined = tonumber(tail) + 1 end
  redis.call('ZADD', KEYS[4], string.format('%d', joined), token)
end
redis.call('HSET', KEYS[5], token, string.format('%d:%d', now + wait, math.min(tonumber(ttl), math.max(wait, ${CLAIM_MS}))))
for _, k in ipairs({KEYS[4], KEYS[5]}) do
  if redis.call('PTTL', k) < wait then redis.call('PEXPIRE', k, wait) end
end
return {0, redis.call('PTTL', KEYS[1]), t[1], t[2]}
`);

/**
 * ARGV: token. Only while lock == token: holds - 1 when nested; at the last, DEL lock and holds
 * and hand the lock to the first live waiter, if any (nothing is published when no one waits).
 * -> holds left (0 = freed), or -1 when the lock is not this token's any more.
 */
export const RELEASE = script('release', QUEUE + `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local holds = tonumber(redis.call('GET', KEYS[2]) or '1')
if holds > 1 then return redis.call('DECR', KEYS[2]) end
redis.call('DEL', KEYS[1], KEYS[2])
hand_over()
return 0
`);

/**
 * ARGV: token. A waiter gives up: it leaves the queue; a lock handed to it meanwhile is freed;
 * a free lock goes to the next live waiter (that may have waited behind it). -> 1
 */
export const LEAVE = script('leave', QUEUE + `
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  owner = false
end
if not owner then hand_over() end
return 1
`);

/**
 * KEYS: lock, holds. ARGV: token, ttl ms. Only while lock == token: PEXPIRE both (same instant)
 * -> 1, else 0. Renews a hold, and confirms one handed over.
 */
export const EXTEND = script('extend', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIREAT', KEYS[2], redis.call('PEXPIRETIME', KEYS[1])) end
return 1
`);

/** Runs `lua` by digest; on NOSCRIPT sends its source with EVAL (which also caches it). */
export async function runScript(redis: RedisConnection, lua: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.call('EVALSHA', lua.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.call('EVAL', lua.source, keys.length, ...keys, ...args);
  }
}
