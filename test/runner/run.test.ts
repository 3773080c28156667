// Nothing outlives a lab: after a failed expectation, a throw, a timeout, SIGINT, SIGTERM, a
// crashed lab process or a killed CLI, no socket of the lab is open and no lab process runs.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, liveSocketsOnPort, processesMatching, ROOT, tcplab, eventually } from '../helpers.js';


function portsOf(stdout: string): number[] {
  const doc = JSON.parse(stdout);
  return doc.labs.flatMap((l: { sockets: { local: string }[] }) => l.sockets.map((s) => Number(s.local.split(':').pop())));
}

/** Starts the CLI on a fixture lab and resolves once the lab printed READY port=N. */
function startHolding(file: string) {
  // On the host's loopback, so that the host's own socket table shows the lab's sockets.
  const child = spawn(process.execPath, [CLI, 'run', '--no-netns', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY port=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('close', () => reject(new Error(`the CLI exited before READY; printed: ${out}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out })));
  return { child, ready, exited };
}

describe('leaving nothing behind', () => {
  it('after a failed expectation', async () => {
    const r = await tcplab(['run', '--no-netns', 'test/fixtures/labs/wrong.lab.ts', '--json']);
    expect(r.code).toBe(1);
    for (const port of portsOf(r.stdout)) expect(liveSocketsOnPort(port)).toEqual([]);
    expect(processesMatching('wrong.lab.ts')).toEqual([]);
  });

  it('after the script throws', async () => {
    const r = await tcplab(['run', '--no-netns', 'test/fixtures/labs/throws.lab.ts', '--json']);
    expect(r.code).toBe(1);
    for (const port of portsOf(r.stdout)) expect(liveSocketsOnPort(port)).toEqual([]);
  });

  it('after the lab exceeds its timeout', async () => {
    const { ready, exited } = startHolding('test/fixtures/labs/hangs.lab.ts');
    const port = await ready;
    const { code, out } = await exited;
    expect(code).toBe(1);
    expect(out).toMatch(/hangs\.lab\.ts:9: lab 'hangs' exceeded its timeout of 300 ms; last step: client connect/);
    expect(liveSocketsOnPort(port)).toEqual([]);
    expect(processesMatching('hangs.lab.ts')).toEqual([]);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`after ${signal}`, async () => {
      const { child, ready, exited } = startHolding('test/fixtures/labs/holds.lab.ts');
      const port = await ready;
      expect(liveSocketsOnPort(port).length).toBeGreaterThan(0);
      child.kill(signal);
      const { code, out } = await exited;
      expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(out).toContain(`interrupted by ${signal}`);
      expect(liveSocketsOnPort(port)).toEqual([]);
      expect(await eventually(() => processesMatching('holds.lab.ts').length === 0)).toBe(true);
    });
  }

  it('when the lab process crashes (SIGKILL)', async () => {
    const { ready, exited } = startHolding('test/fixtures/labs/holds.lab.ts');
    const port = await ready;
    const lab = processesMatching('holds.lab.ts').find((l) => l.includes('runner/child'));
    expect(lab).toBeDefined();
    process.kill(Number(lab!.trim().split(/\s+/)[0]), 'SIGKILL');
    const { code, out } = await exited;
    expect(code).toBe(1);
    expect(out).toContain("the lab's process was killed by SIGKILL before reporting a result");
    expect(liveSocketsOnPort(port)).toEqual([]);
  });

  it('when the CLI itself is killed (SIGKILL)', async () => {
    const { child, ready, exited } = startHolding('test/fixtures/labs/holds.lab.ts');
    const port = await ready;
    child.kill('SIGKILL');
    await exited;
    expect(await eventually(() => processesMatching('holds.lab.ts').length === 0)).toBe(true);
    expect(await eventually(() => liveSocketsOnPort(port).length === 0)).toBe(true);
  });
});
