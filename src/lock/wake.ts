// Wake-up on release: each waiter listens on a channel of its own (the release publishes to the
// queue's head only) over one subscriber connection per client, so a waiter sleeps until it is
// its turn, not in a polling loop. A wake-up between an attempt and the wait is kept.

import type { RedisEndpoint, RedisSubscriber } from './redis-client.js';
import { subscribeRedis } from './redis-client.js';

/** Why a wait ended. */
export type WakeReason = 'released' | 'timeout' | 'aborted';

/** One waiter's interest in one channel, from before its first attempt until it is done. */
export interface ChannelWatch {
  /** Waits for a wake-up since the previous call (or since the watch began), at most `ms`. */
  next(ms: number, signal?: AbortSignal): Promise<WakeReason>;
  /** Stops listening (unsubscribes when it was the channel's last watch). */
  close(): void;
}

interface Watcher {
  /** A release woke this waiter since its last wait. */
  pending: boolean;
  wake?: () => void;
}

interface Channel {
  ready: Promise<void>;
  watches: Set<Watcher>;
}

/** The release channels of one lock client, multiplexed over one subscriber connection. */
export class Waker {
  private subscriber: RedisSubscriber | undefined;
  private channels = new Map<string, Channel>();

  constructor(private readonly endpoint: RedisEndpoint) {}

  private connection(): RedisSubscriber {
    if (!this.subscriber) {
      this.subscriber = subscribeRedis(this.endpoint, { name: 'tcplab-lock-waker' });
      this.subscriber.onMessage((name) => {
        for (const w of this.channels.get(name)?.watches ?? []) {
          w.pending = true;
          w.wake?.();
        }
      });
    }
    return this.subscriber;
  }

  /** Opens the subscriber connection now rather than at the first wait. */
  open(): Promise<void> {
    return this.connection().ready();
  }

  /** Starts listening on `name`; resolves once Redis confirmed the subscription. */
  async watch(name: string): Promise<ChannelWatch> {
    let channel = this.channels.get(name);
    if (!channel) {
      const subscriber = this.connection();
      channel = { ready: subscriber.subscribe(name), watches: new Set() };
      this.channels.set(name, channel);
    }
    const ch = channel;
    const entry: Watcher = { pending: false };
    ch.watches.add(entry);
    try {
      await ch.ready;
    } catch (err) {
      ch.watches.delete(entry);
      if (this.channels.get(name) === ch && ch.watches.size === 0) this.channels.delete(name);
      throw err;
    }
    return {
      next: (ms, signal) => new Promise<WakeReason>((resolve) => {
        if (signal?.aborted) return resolve('aborted');
        if (entry.pending) {
          entry.pending = false;
          return resolve('released');
        }
        const done = (reason: WakeReason) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          delete entry.wake;
          entry.pending = false;
          resolve(reason);
        };
        const onAbort = () => done('aborted');
        const timer = setTimeout(() => done('timeout'), Math.max(0, ms));
        signal?.addEventListener('abort', onAbort, { once: true });
        entry.wake = () => done('released');
      }),
      close: () => {
        entry.wake?.();
        ch.watches.delete(entry);
        if (ch.watches.size === 0 && this.channels.get(name) === ch) {
          this.channels.delete(name);
          this.subscriber?.unsubscribe(name).catch(() => {});
        }
      },
    };
  }

  /** Closes the subscriber connection. */
  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.channels.clear();
  }
}
