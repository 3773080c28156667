// Types of the matcher trial worker, for the suite's small run.

/** The matcher forms with their must-pass and must-fail scenarios. */
export const FORMS: Record<string, unknown>;
/** Runs `trials` trials of one cell; the tally of right, wrong and undecided verdicts. */
export function runCell(form: string, scenario: 'pass' | 'fail', observer: 'trace' | 'proc', trials: number): Promise<{
  form: string; scenario: string; observer: string; trials: number; right: number; wrong: number; undecided: number; examples: string[];
}>;
