// The shared resource of the lock labs: a counter in Redis that clients update by a
// non-atomic read-modify-write (read, work, write), so two holders at once lose an update.
// The resource counts those violations itself, and can refuse writes with an older fencing token.

import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis, type RedisConnection, type RedisEndpoint } from './redis-client.js';
import { runScript, script } from './scripts.js';

/** What the resource saw. */
export interface ResourceStats {
  value: number;
  /** Writes accepted. */
  writes: number;
  /** Accepted writes based on a stale read (another write landed in between): mutual exclusion broken. */
  violations: number;
  /** Writes refused because their fencing token was older than one already seen. */
  rejected: number;
}

const WRITE_SOURCE = `
if ARGV[3] ~= '' then
  local newest = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
  if tonumber(ARGV[3]) < newest then
    redis.call('HINCRBY', KEYS[1], 'rejected', 1)
    return 0
  end
  redis.call('HSET', KEYS[1], 'fence', ARGV[3])
end
if (redis.call('HGET', KEYS[1], 'value') or '0') ~= ARGV[1] then
  redis.call('HINCRBY', KEYS[1], 'violations', 1)
end
redis.call('HSET', KEYS[1], 'value', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'writes', 1)
return 1
`;

/**
 * KEYS: the resource's hash. ARGV: the value read, the value to write, the fencing token or ''.
 * Refuses a token older than the newest seen; counts a violation when the stored value is no
 * longer the one the writer read. The accounting is atomic; the client's update is not.
 */
const WRITE = script('resource-write', WRITE_SOURCE);

/** A counter updated by read-modify-write, counting lost updates and refusing stale fences. */
export class SharedResource {
  private readonly redis: RedisConnection;
  private readonly owned: boolean;

  /** On a connection of its own to `server`, or on a connection shared with others. */
  constructor(server: RedisEndpoint | RedisConnection, readonly key = 'resource') {
    this.owned = !('call' in server);
    this.redis = 'call' in server ? server : connectRedis(server, { name: 'tcplab-resource' });
  }

  /** The value now (the "read" of a read-modify-write). */
  async read(): Promise<number> {
    return Number((await this.redis.call('HGET', this.key, 'value')) ?? 0);
  }

  /** Writes `value` computed from `readValue`; with `fence`, refused when older than the newest seen. */
  async write(readValue: number, value: number, fence?: number): Promise<'written' | 'rejected'> {
    const r = await runScript(this.redis, WRITE, [this.key], [readValue, value, fence ?? '']);
    return Number(r) === 1 ? 'written' : 'rejected';
  }

  /** One critical section's work: read, wait `workMs`, write the value plus one. */
  async increment(options: { fence?: number; workMs?: number } = {}): Promise<'written' | 'rejected'> {
    const v = await this.read();
    if (options.workMs) await sleep(options.workMs);
    return this.write(v, v + 1, options.fence);
  }

  /** What the resource has seen so far. */
  async stats(): Promise<ResourceStats> {
    const h = (await this.redis.call('HGETALL', this.key)) as string[];
    const m = new Map<string, number>();
    for (let i = 0; i + 1 < h.length; i += 2) m.set(h[i]!, Number(h[i + 1]));
    return { value: m.get('value') ?? 0, writes: m.get('writes') ?? 0, violations: m.get('violations') ?? 0, rejected: m.get('rejected') ?? 0 };
  }

  /** Closes its connection (not a shared one). */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit();
  }
}
