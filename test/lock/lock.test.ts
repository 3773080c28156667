// The lock against a real redis-server: one round trip when free, owner-only release, deadline,
// wake-up on release, abort, reentrancy counted in Redis, fencing, renewal and reported loss.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLockError, LockClient, type LockError } from '../../src/lock/index.js';
import { redisAvailable, useRedis } from './redis.js';

async function commandCalls(locks: LockClient, command: string): Promise<number> {
  const info = String(await locks.redis.call('INFO', 'commandstats'));
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

async function rejection(p: Promise<unknown>): Promise<LockError> {
  try {
    await p;
  } catch (err) {
    if (isLockError(err)) return err;
    throw err;
  }
  throw new Error('expected a LockError, the promise resolved');
}

describe('LockClient on a real redis-server', () => {
  if (!redisAvailable()) return;
  const redis = useRedis();
  let a: LockClient;
  let b: LockClient;
  let n = 0;
  const key = () => `test-lock-${++n}`;
  beforeAll(async () => {
    a = new LockClient(redis());
    b = new LockClient(redis());
    await Promise.all([a.redis.ready(), b.redis.ready()]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('acquires a free lock in one round trip: one EVALSHA storing a random token with a TTL', async () => {
    const k = key();
    await a.acquire(key()).then((l) => l.release()); // caches the scripts
    const before = await commandCalls(a, 'evalsha');
    const lease = await a.acquire(k, { ttlMs: 5000 });
    expect(await commandCalls(a, 'evalsha')).toBe(before + 1);
    expect(lease.token).toMatch(/^[0-9a-f]{32}$/);
    expect(await a.redis.call('GET', k)).toBe(lease.token);
    const pttl = Number(await a.redis.call('PTTL', k));
    expect(pttl).toBeGreaterThan(4000);
    expect(pttl).toBeLessThanOrEqual(5000);
    await lease.release();
    expect(await a.redis.call('EXISTS', k)).toBe(0);
  });

  it('gives a fresh random token and a strictly greater fencing token to every hold', async () => {
    const k = key();
    const seen: { token: string; fence: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const lease = await (i % 2 ? a : b).acquire(k);
      seen.push({ token: lease.token, fence: lease.fence });
      await lease.release();
    }
    expect(new Set(seen.map((s) => s.token)).size).toBe(5);
    expect(seen.map((s) => s.fence)).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives up at the deadline while another owner holds the lock', async () => {
    const k = key();
    const held = await a.acquire(k);
    const t0 = performance.now();
    const err = await rejection(b.acquire(k, { deadlineMs: 200, retryMs: 50 }));
    const waited = performance.now() - t0;
    expect(err.code).toBe('deadline');
    expect(waited).toBeGreaterThanOrEqual(195);
    expect(waited).toBeLessThan(1500);
    await held.release();
  });

  it('wakes a waiter on release instead of polling', async () => {
    const k = key();
    const held = await a.acquire(k);
    const before = await commandCalls(b, 'evalsha');
    const t0 = performance.now();
    const waiting = b.acquire(k, { deadlineMs: 5000, retryMs: 4000 });
    await sleep(150);
    await held.release();
    const got = await waiting;
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(1500); // a poll every 2-6 s would have taken seconds
    // attempts: the first, one right after subscribing, one on the release (+ a's release)
    expect(await commandCalls(b, 'evalsha')).toBeLessThanOrEqual(before + 4);
    await got.release();
  });

  it('serves waiters first come, first served, and a newcomer queues behind them', async () => {
    const k = key();
    const held = await a.acquire(k);
    const order: string[] = [];
    const wait = (client: LockClient, name: string) => client.acquire(k, { deadlineMs: 5000, retryMs: 2000 }).then(async (l) => {
      order.push(name);
      await sleep(10);
      await l.release();
    });
    const first = wait(b, 'first');
    await sleep(30);
    const second = wait(a, 'second');
    await sleep(30);
    await held.release();
    await sleep(2); // the first in line is being woken; a newcomer must not overtake it
    const third = wait(b, 'newcomer');
    await Promise.all([first, second, third]);
    expect(order).toEqual(['first', 'second', 'newcomer']);
  });

  it('lets a waiter that gives up leave the queue at once, so the next one is not blocked', async () => {
    const k = key();
    const held = await a.acquire(k);
    const quitter = rejection(b.acquire(k, { deadlineMs: 100 }));
    await sleep(20);
    const patient = b.acquire(k, { deadlineMs: 5000, retryMs: 4000 });
    expect((await quitter).code).toBe('deadline');
    await held.release();
    const t0 = performance.now();
    await (await patient).release();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await a.redis.call('ZCARD', `${k}:queue`)).toBe(0);
  });

  it('drops a waiter that stopped trying (crashed) from the head of the queue', async () => {
    const k = key();
    const held = await a.acquire(k);
    // A waiter that joined and then died: in the queue, counted as gone 100 ms later.
    const time = (await a.redis.call('TIME')) as [string, string];
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    await a.redis.call('ZADD', `${k}:queue`, now - 1, 'dead-waiter');
    await a.redis.call('HSET', `${k}:waiters`, 'dead-waiter', now + 100);
    const live = b.acquire(k, { deadlineMs: 5000, retryMs: 100 });
    await sleep(20);
    await held.release();
    const t0 = performance.now();
    await (await live).release();
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('retries when the TTL of a holder that never releases runs out, not later', async () => {
    const k = key();
    await a.acquire(k, { ttlMs: 200 }); // never released: a crashed holder publishes nothing
    const t0 = performance.now();
    const got = await b.acquire(k, { deadlineMs: 5000, retryMs: 4000 });
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(180);
    expect(waited).toBeLessThan(1500);
    await got.release();
  });

  it('stops waiting when the AbortSignal fires', async () => {
    const k = key();
    const held = await a.acquire(k);
    const t0 = performance.now();
    const err = await rejection(b.acquire(k, { deadlineMs: 5000, signal: AbortSignal.timeout(100) }));
    expect(err.code).toBe('aborted');
    expect(performance.now() - t0).toBeLessThan(1500);
    await held.release();
  });

  it('releases only its own hold: an expired holder cannot free the next owner\'s lock', async () => {
    const k = key();
    const first = await a.acquire(k, { ttlMs: 100 });
    await sleep(150);
    const second = await b.acquire(k, { deadlineMs: 0 });
    const err = await rejection(first.release());
    expect(err.code === 'lost' || err.code === 'expired').toBe(true);
    expect(await b.redis.call('GET', k)).toBe(second.token);
    await second.release();
  });

  it('is reentrant per owner, counted in Redis, freed at zero, and refuses an unbalanced release', async () => {
    const k = key();
    const owner = a.owner('task');
    const outer = await owner.acquire(k);
    const inner = await owner.acquire(k);
    expect(inner.token).toBe(outer.token);
    expect(inner.fence).toBe(outer.fence);
    expect([outer.depth, inner.depth]).toEqual([1, 2]);
    expect(await a.redis.call('GET', `${k}:holds`)).toBe('2');
    expect((await rejection(a.owner('other').acquire(k, { deadlineMs: 0 }))).code).toBe('deadline');
    await inner.release();
    expect(await a.redis.call('GET', k)).toBe(outer.token);
    await outer.release();
    expect(await a.redis.call('EXISTS', k)).toBe(0);
    expect((await rejection(inner.release())).code).toBe('unbalanced');
  });

  it('refuses a nested acquisition when the outer hold was lost, rather than re-taking silently', async () => {
    const k = key();
    const owner = a.owner();
    const outer = await owner.acquire(k, { ttlMs: 100 });
    await sleep(150);
    const err = await rejection(owner.acquire(k));
    expect(['lost', 'expired']).toContain(err.code);
    expect(outer.signal.aborted).toBe(true);
    await outer.release().catch(() => {});
  });

  it('reports a lease whose TTL ran out: aborted signal and resolved `lost`', async () => {
    const lease = await a.acquire(key(), { ttlMs: 100 });
    const lost = await lease.lost;
    expect(lost.code).toBe('expired');
    expect(lease.signal.aborted).toBe(true);
    expect(() => lease.throwIfLost()).toThrow(/ran out/);
  });

  it('renews with a watchdog up to the maximum hold time, then reports the expiry', async () => {
    const k = key();
    // Margins wide enough for a loaded 2-core machine: renewals every 150 ms of a 1 s TTL.
    const lease = await a.acquire(k, { ttlMs: 1000, renew: { everyMs: 150, maxHoldMs: 2500 } });
    await sleep(1500); // past the TTL: only the renewals keep it
    expect(lease.signal.aborted).toBe(false);
    expect(await a.redis.call('GET', k)).toBe(lease.token);
    const lost = await lease.lost;
    expect(lost.code).toBe('expired');
    expect(lost.message).toMatch(/maximum of 2500 ms/);
    // The local clock ends the hold a little before Redis does (it counts from the request's sending).
    const deadline = Date.now() + 2000;
    while (Number(await a.redis.call('EXISTS', k)) !== 0 && Date.now() < deadline) await sleep(20);
    expect(await a.redis.call('EXISTS', k)).toBe(0);
  });

  it('reports at the next renewal that the hold was taken away', async () => {
    const k = key();
    const lease = await a.acquire(k, { ttlMs: 1000, renew: { everyMs: 50, maxHoldMs: 10_000 } });
    await b.redis.call('SET', k, 'someone-else');
    const lost = await lease.lost;
    expect(lost.code).toBe('lost');
    expect((await rejection(lease.release())).code).toBe('lost');
    await b.redis.call('DEL', k);
  });

  it('works after Redis forgot its scripts (NOSCRIPT: the source is sent again)', async () => {
    const k = key();
    await a.redis.call('SCRIPT', 'FLUSH');
    const lease = await a.acquire(k);
    await a.redis.call('SCRIPT', 'FLUSH');
    await lease.release();
    expect(await a.redis.call('EXISTS', k)).toBe(0);
  });

  it('checks its options up front', async () => {
    await expect(a.acquire(key(), { ttlMs: -1 })).rejects.toThrow('Expected the `ttlMs` option to be a positive integer, got `-1` (number)');
    await expect(a.acquire(key(), { deadlineMs: 1.5 })).rejects.toThrow('Expected the `deadlineMs` option to be a non-negative integer, got `1.5` (number)');
    await expect(a.acquire(key(), { ttlMs: 100, renew: { everyMs: 100, maxHoldMs: 1000 } })).rejects.toThrow(/`renew.everyMs` option to be less than `ttlMs`/);
    await expect(a.acquire('')).rejects.toThrow(/non-empty string/);
  });
});
