// The lock client: acquire (one round trip when free), wait in a first-come queue with a
// deadline, jittered retries and pub/sub wake-up, reentrant holds per owner counted in Redis,
// fencing tokens, renewal. Keys of lock K: K (the owner's token), K:holds (nesting count),
// K:fence (INCR), K:queue and K:waiters (who waits, in order); a waiter's channel K:wake:TOKEN.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LockError } from './errors.js';
import { Hold } from './hold.js';
import { Lease } from './lease.js';
import { checkAcquireOptions, jitter, type AcquireOptions } from './options.js';
import { connectRedis, type RedisConnection, type RedisEndpoint } from './redis-client.js';
import { ACQUIRE, EXTEND, LEAVE, RELEASE, runScript } from './scripts.js';
import { Waker, type ChannelWatch } from './wake.js';

/** The Redis keys of lock `key`, and the prefix of its waiters' wake-up channels. */
export function lockKeys(key: string): { lock: string; holds: string; fence: string; queue: string; waiters: string; wake: string } {
  return { lock: key, holds: `${key}:holds`, fence: `${key}:fence`, queue: `${key}:queue`, waiters: `${key}:waiters`, wake: `${key}:wake:` };
}

/** How long a queued waiter stays in the queue without trying again: past its next retry. */
function queuedFor(leftMs: number, retryMs: number): number {
  return leftMs > 0 ? Math.ceil(Math.min(leftMs, 2 * retryMs) + 100) : 0;
}

/** A holder identity: its nested acquisitions of one key share one hold (reentrancy). */
export class LockOwner {
  /** This owner's holds by key, from the first acquisition until the last lease is released. */
  readonly holds = new Map<string, Hold>();

  constructor(
    private readonly client: LockClient,
    /** A name for messages; the token in Redis is random per hold whatever the name. */
    readonly name: string,
  ) {}

  /** Acquires `key` for this owner; again while held, it nests (and needs one release more). */
  acquire(key: string, options?: AcquireOptions): Promise<Lease> {
    return this.client.acquireFor(this, key, options);
  }
}

/** Locks on one redis-server, over one pooled command connection and one subscriber. */
export class LockClient {
  /** The command connection (for reading the lock's keys next to the lock). */
  readonly redis: RedisConnection;
  private readonly waker: Waker;
  /** Holds not yet forgotten, so that close() can stop their timers. */
  private readonly live = new Set<Hold>();
  private closed = false;
  private anonymous = 0;

  constructor(readonly endpoint: RedisEndpoint, options: { name?: string } = {}) {
    this.redis = connectRedis(endpoint, { name: options.name ?? 'tcplab-lock' });
    this.waker = new Waker(endpoint);
  }

  /** Resolves once both connections are up: commands, and the subscriber that wake-ups arrive on. */
  async ready(): Promise<void> {
    await Promise.all([this.redis.ready(), this.waker.open()]);
  }

  /** A new owner (a task, a request): reentrant within itself, excluded from every other. */
  owner(name?: string): LockOwner {
    return new LockOwner(this, name ?? `owner-${++this.anonymous}`);
  }

  /** Acquires `key` as a fresh owner (not reentrant: a second call waits like anyone else). */
  acquire(key: string, options?: AcquireOptions): Promise<Lease> {
    return this.owner().acquire(key, options);
  }

  /** Use `owner.acquire()`; exposed for LockOwner. */
  async acquireFor(owner: LockOwner, key: string, options?: AcquireOptions): Promise<Lease> {
    if (typeof key !== 'string' || key === '') throw new TypeError(`Expected the lock key to be a non-empty string, got ${JSON.stringify(key)}`);
    const o = checkAcquireOptions(options);
    if (this.closed) throw new LockError('closed', key, 'the lock client is closed');
    const keys = lockKeys(key);
    const held = owner.holds.get(key);
    if (held) return this.reenter(owner, held, o.ttlMs);

    const token = randomBytes(16).toString('hex');
    const started = performance.now();
    let watch: ChannelWatch | undefined;
    let queued = false;
    let acquired = false;
    try {
      for (;;) {
        if (o.signal?.aborted) throw new LockError('aborted', key, `acquisition aborted after ${Math.round(performance.now() - started)} ms (${String(o.signal.reason)})`);
        const sentAt = performance.now();
        const wait = queuedFor(started + o.deadlineMs - sentAt, o.retryMs);
        const [ok, value] = (await runScript(this.redis, ACQUIRE, [keys.lock, keys.holds, keys.fence, keys.queue, keys.waiters], [token, o.ttlMs, '0', wait])) as [number, number];
        if (ok === 1) {
          acquired = true;
          const hold = new Hold(key, token, value, o.ttlMs, sentAt, { extend: (h, ttl) => this.extend(h, ttl) }, o.renew);
          hold.depth = 1;
          owner.holds.set(key, hold);
          this.live.add(hold);
          return new Lease(hold, 1, this.leaseBackend(owner));
        }
        queued ||= wait > 0;
        const left = started + o.deadlineMs - performance.now();
        if (left <= 0) throw new LockError('deadline', key, `not acquired within its deadline of ${o.deadlineMs} ms (held by another owner, ${value} ms left on its TTL)`);
        if (!watch) {
          // Listen first, then try again: a release between the two is never missed.
          watch = await this.waker.watch(keys.wake + token);
          continue;
        }
        // Sleep until a release wakes this waiter (the queue's head), the TTL's end (a crashed holder never
        // publishes) or a jittered retry, whichever comes first.
        const sleep = Math.min(left, jitter(o.retryMs), value >= 0 ? value + 1 : Infinity);
        if ((await watch.next(sleep, o.signal)) === 'aborted') continue;
      }
    } finally {
      watch?.close();
      // A waiter that gives up leaves the queue at once (else it would block it until it counts as gone).
      if (queued && !acquired) await runScript(this.redis, LEAVE, [keys.lock, keys.queue, keys.waiters], [token, keys.wake]).catch(() => {});
    }
  }

  private async reenter(owner: LockOwner, hold: Hold, ttlMs: number): Promise<Lease> {
    const lost = hold.lostError;
    if (lost) throw lost;
    const keys = lockKeys(hold.key);
    const sentAt = performance.now();
    const [ok, depth] = (await runScript(this.redis, ACQUIRE, [keys.lock, keys.holds, keys.fence, keys.queue, keys.waiters], [hold.token, ttlMs, '1', 0])) as [number, number];
    if (ok !== 1) {
      const err = new LockError('lost', hold.key, 'a nested acquisition found the outer hold gone (expired, taken, or Redis forgot it)');
      hold.markLost(err);
      throw err;
    }
    hold.depth += 1;
    hold.touched(sentAt, ttlMs);
    return new Lease(hold, depth, this.leaseBackend(owner));
  }

  private leaseBackend(owner: LockOwner) {
    return {
      release: async (hold: Hold) => {
        const keys = lockKeys(hold.key);
        return Number(await runScript(this.redis, RELEASE, [keys.lock, keys.holds, keys.queue, keys.waiters], [hold.token, keys.wake]));
      },
      forget: (hold: Hold) => {
        if (owner.holds.get(hold.key) === hold) owner.holds.delete(hold.key);
        this.live.delete(hold);
      },
    };
  }

  private async extend(hold: Hold, ttlMs: number): Promise<boolean> {
    const keys = lockKeys(hold.key);
    return Number(await runScript(this.redis, EXTEND, [keys.lock, keys.holds], [hold.token, ttlMs])) === 1;
  }

  /**
   * Closes the connections: QUIT (the server closes first) by default, or at once from this
   * side with `{ quit: false }`. Holds still held stop renewing and expire by their TTL.
   */
  async close(options: { quit?: boolean } = {}): Promise<void> {
    this.closed = true;
    for (const hold of this.live) hold.end();
    this.waker.close();
    if (options.quit === false) this.redis.disconnect();
    else await this.redis.quit();
  }
}
