// The lock's Lua scripts, each one round trip and atomic inside redis-server, and the call that
// runs them by digest (EVALSHA), sending the source again only when Redis has forgotten it
// (NOSCRIPT, after a restart or SCRIPT FLUSH).

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

// The wait queue of a lock: K:queue, a sorted set of waiting tokens by the Redis time (ms) they
// joined, and K:waiters, a hash of token -> Redis time after which a waiter that stopped trying
// counts as gone. Expired heads are dropped lazily, so a crashed waiter blocks no one for long.
const DROP_GONE_HEADS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function live_head(queue, waiters, now)
  while true do
    local head = redis.call('ZRANGE', queue, 0, 0)[1]
    if not head then return nil end
    if tonumber(redis.call('HGET', waiters, head) or '0') > now then return head end
    redis.call('ZREM', queue, head)
    redis.call('HDEL', waiters, head)
  end
end
`;

/**
 * KEYS: lock, holds, fence, queue, waiters. ARGV: token, ttl ms, reenter ('1' or '0'), wait ms.
 * Fresh: when no live waiter is ahead, SET lock token NX PX ttl; holds = 1; fence = INCR ->
 * {1, fence}. Else -> {0, pttl}, and with wait ms > 0 the token joins (or stays in) the queue,
 * counted as gone if it does not try again within wait ms: first come, first served.
 * Reenter: only while lock == token: INCR holds, extend both keys to at least ttl -> {1, holds},
 * or {-1, 0} when the hold is gone (expired or taken): a nested acquire never re-takes silently.
 */
export const ACQUIRE = script('acquire', DROP_GONE_HEADS + `
if ARGV[3] == '1' then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0} end
  local holds = redis.call('INCR', KEYS[2])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
  end
  return {1, holds}
end
local now = now_ms()
local head = live_head(KEYS[4], KEYS[5], now)
if (head == nil or head == ARGV[1]) and redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if head then
    redis.call('ZREM', KEYS[4], head)
    redis.call('HDEL', KEYS[5], head)
  end
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[2])
  return {1, redis.call('INCR', KEYS[3])}
end
local wait = tonumber(ARGV[4])
if wait > 0 then
  redis.call('ZADD', KEYS[4], 'NX', now, ARGV[1])
  redis.call('HSET', KEYS[5], ARGV[1], now + wait)
  for _, k in ipairs({KEYS[4], KEYS[5]}) do
    if redis.call('PTTL', k) < wait then redis.call('PEXPIRE', k, wait) end
  end
end
return {0, redis.call('PTTL', KEYS[1])}
`);

/**
 * KEYS: lock, holds, queue, waiters. ARGV: token, wake-up channel prefix.
 * Only while lock == token: DECR holds; at zero DEL both and PUBLISH on the channel of the next
 * live waiter only (prefix + its token): one message per hand-off, however many wait.
 * -> holds left (0 = freed), or -1 when the lock is not this token's any more.
 */
export const RELEASE = script('release', DROP_GONE_HEADS + `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local holds = redis.call('DECR', KEYS[2])
if holds > 0 then return holds end
redis.call('DEL', KEYS[1], KEYS[2])
local head = live_head(KEYS[3], KEYS[4], now_ms())
if head then redis.call('PUBLISH', ARGV[2] .. head, 'released') end
return 0
`);

/**
 * KEYS: lock, queue, waiters. ARGV: token, wake-up channel prefix. A waiter gives up: it leaves
 * the queue and, when the lock is free, wakes the next live waiter (that may have waited behind it).
 */
export const LEAVE = script('leave', DROP_GONE_HEADS + `
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then
  local head = live_head(KEYS[2], KEYS[3], now_ms())
  if head then redis.call('PUBLISH', ARGV[2] .. head, 'released') end
end
return 1
`);

/** KEYS: lock, holds. ARGV: token, ttl ms. Only while lock == token: PEXPIRE both -> 1, else 0. */
export const EXTEND = script('extend', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
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
