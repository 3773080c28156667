// The lock against a real redis-server: one round trip when free, owner-only release, deadline,
// the lock handed to the next waiter on release, abort, reentrancy counted in Redis, fencing,
// renewal and reported loss. Tests wait for conditions they can see in Redis (a waiter in the
// queue, a key gone), each with a deadline, rather than sleeping; how fast is for the benchmark.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLockError, LockClient, lockKeys, type LockError } from '../../src/lock/index.js';
import { ACQUIRE, LEAVE, runScript } from '../../src/lock/scripts.js';
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

/** Polls `probe` until it holds; fails saying what it waited for after `ms` (a condition, not a sleep). */
async function until(what: string, probe: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(5);
  }
}

/** The script keys of lock `k`, in the order the scripts take them. */
function keysOf(k: string): string[] {
  const { lock, holds, fence, queue, waiters } = lockKeys(k);
  return [lock, holds, fence, queue, waiters];
}

describe('LockClient on a real redis-server', () => {
  if (!redisAvailable()) return;
  const redis = useRedis();
  let a: LockClient;
  let b: LockClient;
  let n = 0;
  const key = () => `test-lock-${++n}`;
  const queued = (k: string, count: number) => until(`${count} waiter(s) in ${k}:queue`, async () => Number(await a.redis.call('ZCARD', `${k}:queue`)) === count);
  const gone = (k: string) => until(`${k} to expire`, async () => Number(await a.redis.call('EXISTS', k)) === 0);
  beforeAll(async () => {
    a = new LockClient(redis());
    b = new LockClient(redis());
    await Promise.all([a.ready(), b.ready()]);
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

  it('releases in one round trip and publishes nothing when no one waits', async () => {
    const lease = await a.acquire(key());
    const [evals, publishes] = [await commandCalls(a, 'evalsha'), await commandCalls(a, 'publish')];
    await lease.release();
    expect(await commandCalls(a, 'evalsha')).toBe(evals + 1);
    expect(await commandCalls(a, 'publish')).toBe(publishes);
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

  it('gives up at the deadline, not before, while another owner holds the lock', async () => {
    const k = key();
    const held = await a.acquire(k);
    const t0 = performance.now();
    const err = await rejection(b.acquire(k, { deadlineMs: 200, retryMs: 50 }));
    expect(err.code).toBe('deadline');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    expect(await a.redis.call('ZCARD', `${k}:queue`)).toBe(0); // it left the queue
    await held.release();
  });

  // A waiter whose retry, deadline and holder's TTL all lie past the test's timeout gets the lock
  // in time only by being handed it: if that breaks, the test fails by timing out.
  const LONG = { deadlineMs: 120_000, retryMs: 120_000 };

  it('hands the lock to the waiter in the release itself, and the waiter needs no other attempt', async () => {
    const k = key();
    const held = await a.acquire(k, { ttlMs: 120_000 });
    const waiting = b.acquire(k, LONG);
    await queued(k, 1);
    const [evals, publishes] = [await commandCalls(b, 'evalsha'), await commandCalls(b, 'publish')];
    await held.release();
    const next = String(await a.redis.call('GET', k));
    expect(next).not.toBe(held.token);
    const got = await waiting;
    expect(got.token).toBe(next);
    expect(got.fence).toBe(held.fence + 1);
    expect(await commandCalls(b, 'publish')).toBe(publishes + 1);
    expect(await commandCalls(b, 'evalsha')).toBe(evals + 1); // the release only: no attempt, nothing to confirm
    await got.release();
  });

  it('confirms a lock handed over with a short claim to the TTL its waiter asked for', async () => {
    const k = key();
    const held = await a.acquire(k);
    // Gone window 2.1 s, so the lock is handed over for 2.1 s and then confirmed to 30 s.
    const waiting = b.acquire(k, { ttlMs: 30_000, deadlineMs: 2000 });
    await queued(k, 1);
    await held.release();
    const got = await waiting;
    await until('the hand-over to be confirmed to its TTL', async () => Number(await a.redis.call('PTTL', k)) > 2100);
    expect(got.signal.aborted).toBe(false);
    expect(got.expiresAt - performance.now()).toBeGreaterThan(2100);
    await got.release();
  });

  it('serves waiters first come, first served, and a newcomer queues behind them', async () => {
    const k = key();
    const held = await a.acquire(k);
    const order: string[] = [];
    const wait = (client: LockClient, name: string) => client.acquire(k, { deadlineMs: 10_000, retryMs: 2000 }).then(async (l) => {
      order.push(name);
      await l.release();
    });
    const first = wait(b, 'first');
    await queued(k, 1);
    const second = wait(a, 'second');
    await queued(k, 2);
    await held.release(); // hands the lock to the first in line: no newcomer can overtake it
    const third = wait(b, 'newcomer');
    await Promise.all([first, second, third]);
    expect(order).toEqual(['first', 'second', 'newcomer']);
  });

  it('lets no newcomer overtake a live waiter when the lock came free by its TTL', async () => {
    const k = key();
    await a.acquire(k, { ttlMs: 100 }); // never released
    const waiter = '3333333333333333cccccccccccccccc'; // live for 5 s, but slow to try again
    await runScript(a.redis, ACQUIRE, keysOf(k), [waiter, 30_000, 'first', 5000]);
    await gone(k);
    const err = await rejection(b.acquire(k, { deadlineMs: 0 }));
    expect(err.detail).toMatch(/others were ahead in the queue/);
    const [ok] = (await runScript(a.redis, ACQUIRE, keysOf(k), [waiter, 30_000, 'retry', 5000])) as [number];
    expect(ok).toBe(1);
    await a.redis.call('DEL', k);
  });

  it('lets a waiter that gives up leave the queue at once, so the next one is not blocked', async () => {
    const k = key();
    const held = await a.acquire(k);
    const quitter = rejection(b.acquire(k, { deadlineMs: 300 }));
    await queued(k, 1);
    const patient = b.acquire(k, LONG);
    await queued(k, 2);
    expect((await quitter).code).toBe('deadline');
    expect(await a.redis.call('ZCARD', `${k}:queue`)).toBe(1);
    await held.release();
    const got = await patient;
    expect(await a.redis.call('GET', k)).toBe(got.token);
    await got.release();
    expect(await a.redis.call('ZCARD', `${k}:queue`)).toBe(0);
  });

  it('skips a waiter counted as gone (it stopped trying) and hands the lock to the next', async () => {
    const k = key();
    const held = await a.acquire(k);
    const live = b.acquire(k, LONG);
    await queued(k, 1);
    // A waiter that joined before it and then died: ahead in the queue, counted as gone since 1 ms ago.
    const time = (await a.redis.call('TIME')) as [string, string];
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    await a.redis.call('ZADD', `${k}:queue`, (now - 60_000) * 1000, 'dead-waiter');
    await a.redis.call('HSET', `${k}:waiters`, 'dead-waiter', `${now - 1}:10000`);
    expect(await a.redis.call('ZRANGE', `${k}:queue`, 0, 0)).toEqual(['dead-waiter']);
    await held.release();
    expect(await a.redis.call('GET', k)).not.toBe('dead-waiter');
    const got = await live;
    expect(await a.redis.call('GET', k)).toBe(got.token);
    expect(await a.redis.call('HEXISTS', `${k}:waiters`, 'dead-waiter')).toBe(0);
    await got.release();
  });

  it('limits a lock handed to a waiter that died while queued to its claim, not its TTL', async () => {
    const k = key();
    const held = await a.acquire(k);
    // A waiter of a client that is gone (nobody listens on its channel) joins with a 30 s TTL, then dies.
    const dead = '0000000000000000ffffffffffffffff';
    const [joined] = (await runScript(a.redis, ACQUIRE, keysOf(k), [dead, 30_000, 'first', 200])) as [number];
    expect(joined).toBe(0);
    await held.release();
    expect(await a.redis.call('GET', k)).toBe(dead);
    const claim = Number(await a.redis.call('PTTL', k));
    expect(claim).toBeGreaterThan(0);
    expect(claim).toBeLessThanOrEqual(1000); // its gone window (200 ms), at least 1 s, not 30 s
    const next = await b.acquire(k, { deadlineMs: 10_000 });
    expect(next.fence).toBe(held.fence + 2);
    await next.release();
  });

  it('confirms on the next attempt a lock handed over while its waiter was not listening', async () => {
    const k = key();
    const held = await a.acquire(k);
    const token = '1111111111111111eeeeeeeeeeeeeeee'; // its client's channel has no subscriber
    await runScript(a.redis, ACQUIRE, keysOf(k), [token, 30_000, 'first', 5000]);
    await held.release();
    expect(await a.redis.call('GET', k)).toBe(token);
    const [ok, fence] = (await runScript(a.redis, ACQUIRE, keysOf(k), [token, 30_000, 'retry', 5000])) as [number, number];
    expect([ok, fence]).toEqual([1, held.fence + 1]);
    expect(Number(await a.redis.call('PTTL', k))).toBeGreaterThan(5000);
    await a.redis.call('DEL', k);
  });

  it('passes on a lock handed to a waiter that gave up before it heard', async () => {
    const k = key();
    const held = await a.acquire(k);
    const quitter = '2222222222222222dddddddddddddddd';
    await runScript(a.redis, ACQUIRE, keysOf(k), [quitter, 30_000, 'first', 5000]);
    const patient = b.acquire(k, LONG);
    await queued(k, 2);
    await held.release();
    expect(await a.redis.call('GET', k)).toBe(quitter);
    await runScript(a.redis, LEAVE, keysOf(k), [quitter]);
    const got = await patient;
    expect(await a.redis.call('GET', k)).toBe(got.token);
    await got.release();
  });

  it('takes the lock when the TTL of a holder that never releases runs out', async () => {
    const k = key();
    const crashed = await a.acquire(k, { ttlMs: 200 }); // never released: a crashed holder hands nothing over
    const got = await b.acquire(k, LONG); // in time only by waking at the holder's TTL
    expect(got.fence).toBe(crashed.fence + 1);
    await got.release();
  });

  it('stops waiting when the AbortSignal fires, and leaves the queue', async () => {
    const k = key();
    const held = await a.acquire(k);
    const stop = new AbortController();
    const waiting = rejection(b.acquire(k, { deadlineMs: 30_000, signal: stop.signal }));
    await queued(k, 1);
    stop.abort(new Error('test over'));
    expect((await waiting).code).toBe('aborted');
    expect(await a.redis.call('ZCARD', `${k}:queue`)).toBe(0);
    await held.release();
  });

  it('stops a waiting acquisition with `closed` when its client closes', async () => {
    const k = key();
    const held = await a.acquire(k);
    const c = new LockClient(redis());
    const waiting = rejection(c.acquire(k, { deadlineMs: 30_000 }));
    await queued(k, 1);
    await c.close();
    expect((await waiting).code).toBe('closed');
    await held.release();
  });

  it('releases only its own hold: an expired holder cannot free the next owner\'s lock', async () => {
    const k = key();
    const first = await a.acquire(k, { ttlMs: 100 });
    await gone(k);
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
    // The count expires at the same instant as the lock: it cannot outlive it.
    expect(await a.redis.call('PEXPIRETIME', `${k}:holds`)).toBe(await a.redis.call('PEXPIRETIME', k));
    expect((await rejection(a.owner('other').acquire(k, { deadlineMs: 0 }))).code).toBe('deadline');
    await inner.release();
    expect(await a.redis.call('GET', k)).toBe(outer.token);
    await outer.release();
    expect(await a.redis.call('EXISTS', k, `${k}:holds`)).toBe(0);
    expect((await rejection(inner.release())).code).toBe('unbalanced');
  });

  it('refuses a nested acquisition when the outer hold was lost, rather than re-taking silently', async () => {
    const k = key();
    const owner = a.owner();
    const outer = await owner.acquire(k, { ttlMs: 100 });
    await gone(k);
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
    await gone(k);
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
    const waiting = b.acquire(k, LONG);
    await queued(k, 1);
    await a.redis.call('SCRIPT', 'FLUSH');
    await lease.release(); // and hands the lock over
    await (await waiting).release();
    expect(await a.redis.call('EXISTS', k)).toBe(0);
  });

  it('checks its options up front', async () => {
    await expect(a.acquire(key(), { ttlMs: -1 })).rejects.toThrow('Expected the `ttlMs` option to be a positive integer, got `-1` (number)');
    await expect(a.acquire(key(), { deadlineMs: 1.5 })).rejects.toThrow('Expected the `deadlineMs` option to be a non-negative integer, got `1.5` (number)');
    await expect(a.acquire(key(), { ttlMs: 100, renew: { everyMs: 100, maxHoldMs: 1000 } })).rejects.toThrow(/`renew.everyMs` option to be less than `ttlMs`/);
    await expect(a.acquire('')).rejects.toThrow(/non-empty string/);
  });
});
