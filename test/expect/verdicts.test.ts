// The verdict suite's small run for the lab expectations (the full one is scripts/bench-verdicts.mjs):
// every expectation in a scenario where it must pass and one where it must fail, 20 trials each
// with a random 0-5 ms delay between the action and the assertion, inside one lab run per observer,
// as root and as nobody. No verdict may be wrong. The one scenario a poll cannot decide (a CLOSE_WAIT
// of microseconds under `never`) must be right or say "cannot decide", never pass.

import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { asNobody, cannotRun, hasProgram, isRoot, tcplab } from '../helpers.js';

const TRIALS = 20;
const LAB = 'scripts/verdicts/expectation-trials.lab.ts';

interface Verdict {
  form: string;
  scenario: string;
  outcome: 'right' | 'wrong' | 'undecided';
  message: string;
}

async function verdicts(observer: string, user?: string): Promise<Verdict[]> {
  const r = await tcplab(['run', LAB, '--observer', observer, '--json'], {
    ...(user ? { user } : {}),
    env: { ...process.env, NO_COLOR: '1', TCPLAB_VERDICT_TRIALS: String(TRIALS), TCPLAB_VERDICT_CELLS: 'all' },
  });
  const lab = (JSON.parse(r.stdout) as { labs: LabResult[] }).labs[0]!;
  expect(lab.failure ?? '', r.stderr).toBe('');
  return lab.events.filter((e) => e.kind === 'note' && e.detail?.startsWith('verdict ')).map((e) => JSON.parse(e.detail!.slice('verdict '.length)) as Verdict);
}

function run(observer: string, user?: string): void {
  it(`every expectation, must pass and must fail, ${TRIALS} trials each: no wrong verdict`, { timeout: 180_000 }, async () => {
    const all = await verdicts(observer, user);
    const cells = new Set(all.map((v) => `${v.form}|${v.scenario}`));
    expect(cells.size).toBe(25);
    for (const c of cells) expect(all.filter((v) => `${v.form}|${v.scenario}` === c)).toHaveLength(TRIALS);
    // Undecided only where a state lasts microseconds and the observer polls; the trace decides all.
    const undecided = all.filter((v) => v.outcome === 'undecided');
    expect(undecided.filter((v) => observer === 'trace' || `${v.form}|${v.scenario}` !== 'never|fail-brief')).toEqual([]);
    expect(undecided.every((v) => / cannot decide: expected .* never to reach CLOSE_WAIT; observed /.test(v.message))).toBe(true);
    expect(all.filter((v) => v.outcome === 'wrong')).toEqual([]);
  });
}

for (const observer of ['trace', 'proc', 'ss', 'netstat']) {
  describe(`expectation verdicts, ${observer}`, () => {
    if (observer === 'trace' && !isRoot()) return cannotRun('needs root to trace', 'strict mode: run the suite as root so the trace observer is measured');
    if (observer !== 'trace' && observer !== 'proc' && !hasProgram(observer)) return cannotRun(`needs ${observer}`, `strict mode: install ${observer === 'ss' ? 'iproute2' : 'net-tools'}`);
    run(observer);
  });
}

for (const observer of ['proc', 'ss', 'netstat']) {
  describe(`expectation verdicts, ${observer} as nobody`, () => asNobody(() => run(observer, 'nobody')));
}
