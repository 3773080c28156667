// Redlock against five real redis-servers on loopback: a majority is enough, a silent instance
// (SIGSTOP) costs its timeout and its vote, three silent ones make the acquire fail at its
// deadline, a failed attempt leaves no key behind, and the release is owner-checked.

import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, isLockError, Redlock, startRedis, type RedisConnection, type StartedRedis } from '../../src/lock/index.js';
import { redisAvailable, starter } from './redis.js';

describe('Redlock options', () => {
  it('refuses no endpoints and bad options before connecting', () => {
    expect(() => new Redlock([])).toThrow('Expected at least one redis-server endpoint, got []');
    expect(() => new Redlock([{ host: '127.0.0.1', port: 1 }], { instanceTimeoutMs: 0 })).toThrow('Expected the `instanceTimeoutMs` option to be a positive integer, got `0` (number)');
    expect(() => new Redlock([{ host: '127.0.0.1', port: 1 }], { driftFactor: 1 })).toThrow('Expected the `driftFactor` option to be a number from 0 to below 1, got `1` (number)');
  });
});

describe('Redlock on five real redis-servers', () => {
  if (!redisAvailable()) return;
  let servers: StartedRedis[] = [];
  let admins: RedisConnection[] = [];
  let locks: Redlock;
  let other: Redlock;
  let n = 0;
  const key = () => `redlock-${++n}`;
  /** SIGSTOPs the first `count` servers for the duration of `body`. */
  const silenced = async <T>(count: number, body: () => Promise<T>): Promise<T> => {
    for (const s of servers.slice(0, count)) process.kill(s.pid, 'SIGSTOP');
    try {
      return await body();
    } finally {
      for (const s of servers.slice(0, count)) process.kill(s.pid, 'SIGCONT');
    }
  };
  beforeAll(async () => {
    servers = await Promise.all(Array.from({ length: 5 }, () => startRedis(starter)));
    admins = servers.map((s) => connectRedis(s));
    locks = new Redlock(servers, { instanceTimeoutMs: 50 });
    other = new Redlock(servers, { instanceTimeoutMs: 50 });
    await Promise.all([locks.ready(), other.ready()]);
  });
  afterAll(async () => {
    await Promise.all([locks?.close(), other?.close(), ...admins.map((a) => a.quit())]);
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('acquires on all five, excludes another client until the release, and releases everywhere', async () => {
    expect(locks.quorum).toBe(3);
    const k = key();
    const lease = await locks.acquire(k, { ttlMs: 5000 });
    expect(lease.votes).toBe(5);
    expect(lease.validityMs).toBeGreaterThan(4500);
    expect(lease.validUntil).toBeGreaterThan(performance.now());
    const values = await Promise.all(admins.map((a) => a.call('GET', k)));
    expect(values).toEqual(Array(5).fill(lease.token));
    const refused = await other.acquire(k, { deadlineMs: 200, retryMs: 50 }).then(() => 'acquired', (err: unknown) => (isLockError(err) ? err.code : String(err)));
    expect(refused).toBe('deadline');
    expect(await lease.release()).toBe(5);
    expect(await lease.release()).toBe(0); // owner-checked: nothing of this token is left
    const next = await other.acquire(k, { deadlineMs: 200 });
    expect(next.votes).toBe(5);
    expect(await next.release()).toBe(5);
  });

  it('with one instance silent: acquires with 4 votes after waiting its instance timeout', async () => {
    const k = key();
    const lease = await silenced(1, async () => {
      const t0 = performance.now();
      const l = await locks.acquire(k, { ttlMs: 5000, deadlineMs: 2000 });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
      await l.release();
      return l;
    });
    expect(lease.votes).toBe(4);
  });

  it('with three instances silent: fails by its deadline and leaves no key on the two that answered', async () => {
    const k = key();
    const t0 = performance.now();
    const err = await silenced(3, () => locks.acquire(k, { ttlMs: 5000, deadlineMs: 300, retryMs: 50 }).then(() => undefined, (e: unknown) => e));
    const waited = performance.now() - t0;
    expect(isLockError(err, 'deadline')).toBe(true);
    expect((err as Error).message).toMatch(/the last one set on 2 of 5 instances \(quorum 3\)$/);
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(5000); // gave up at its deadline, not at the TTL of a hold
    expect(await Promise.all(admins.slice(3).map((a) => a.call('EXISTS', k)))).toEqual([0, 0]);
  });

  it('refuses a renew option: a Redlock hold is not renewed', async () => {
    await expect(locks.acquire(key(), { renew: { maxHoldMs: 1000 } } as never)).rejects.toThrow('Expected no `renew` option');
  });
});
