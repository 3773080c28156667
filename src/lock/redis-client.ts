// The one module through which the Redis client library (ioredis) enters tcplab: a connection
// that sends commands, and a subscriber for pub/sub. Replacing the library means rewriting
// only this file.

import { Redis } from 'ioredis';

/** Where a redis-server listens. */
export interface RedisEndpoint {
  host: string;
  port: number;
}

/** A command connection to one redis-server (reconnects by itself after a restart). */
export interface RedisConnection {
  readonly endpoint: RedisEndpoint;
  /** Sends one command and resolves with Redis's reply (errors reject with Redis's message). */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** Resolves once connected (commands sent earlier are queued, not lost). */
  ready(): Promise<void>;
  /** The connection's local port, once connected. */
  readonly localPort: number | undefined;
  /** QUIT: the server replies and closes first (its side then holds TIME_WAIT). */
  quit(): Promise<void>;
  /** Closes at once from this side (this side then holds TIME_WAIT). */
  disconnect(): void;
}

/** A connection in subscribe mode: receives messages of the channels it subscribed to. */
export interface RedisSubscriber {
  /** Resolves once connected. */
  ready(): Promise<void>;
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  onMessage(listener: (channel: string, message: string) => void): void;
  disconnect(): void;
}

export interface ConnectOptions {
  /** Connection name shown by CLIENT LIST. */
  name?: string;
  /** Give up a command after this many reconnect attempts (default 20, ioredis's). */
  maxRetriesPerRequest?: number;
}

function whenReady(redis: Redis, endpoint: RedisEndpoint): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    redis.once('ready', () => resolve());
    redis.once('end', () => reject(new Error(`connection to ${endpoint.host}:${endpoint.port} ended before it was ready`)));
  });
}

function open(endpoint: RedisEndpoint, options: ConnectOptions): Redis {
  const redis = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    ...(options.name ? { connectionName: options.name } : {}),
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 20,
    // Reconnect quickly: a lab restarts its redis-server and expects clients back within ms.
    retryStrategy: (times) => Math.min(times * 20, 500),
    lazyConnect: false,
  });
  // Errors of commands reject their promises; connection errors are retried by the library.
  // Without a listener ioredis would print every one of them.
  redis.on('error', () => {});
  return redis;
}

/** Opens a command connection to `endpoint`. */
export function connectRedis(endpoint: RedisEndpoint, options: ConnectOptions = {}): RedisConnection {
  const redis = open(endpoint, options);
  return {
    endpoint,
    call: (command, ...args) => redis.call(command, args) as Promise<unknown>,
    ready: () => whenReady(redis, endpoint),
    get localPort() {
      return redis.stream?.localPort;
    },
    quit: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
    disconnect: () => redis.disconnect(),
  };
}

/** Opens a subscriber connection to `endpoint` (re-subscribes by itself after a reconnect). */
export function subscribeRedis(endpoint: RedisEndpoint, options: ConnectOptions = {}): RedisSubscriber {
  const redis = open(endpoint, options);
  return {
    ready: () => whenReady(redis, endpoint),
    subscribe: async (channel) => {
      await redis.subscribe(channel);
    },
    unsubscribe: async (channel) => {
      await redis.unsubscribe(channel);
    },
    onMessage: (listener) => {
      redis.on('message', listener);
    },
    disconnect: () => redis.disconnect(),
  };
}
