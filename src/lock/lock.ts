// The lock client: acquire (one round trip when free), wait in a first-come queue with a
// deadline and jittered retries, the lock handed straight to the next waiter by the release that
// frees it (announced on the waiter's client channel, confirmed by the waiter in the background),
// reentrant holds per owner counted in Redis, fencing tokens, renewal. Keys of lock K: K (the
// owner's token), K:holds (the nesting count, only while nested), K:fence (INCR), K:queue and
// K:waiters (who waits, in order); release and acquire are one round trip each.

import { performance } from 'node:perf_hooks';
import { LockError } from './errors.js';
import { Hold, type HoldBackend } from './hold.js';
import { Lease, type LeaseBackend } from './lease.js';
import { checkAcquireOptions, jitter, type AcquireOptions, type CheckedAcquireOptions } from './options.js';
import { connectRedis, type RedisConnection, type RedisEndpoint } from './redis-client.js';
import { ACQUIRE, EXTEND, LEAVE, RELEASE, runScript } from './scripts.js';
import { randomHex, Waker, type Handover, type Waiter } from './wake.js';

/** The Redis keys of lock `key`. */
export function lockKeys(key: string): { lock: string; holds: string; fence: string; queue: string; waiters: string } {
  return { lock: key, holds: `${key}:holds`, fence: `${key}:fence`, queue: `${key}:queue`, waiters: `${key}:waiters` };
}

/** The keys the acquire, release and leave scripts take, in their order. */
function scriptKeys(key: string): string[] {
  return [key, `${key}:holds`, `${key}:fence`, `${key}:queue`, `${key}:waiters`];
}

/** How long a queued waiter stays in the queue without trying again: past its next retry. */
function queuedFor(leftMs: number, retryMs: number): number {
  return leftMs > 0 ? Math.ceil(Math.min(leftMs, 2 * retryMs) + 100) : 0;
}

/** The acquire script's reply: `[1, fence]` or `[0, pttl, seconds?, microseconds?]` (see scripts.ts). */
type AcquireReply = [number, number, string?, string?];

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
  /** Holds not yet forgotten, with their owner (none for `acquire()`), so that close() can stop their timers. */
  private readonly live = new Map<Hold, LockOwner | undefined>();
  private closed = false;
  private anonymous = 0;
  private readonly holdBackend: HoldBackend = {
    extend: async (hold, ttlMs) => Number(await runScript(this.redis, EXTEND, [hold.key, `${hold.key}:holds`], [hold.token, ttlMs])) === 1,
  };
  private readonly leaseBackend: LeaseBackend = {
    release: async (hold) => Number(await runScript(this.redis, RELEASE, scriptKeys(hold.key), [hold.token])),
    forget: (hold) => {
      const owner = this.live.get(hold);
      if (owner?.holds.get(hold.key) === hold) owner.holds.delete(hold.key);
      this.live.delete(hold);
    },
  };

  constructor(readonly endpoint: RedisEndpoint, options: { name?: string } = {}) {
    this.redis = connectRedis(endpoint, { name: options.name ?? 'tcplab-lock' });
    this.waker = new Waker(endpoint);
  }

  /** Resolves once both connections are up: commands, and the subscription hand-overs arrive on. */
  async ready(): Promise<void> {
    await Promise.all([this.redis.ready(), this.waker.listen()]);
  }

  /** A new owner (a task, a request): reentrant within itself, excluded from every other. */
  owner(name?: string): LockOwner {
    return new LockOwner(this, name ?? `owner-${++this.anonymous}`);
  }

  /** Acquires `key` as a fresh owner (not reentrant: a second call waits like anyone else). */
  acquire(key: string, options?: AcquireOptions): Promise<Lease> {
    return this.acquireFor(undefined, key, options);
  }

  /** Use `owner.acquire()` or `acquire()`; exposed for LockOwner. */
  async acquireFor(owner: LockOwner | undefined, key: string, options?: AcquireOptions): Promise<Lease> {
    if (typeof key !== 'string' || key === '') throw new TypeError(`Expected the lock key to be a non-empty string, got ${JSON.stringify(key)}`);
    const o = checkAcquireOptions(options);
    if (this.closed) throw new LockError('closed', key, 'the lock client is closed');
    const held = owner?.holds.get(key);
    if (held) return this.reenter(owner!, held, o.ttlMs);

    const keys = scriptKeys(key);
    const token = this.waker.id + randomHex(8);
    // Known to the waker before the first attempt when it already listens: no hand-over is missed.
    let waiter: Waiter | undefined = this.waker.listening ? this.waker.expect(token) : undefined;
    const started = performance.now();
    let mode: 'first' | 'retry' = 'first';
    let queued = false;
    let acquired = false;
    // Bounds on when a hand-over happened, by this process's clock: after the latest attempt that
    // left the token waiting was sent, and (clocks running at one rate) at least Redis's time of
    // it plus the largest (sent - Redis's TIME) of those attempts.
    let waitingSince = started;
    let offsetUs = -Infinity;
    const handedOver = (h: Handover): Lease => {
      acquired = true;
      const at = Math.max(waitingSince, Math.min(h.receivedAt, (h.redisTimeUs + offsetUs) / 1000));
      return this.held(owner, key, token, h.fence, o, at, h.claimMs);
    };
    try {
      for (;;) {
        if (o.signal?.aborted) throw new LockError('aborted', key, `acquisition aborted after ${Math.round(performance.now() - started)} ms (${String(o.signal.reason)})`);
        if (this.closed) throw new LockError('closed', key, 'the lock client was closed while waiting');
        const sentAt = performance.now();
        const wait = queuedFor(started + o.deadlineMs - sentAt, o.retryMs);
        const reply = (await runScript(this.redis, ACQUIRE, keys, [token, o.ttlMs, mode, wait])) as AcquireReply;
        if (reply[0] === 1) {
          // Taken, or handed over while this waiter was not listening and now confirmed: with
          // its TTL from when the request left, at the latest.
          acquired = true;
          return this.held(owner, key, token, reply[1], o, sentAt);
        }
        if (reply[3] !== undefined) {
          queued = true;
          waitingSince = sentAt;
          offsetUs = Math.max(offsetUs, sentAt * 1000 - (Number(reply[2]) * 1e6 + Number(reply[3])));
        }
        mode = 'retry';
        if (waiter?.handover) return handedOver(waiter.handover);
        const left = started + o.deadlineMs - performance.now();
        if (left <= 0) {
          const pttl = reply[1];
          const why = pttl >= 0 ? `held by another owner, ${pttl} ms left on its TTL` : pttl === -1 ? 'held by another owner, without a TTL' : 'free, but others were ahead in the queue';
          throw new LockError('deadline', key, `not acquired within its deadline of ${o.deadlineMs} ms (${why})`);
        }
        if (!waiter) {
          // Listen first, then try again: a hand-over between the two is never missed.
          waiter = this.waker.expect(token);
          await this.waker.listen().catch((err: unknown) => {
            if (!this.closed) throw err; // closing stops the subscription: reported as `closed` below
          });
          continue;
        }
        // Sleep until a release hands the lock over, the TTL's end (a crashed holder never
        // releases) or a jittered retry, whichever comes first.
        const sleep = Math.min(left, jitter(o.retryMs), reply[1] >= 0 ? reply[1] + 1 : Infinity);
        if ((await waiter.next(sleep, o.signal)) === 'handed-over') return handedOver(waiter.handover!);
      }
    } finally {
      if (waiter) this.waker.forget(token);
      // A waiter that gives up leaves the queue at once (else it would block it until it counts
      // as gone), and frees the lock if it was handed over meanwhile.
      if (queued && !acquired) await runScript(this.redis, LEAVE, keys, [token]).catch(() => {});
    }
  }

  /** A new hold; one handed over with a shorter TTL than asked (`claimMs`) is confirmed in the background. */
  private held(owner: LockOwner | undefined, key: string, token: string, fence: number, o: CheckedAcquireOptions, acquiredAt: number, claimMs = o.ttlMs): Lease {
    const hold = new Hold(key, token, fence, o.ttlMs, acquiredAt, this.holdBackend, o.renew, claimMs);
    if (claimMs < o.ttlMs) hold.confirm();
    hold.depth = 1;
    owner?.holds.set(key, hold);
    this.live.set(hold, owner);
    return new Lease(hold, 1, this.leaseBackend);
  }

  private async reenter(owner: LockOwner, hold: Hold, ttlMs: number): Promise<Lease> {
    const lost = hold.lostError;
    if (lost) throw lost;
    const sentAt = performance.now();
    const [ok, depth] = (await runScript(this.redis, ACQUIRE, scriptKeys(hold.key), [hold.token, ttlMs, 'reenter', 0])) as AcquireReply;
    if (ok !== 1) {
      const err = new LockError('lost', hold.key, 'a nested acquisition found the outer hold gone (expired, taken, or Redis forgot it)');
      hold.markLost(err);
      throw err;
    }
    hold.depth += 1;
    hold.touched(sentAt, ttlMs);
    return new Lease(hold, depth, this.leaseBackend);
  }

  /**
   * Closes the connections: QUIT (the server closes first) by default, or at once from this
   * side with `{ quit: false }`. Holds still held stop renewing and expire by their TTL;
   * acquisitions still waiting reject with `closed`.
   */
  async close(options: { quit?: boolean } = {}): Promise<void> {
    this.closed = true;
    for (const hold of this.live.keys()) hold.end();
    this.waker.close();
    if (options.quit === false) this.redis.disconnect();
    else await this.redis.quit();
  }
}
