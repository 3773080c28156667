// Wake-up on release: a release hands the lock straight to the first live waiter and tells it on
// its client's channel (one per LockClient, subscribed once over one subscriber connection), so
// a waiter sleeps until it holds the lock rather than polling, and no wait costs a SUBSCRIBE. A
// hand-over that arrives while its waiter is between attempts is kept until the waiter asks.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RedisEndpoint, RedisSubscriber } from './redis-client.js';
import { subscribeRedis } from './redis-client.js';
import { CLIENT_ID_LENGTH, WAKE_CHANNEL_PREFIX } from './scripts.js';

/** A lock handed to a waiter by a release: its fencing token, its TTL until confirmed, and when (by Redis's clock and ours). */
export interface Handover {
  fence: number;
  /** The lock's TTL in Redis as handed over, until the waiter confirms it. */
  claimMs: number;
  /** Redis's TIME at the hand-over, in microseconds. */
  redisTimeUs: number;
  /** performance.now() when the message was read (later than the hand-over). */
  receivedAt: number;
}

/** Why a wait ended. */
export type WakeReason = 'handed-over' | 'timeout' | 'aborted' | 'closed';

let pool = Buffer.alloc(0);
let used = 0;

/** `bytes` random bytes as hex, from a pool refilled 4 KiB at a time (one getrandom call per 256 tokens). */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/** One waiting acquisition, known by its token, from before its first attempt until it is done. */
export class Waiter {
  /** Set when a release handed the lock to this waiter. */
  handover: Handover | undefined;
  private wake: ((reason: WakeReason) => void) | undefined;

  /** Resolves on a hand-over (at once if one came already), after `ms`, or on the signal. */
  next(ms: number, signal?: AbortSignal): Promise<WakeReason> {
    if (this.handover) return Promise.resolve('handed-over');
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise<WakeReason>((resolve) => {
      const done = (reason: WakeReason) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
        resolve(reason);
      };
      const onAbort = () => done('aborted');
      const timer = setTimeout(done, Math.max(0, ms), 'timeout');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = done;
    });
  }

  /** A release handed the lock to this waiter. */
  handedOver(handover: Handover): void {
    this.handover ??= handover;
    this.wake?.('handed-over');
  }

  /** The client is closing: stop waiting. */
  closed(): void {
    this.wake?.('closed');
  }
}

/** The wake-up channel of one lock client and its waiters, over one subscriber connection. */
export class Waker {
  /** The client's id: the first characters of its tokens, and the end of its channel's name. */
  readonly id = randomHex(CLIENT_ID_LENGTH / 2);
  readonly channel = WAKE_CHANNEL_PREFIX + this.id;
  /** Redis confirmed the subscription: from now on no hand-over to a waiter of this client is missed. */
  listening = false;
  private subscriber: RedisSubscriber | undefined;
  private subscribed: Promise<void> | undefined;
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly endpoint: RedisEndpoint) {}

  /** Subscribes to the client's channel (once); resolves when Redis confirmed it. */
  listen(): Promise<void> {
    if (!this.subscribed) {
      const subscriber = subscribeRedis(this.endpoint, { name: 'tcplab-lock-waker' });
      subscriber.onMessage((channel, message) => {
        if (channel === this.channel) this.deliver(message);
      });
      this.subscriber = subscriber;
      this.subscribed = subscriber.subscribe(this.channel).then(
        () => {
          this.listening = true;
        },
        (err: unknown) => {
          subscriber.disconnect();
          if (this.subscriber === subscriber) this.subscriber = this.subscribed = undefined;
          throw err;
        },
      );
    }
    return this.subscribed;
  }

  /** Registers the waiter of `token` (before its first attempt, so that no hand-over is missed). */
  expect(token: string): Waiter {
    const waiter = new Waiter();
    this.waiters.set(token, waiter);
    return waiter;
  }

  /** The waiter of `token` is done. */
  forget(token: string): void {
    this.waiters.delete(token);
  }

  /** "TOKEN FENCE CLAIM SECONDS MICROSECONDS", published by the script that handed the lock over. */
  private deliver(message: string): void {
    const [token, fence, claim, seconds, micros] = message.split(' ');
    this.waiters.get(token!)?.handedOver({
      fence: Number(fence),
      claimMs: Number(claim),
      redisTimeUs: Number(seconds) * 1e6 + Number(micros),
      receivedAt: performance.now(),
    });
  }

  /** Closes the subscriber connection; waiting acquisitions stop with `closed`. */
  close(): void {
    for (const waiter of this.waiters.values()) waiter.closed();
    this.subscriber?.disconnect();
    this.subscriber = this.subscribed = undefined;
    this.listening = false;
  }
}
