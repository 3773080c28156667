// The progress bar of a long wait: drawn on a terminal (a pty made by `script`), absent from
// piped output and from --json, also on a terminal.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, hasProgram, ROOT, STRICT, tcplab } from '../helpers.js';

const LAB = 'test/fixtures/labs/waits.lab.ts';

/** Runs the CLI in a pseudo-terminal and returns everything it wrote there. */
function onTerminal(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('script', ['-qfec', [process.execPath, CLI, ...args].join(' '), '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, COLUMNS: '120' } });
  return { code: r.status, out: r.stdout };
}

describe.skipIf(!hasProgram('script') && !STRICT)('progress of long waits', () => {
  it('shows a bar with what the lab waits for on a terminal, and erases it before the report', () => {
    const r = onTerminal(['run', LAB]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/█+░* \d\/6 s {2}waits: server waits for CLOSE_WAIT: now ESTABLISHED/);
    expect(r.out).toContain('PASS waits');
  });

  it('draws nothing when the output is piped, or JSON on a terminal', async () => {
    const piped = await tcplab(['run', LAB]);
    expect(piped.code).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/[█░]|\x1b\[\?25l/);
    const json = onTerminal(['run', LAB, '--json']);
    expect(json.code).toBe(0);
    expect(json.out).not.toMatch(/[█░]|\x1b\[\?25l/);
  });
});
