// Redlock, antirez's algorithm: one lock over N independent redis-servers. An attempt sends
// SET key token NX PX ttl to all N at once and waits for each at most a short instance timeout;
// it holds the lock when a majority (N/2+1) said OK and time is left on the TTL after the round
// and a clock-drift allowance. No fencing token: N separate counters give no single order.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockError } from './errors.js';
import { checkAcquireOptions, jitter, type AcquireOptions } from './options.js';
import { connectRedis, type RedisConnection, type RedisEndpoint } from './redis-client.js';
import { runScript, script } from './scripts.js';

/** KEYS: lock. ARGV: token. Deletes the lock only while it holds this token -> 1, else 0. */
const UNLOCK = script('redlock-unlock', `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** How to acquire: the single-server lock's TTL, deadline, retry delay and signal (no renewal). */
export type RedlockAcquireOptions = Omit<AcquireOptions, 'renew'>;

export interface RedlockOptions {
  /** Longest wait for one instance's answer, in ms (default 50): a late answer counts as a no. */
  instanceTimeoutMs?: number;
  /** Share of the TTL set aside for clock drift between the instances, plus 2 ms (default 0.01). */
  driftFactor?: number;
  /** Connection name shown by CLIENT LIST. */
  name?: string;
}

/** A hold on a majority of the instances. */
export interface RedlockLease {
  readonly key: string;
  /** The random token stored on the instances that voted for this hold. */
  readonly token: string;
  /** Instances that answered OK to the SET (at least the quorum). */
  readonly votes: number;
  /** TTL minus the attempt's duration and the drift allowance, in ms, when acquired. */
  readonly validityMs: number;
  /** By this process's monotonic clock (performance.now()), when the hold must be taken as gone. */
  readonly validUntil: number;
  /** Compare-and-delete on every instance; resolves with how many still held this token. */
  release(): Promise<number>;
}

function checked(name: string, value: unknown, fallback: number, ok: (v: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !ok(value)) throw new TypeError(`Expected the \`${name}\` option to be ${expected}, got \`${String(value)}\` (${typeof value})`);
  return value;
}

/** A lock held on a majority of N independent redis-servers, one connection to each. */
export class Redlock {
  readonly instances: RedisConnection[];
  /** Votes an attempt needs: a majority, N/2+1. */
  readonly quorum: number;
  private readonly instanceTimeoutMs: number;
  private readonly driftFactor: number;

  constructor(endpoints: RedisEndpoint[], options: RedlockOptions = {}) {
    if (!Array.isArray(endpoints) || endpoints.length === 0) throw new TypeError(`Expected at least one redis-server endpoint, got ${JSON.stringify(endpoints)}`);
    this.instanceTimeoutMs = checked('instanceTimeoutMs', options.instanceTimeoutMs, 50, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
    this.driftFactor = checked('driftFactor', options.driftFactor, 0.01, (v) => v >= 0 && v < 1, 'a number from 0 to below 1');
    this.instances = endpoints.map((e) => connectRedis(e, { name: options.name ?? 'tcplab-redlock' }));
    this.quorum = Math.floor(endpoints.length / 2) + 1;
  }

  /** Resolves once every connection is up. */
  async ready(): Promise<void> {
    await Promise.all(this.instances.map((r) => r.ready()));
  }

  /** `reply`, or undefined when it fails or takes longer than the instance timeout. */
  private within<T>(reply: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, this.instanceTimeoutMs, undefined)));
    return Promise.race([reply.catch(() => undefined), late]).finally(() => clearTimeout(timer));
  }

  /** Compare-and-delete of `token` on every instance, each bounded by the instance timeout. */
  private async unlock(key: string, token: string): Promise<number> {
    const answers = await Promise.all(this.instances.map((r) => this.within(runScript(r, UNLOCK, [key], [token]))));
    return answers.filter((a) => Number(a) === 1).length;
  }

  /**
   * Acquires `key` on a majority. A failed attempt is undone on every instance and retried after
   * a jittered delay; rejects with a `deadline` LockError once the deadline has passed.
   */
  async acquire(key: string, options?: RedlockAcquireOptions): Promise<RedlockLease> {
    if (typeof key !== 'string' || key === '') throw new TypeError(`Expected the lock key to be a non-empty string, got ${JSON.stringify(key)}`);
    if ((options as AcquireOptions | undefined)?.renew !== undefined) throw new TypeError('Expected no `renew` option: a Redlock hold is not renewed');
    const o = checkAcquireOptions(options);
    const token = randomBytes(16).toString('hex');
    const started = performance.now();
    for (let attempts = 1; ; attempts += 1) {
      if (o.signal?.aborted) throw new LockError('aborted', key, `acquisition aborted after ${Math.round(performance.now() - started)} ms (${String(o.signal.reason)})`);
      const sentAt = performance.now();
      const answers = await Promise.all(this.instances.map((r) => this.within(r.call('SET', key, token, 'NX', 'PX', o.ttlMs))));
      const votes = answers.filter((a) => a === 'OK').length;
      // Each TTL started after sentAt, by a clock of its instance's own that may run faster than this one.
      const validUntil = sentAt + o.ttlMs - (o.ttlMs * this.driftFactor + 2);
      const validityMs = validUntil - performance.now();
      if (votes >= this.quorum && validityMs > 0) return { key, token, votes, validityMs, validUntil, release: () => this.unlock(key, token) };
      await this.unlock(key, token);
      const left = started + o.deadlineMs - performance.now();
      if (left <= 0) {
        throw new LockError('deadline', key, `not acquired within its deadline of ${o.deadlineMs} ms: ${attempts} attempts, the last one set on ${votes} of ${this.instances.length} instances (quorum ${this.quorum})`);
      }
      await sleep(Math.min(left, jitter(o.retryMs)), undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
    }
  }

  /** Closes every connection: QUIT, or at once where no answer comes in time. Holds expire by their TTL. */
  async close(): Promise<void> {
    await Promise.all(this.instances.map(async (r) => {
      if ((await this.within(r.quit().then(() => true))) === undefined) r.disconnect();
    }));
  }
}
