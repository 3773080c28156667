// The options of an acquisition, checked up front with messages that say what was expected
// and what was given, and their defaults.

import type { RenewOptions } from './hold.js';

/** How to acquire a lock. */
export interface AcquireOptions {
  /** Time to live of the hold in Redis, in ms (default 10 000). */
  ttlMs?: number;
  /** Give up after this many ms of waiting (default 10 000; 0 = one attempt). */
  deadlineMs?: number;
  /** Base delay between attempts while held, jittered to 50-150 % and cut short by a release (default 250). */
  retryMs?: number;
  /** Stops waiting; the acquisition then rejects with an `aborted` LockError. */
  signal?: AbortSignal;
  /** Renew the hold while it is held (a watchdog), up to a maximum hold time. */
  renew?: RenewOptions;
}

export interface CheckedAcquireOptions {
  ttlMs: number;
  deadlineMs: number;
  retryMs: number;
  signal: AbortSignal | undefined;
  renew: RenewOptions | undefined;
}

function shown(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected the \`${name}\` option to be ${min > 0 ? 'a positive' : 'a non-negative'} integer, got ${shown(value)}`);
  }
  return value;
}

/** Checks `options`, filling in the defaults; throws a TypeError naming the bad option. */
export function checkAcquireOptions(options: AcquireOptions = {}): CheckedAcquireOptions {
  const ttlMs = integer('ttlMs', options.ttlMs, 10_000, 1);
  const deadlineMs = integer('deadlineMs', options.deadlineMs, 10_000, 0);
  const retryMs = integer('retryMs', options.retryMs, 250, 1);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`Expected the \`signal\` option to be an AbortSignal, got ${shown(options.signal)}`);
  }
  let renew: RenewOptions | undefined;
  if (options.renew !== undefined) {
    if (options.renew.maxHoldMs === undefined) throw new TypeError('Expected the `renew.maxHoldMs` option to be a positive integer, got `undefined`');
    const maxHoldMs = integer('renew.maxHoldMs', options.renew.maxHoldMs, 0, 1);
    const everyMs = integer('renew.everyMs', options.renew.everyMs, Math.max(1, Math.floor(ttlMs / 3)), 1);
    if (everyMs >= ttlMs) {
      throw new TypeError(`Expected the \`renew.everyMs\` option to be less than \`ttlMs\` (${ttlMs}), got ${shown(everyMs)}`);
    }
    renew = { everyMs, maxHoldMs };
  }
  return { ttlMs, deadlineMs, retryMs, signal: options.signal, renew };
}

/** A delay of 50-150 % of `base`, so that waiters that failed together do not retry together. */
export function jitter(base: number): number {
  return base * (0.5 + Math.random());
}
