// One owner's hold of one lock, shared by its nested leases: the token, the fencing number,
// when it expires by this process's clock, the optional watchdog that renews it, and the
// report of its loss (an aborted signal and a resolved `lost` promise, never silence).

import { performance } from 'node:perf_hooks';
import { LockError } from './errors.js';

/** Lease renewal: extend the TTL every `everyMs` while held, for at most `maxHoldMs` in all. */
export interface RenewOptions {
  /** Default: a third of the TTL. */
  everyMs?: number;
  /** The hold is never renewed past this long after the acquisition; it then expires. */
  maxHoldMs: number;
}

/** What a hold needs from its client: renew the key while it is still this token's. */
export interface HoldBackend {
  /** Resolves true when Redis still held the token and extended it to `ttlMs`. */
  extend(hold: Hold, ttlMs: number): Promise<boolean>;
}

/** The state of one owner's hold on one key. */
export class Hold {
  /** Leases of this hold not yet released (nesting depth, as this process counts it). */
  depth = 0;
  readonly acquiredAt: number;
  /** By this process's monotonic clock: the hold is surely gone at this time unless renewed. */
  expiresAt: number;
  private readonly controller = new AbortController();
  private resolveLost!: (err: LockError) => void;
  /** Resolves (never rejects) with the reason once the hold is lost. */
  readonly lost: Promise<LockError>;
  private expiry: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private ended = false;
  /** Set while a lock handed over is not yet confirmed: the TTL it was handed over with. */
  private claimMs: number | undefined;
  /** The latest renewal ends the hold at its maximum hold time (not extended again). */
  private atMaximum = false;

  constructor(
    readonly key: string,
    readonly token: string,
    readonly fence: number,
    readonly ttlMs: number,
    /** By this process's clock, no later than when Redis stored the token with its TTL. */
    acquiredAt: number,
    private readonly backend: HoldBackend,
    private readonly renew: RenewOptions | undefined,
    /** The TTL Redis stored, when shorter than `ttlMs`: a lock handed over, until `confirm()`. */
    heldForMs = ttlMs,
  ) {
    this.acquiredAt = acquiredAt;
    this.expiresAt = acquiredAt + heldForMs;
    if (heldForMs < ttlMs) this.claimMs = heldForMs;
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    this.armExpiry();
    if (renew) this.startWatchdog(renew);
  }

  /** Aborted, with the LockError as its reason, when the hold is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The loss, once known. */
  get lostError(): LockError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as LockError) : undefined;
  }

  /** A nested acquisition (sent at `sentAt`) extended the keys to at least `ttlMs`. */
  touched(sentAt: number, ttlMs: number): void {
    if (sentAt + ttlMs > this.expiresAt) {
      this.expiresAt = sentAt + ttlMs;
      this.armExpiry();
    }
  }

  /** Reports the loss once: aborts the signal, resolves `lost`, stops the timers. */
  markLost(err: LockError): void {
    if (this.controller.signal.aborted) return;
    this.stopTimers();
    this.controller.abort(err);
    this.resolveLost(err);
  }

  /** The hold ended normally (freed in Redis, or its client closed): no more timers. */
  end(): void {
    this.ended = true;
    this.stopTimers();
  }

  private stopTimers(): void {
    clearTimeout(this.expiry);
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private armExpiry(): void {
    clearTimeout(this.expiry);
    const left = this.expiresAt - performance.now();
    this.expiry = setTimeout(() => {
      if (!this.ended) this.expired();
    }, Math.max(0, left));
    this.expiry.unref();
  }

  /** Reports the TTL's end: at the maximum hold, before a handover's confirmation, or unrenewed. */
  private expired(): void {
    const atMaximum = this.atMaximum || (this.renew !== undefined && performance.now() >= this.acquiredAt + this.renew.maxHoldMs - this.ttlMs);
    this.markLost(new LockError('expired', this.key, atMaximum && this.renew
      ? `held for its maximum of ${this.renew.maxHoldMs} ms; no longer renewed, its TTL ran out`
      : this.claimMs !== undefined
        ? `handed over with a TTL of ${this.claimMs} ms, which ran out before the confirmation came back`
        : `its TTL of ${this.ttlMs} ms ran out before it was released${this.renew ? ' (renewals failed)' : ''}`));
  }

  /** Extends a lock handed over to its TTL, in the background; a refusal is reported as a loss. */
  confirm(): void {
    this.extend('the lock handed over was gone before it was confirmed (its claim ran out, or Redis forgot it)');
  }

  /** Extends the keys to the TTL (never past the maximum hold); `refused` says what a refusal means. */
  private extend(refused: string): void {
    const sentAt = performance.now();
    // Never renew past the maximum hold: the last renewal ends at acquiredAt + maxHoldMs.
    const left = this.renew ? Math.floor(this.acquiredAt + this.renew.maxHoldMs - sentAt) : Infinity;
    const ttl = Math.min(this.ttlMs, left);
    if (ttl <= 0) {
      this.atMaximum = true;
      clearInterval(this.watchdog);
      return;
    }
    this.backend.extend(this, ttl).then(
      (held) => {
        if (this.ended || this.controller.signal.aborted) return;
        if (!held) {
          // Sent after the TTL it had was due to run out (a late watchdog on a loaded machine, or
          // the last renewal at the maximum hold): the key expired; nobody took it.
          if (sentAt >= this.expiresAt) this.expired();
          else this.markLost(new LockError('lost', this.key, refused));
          return;
        }
        this.claimMs = undefined;
        this.atMaximum = left <= this.ttlMs;
        this.expiresAt = sentAt + ttl;
        this.armExpiry();
      },
      // A failed renewal (connection down) is retried at the next tick; the expiry timer
      // reports the loss if none succeeds in time.
      () => {},
    );
  }

  private startWatchdog(renew: RenewOptions): void {
    const every = renew.everyMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    this.watchdog = setInterval(() => this.extend('a renewal found the lock no longer held by this owner (expired, taken, or Redis forgot it)'), every);
    this.watchdog.unref();
  }
}
