// The list of expectations a lab made, each with its outcome, for reports and JSON.

import type { Where } from '../actors/where.js';

export interface ExpectationRecord {
  text: string;
  where: Where;
  ok: boolean;
  observed: string;
  /** The observer could not tell (a state shorter than its period): not a pass, and not a guess. */
  undecided?: true;
  /** Not checked, and why (a packet expectation where no capture could be made): neither a pass nor a failure. */
  notChecked?: string;
}
