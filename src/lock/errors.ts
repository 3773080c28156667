// Every way a lock operation can fail, as one error class with a code, so that a caller can
// switch over the codes and a message always says which key and what happened.

/**
 * Why a lock operation failed:
 * - `deadline`: not acquired before the acquire deadline;
 * - `aborted`: the caller's AbortSignal fired while waiting;
 * - `lost`: the hold is gone (expired, taken by another owner, forgotten by a restarted Redis);
 * - `expired`: the lease's time ran out before a renewal (or after its maximum hold time);
 * - `unbalanced`: a lease released twice (more releases than acquires);
 * - `closed`: the lock client was closed.
 */
export type LockErrorCode = 'deadline' | 'aborted' | 'lost' | 'expired' | 'unbalanced' | 'closed';

/** A failed lock operation: `code` says what kind, `key` which lock. */
export class LockError extends Error {
  override name = 'LockError';

  constructor(
    readonly code: LockErrorCode,
    readonly key: string,
    /** What happened, without the key. */
    readonly detail: string,
  ) {
    super(`lock ${JSON.stringify(key)}: ${detail}`);
  }
}

/** Whether `err` is a LockError, optionally of this code. */
export function isLockError(err: unknown, code?: LockErrorCode): err is LockError {
  return err instanceof LockError && (code === undefined || err.code === code);
}
