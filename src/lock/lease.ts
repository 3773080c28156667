// A lease: one successful acquisition, released exactly once. Nested leases of one owner share
// a hold; the lock is freed in Redis when the last of them is released. Releasing twice is an
// error (an unbalanced release), and so is releasing a hold that was lost.

import { LockError } from './errors.js';
import type { Hold } from './hold.js';

/** What a lease needs from its client to release. */
export interface LeaseBackend {
  /** Runs the owner-checked release: holds left (0 = freed), or -1 when not this token's. */
  release(hold: Hold): Promise<number>;
  /** The hold's last lease was released (or the hold was lost): forget it. */
  forget(hold: Hold): void;
}

/** One acquisition of a lock; call `release()` exactly once. */
export class Lease {
  private released = false;

  constructor(
    private readonly hold: Hold,
    /** How deep this acquisition is nested (1 = outermost), as Redis counted it. */
    readonly depth: number,
    private readonly backend: LeaseBackend,
  ) {}

  get key(): string {
    return this.hold.key;
  }

  /** The owner's random token stored in Redis while it holds the lock. */
  get token(): string {
    return this.hold.token;
  }

  /**
   * The fencing token: strictly increasing over the holds of this key (INCR in the acquire
   * script); nested leases share their hold's. Pass it to the resource, which must refuse older ones.
   */
  get fence(): number {
    return this.hold.fence;
  }

  /** Aborted when the hold is lost, with the LockError as `reason`: hand it to the critical section. */
  get signal(): AbortSignal {
    return this.hold.signal;
  }

  /** Resolves (never rejects) with the reason when the hold is lost. */
  get lost(): Promise<LockError> {
    return this.hold.lost;
  }

  /** By this process's monotonic clock (performance.now()), when the hold surely ends unless renewed. */
  get expiresAt(): number {
    return this.hold.expiresAt;
  }

  /** Throws the loss if the hold is known to be lost (a check, not a guarantee: see fencing). */
  throwIfLost(): void {
    const lost = this.hold.lostError;
    if (lost) throw lost;
  }

  /**
   * Releases this acquisition; frees the lock when it was the owner's last. Rejects with
   * `unbalanced` on a second call and with `lost` when Redis no longer holds this owner's token.
   */
  async release(): Promise<void> {
    if (this.released) {
      throw new LockError('unbalanced', this.key, `released twice (nesting depth ${this.depth}): more releases than acquisitions`);
    }
    this.released = true;
    this.hold.depth -= 1;
    let left: number;
    try {
      left = await this.backend.release(this.hold);
    } finally {
      if (this.hold.depth <= 0) this.backend.forget(this.hold);
    }
    if (left === -1) {
      const known = this.hold.lostError;
      const err = new LockError('lost', this.key, `Redis no longer holds this owner's token, the release was refused (${known ? `loss already reported: ${known.detail}` : 'it expired, was taken, or Redis forgot it'})`);
      this.hold.markLost(err);
      throw err;
    }
    if (left === 0) this.hold.end();
  }
}
