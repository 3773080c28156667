// The verdict suite's small run for the vitest matchers (the full one is scripts/bench-verdicts.mjs):
// every form in a scenario where it must pass and one where it must fail, 20 trials each with a
// random 0-5 ms delay between the action and the assertion, with the trace (root) and /proc polls,
// as root and as nobody. No verdict may be wrong; none of these scenarios leaves a poll undecided.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asNobody, cannotRun, isRoot, readableRoot } from '../helpers.js';

const TRIALS = 20;
const WORKER = path.join('scripts', 'verdicts', 'matcher-trials.mjs');

interface Tally {
  form: string;
  scenario: string;
  trials: number;
  right: number;
  wrong: number;
  undecided: number;
  examples: string[];
}

// The forms, as the worker defines them (imported from the built worker the suite runs).
const { FORMS } = await import('../../scripts/verdicts/matcher-trials.mjs');

/** Runs one cell in a process of its own (as `user` when given). */
function cell(form: string, scenario: string, observer: string, user?: string): Promise<Tally> {
  const root = user ? readableRoot(user) : process.cwd();
  const argv = [path.join(root, WORKER), form, scenario, observer, String(TRIALS)];
  const [cmd, args] = user ? ['runuser', ['-u', user, '--', process.execPath, ...argv]] : [process.execPath, argv];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Tally) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

function cells(observer: 'trace' | 'proc', user?: string): void {
  for (const form of Object.keys(FORMS)) {
    for (const scenario of ['pass', 'fail']) {
      it(`${form}: must ${scenario}, ${TRIALS} trials racing the action`, async () => {
        const t = await cell(form, scenario, observer, user);
        expect(t.trials).toBe(TRIALS);
        expect({ wrong: t.wrong, undecided: t.undecided, examples: t.examples }).toEqual({ wrong: 0, undecided: 0, examples: [] });
      });
    }
  }
}

describe('matcher verdicts, trace (root)', () => {
  if (!isRoot()) return cannotRun('needs root to trace', 'strict mode: run the suite as root so the trace observer is measured');
  cells('trace');
});

describe('matcher verdicts, proc', () => cells('proc'));

describe('matcher verdicts, proc as nobody', () => asNobody(() => cells('proc', 'nobody')));
