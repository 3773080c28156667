// When the reader of stdout goes away (`tcplab ... | head -1`), every command stops quietly: no
// stack trace, exit status 141 as after SIGPIPE, no lab process left behind.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLI, eventually, processesMarked, ROOT } from '../helpers.js';

interface Closed {
  code: number | null;
  stderr: string;
}

/** Runs the CLI with a stdout whose reader is gone before the first write (as `| true`, or `| head` that has had enough). */
function withClosedStdout(args: string[], mark: string): Promise<Closed> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', TCPLAB_TEST_MARK: mark } });
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const STACK = /\n\s+at |Error:|EPIPE/;

describe('a closed stdout', () => {
  for (const [what, args] of [
    ['list', ['list']],
    ['run, lab after lab', ['run', 'half-close', 'active-close', 'reset', '--observer', 'proc']],
    ['run, a lab that prints', ['run', 'test/fixtures/labs/holds.lab.ts', '--observer', 'proc']],
    ['tour', ['tour', '--observer', 'proc']],
    ['count --watch', ['count', '--watch', '100']],
    ['watch', ['watch', '--port', '1', '--observer', 'proc']],
  ] as const) {
    it(`${what}: stops at once, quietly, exit 141`, async () => {
      const mark = randomBytes(6).toString('hex');
      const r = await withClosedStdout([...args], mark);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code).toBe(141);
      expect(await eventually(() => processesMarked(mark).length === 0, 5000)).toBe(true);
    });
  }
});
