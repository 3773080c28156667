// The one failure format of the harness, packetdrill-style:
// `<file>:<line>: <what was expected>; observed <what happened> (<observer>, every <N> ms)`.

import type { Where } from '../actors/where.js';

/**
 * `undecided`: the observer cannot tell (a state shorter than its period), so no verdict is guessed;
 * `usage`: the lab asked for something that does not exist (a misspelt state).
 */
export type FailureKind = 'expectation' | 'undecided' | 'usage' | 'runtime' | 'timeout' | 'observer';

/** A lab failed: where, what kind, and the message line that says expected and observed. */
export class LabFailure extends Error {
  constructor(
    readonly where: Where,
    readonly kind: FailureKind,
    readonly detail: string,
  ) {
    super(`${where}: ${detail}`);
    this.name = 'LabFailure';
  }
}

/** The lab asked to be skipped. */
export class LabSkip extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'LabSkip';
  }
}

/** Milliseconds as reports print them: one decimal. */
export function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '?';
}
