// The trace observer's tracefs instance (instances/tcplab-<cli pid>-<random>) is removed on every
// exit path: pass, fail, timeout, SIGINT, SIGTERM, and a crash (SIGKILL) of the lab's process.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { CLI, isRoot, processesMatching, ROOT, STRICT, eventually } from '../helpers.js';

/** Names of the tracefs instances that exist right now. */
function instances(): string[] {
  const script = 'if [ -d /sys/kernel/tracing/instances ]; then ls /sys/kernel/tracing/instances; else d=$(mktemp -d) && mount -t tracefs nodev "$d" && ls "$d/instances"; umount "$d"; rmdir "$d"; fi';
  return spawnSync('unshare', ['--mount', '--', 'sh', '-c', script], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}


/** Runs the CLI with the trace observer; `interrupt` acts once the lab printed READY. */
function runTraced(args: string[], interrupt?: (cli: ReturnType<typeof spawn>) => void) {
  const cli = spawn(process.execPath, [CLI, 'run', '--observer', 'trace', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let sawInstance = false;
  cli.stdout!.on('data', (d) => {
    out += d;
    if (interrupt && out.includes('READY')) {
      sawInstance = instances().some((n) => n.startsWith(`tcplab-${cli.pid}-`));
      interrupt(cli);
      interrupt = undefined;
    }
  });
  return new Promise<{ code: number | null; out: string; pid: number; sawInstance: boolean }>((resolve) =>
    cli.on('close', (code) => resolve({ code, out, pid: cli.pid!, sawInstance })));
}

/** No instance of that CLI's labs, and no folder a lab mounted tracefs on. */
const mine = (pid: number) => () =>
  !instances().some((n) => n.startsWith(`tcplab-${pid}-`)) && !readdirSync(os.tmpdir()).some((n) => n.startsWith(`tcplab-${pid}-`));

describe.skipIf(!isRoot() && !STRICT)('tracefs instance cleanup', () => {
  it('after a lab that passes and one that fails', async () => {
    const r = await runTraced(['handshake', 'test/fixtures/labs/wrong.lab.ts']);
    expect(r.code).toBe(1);
    expect(await eventually(mine(r.pid))).toBe(true);
  });

  it('after a timeout', async () => {
    const r = await runTraced(['test/fixtures/labs/hangs.lab.ts']);
    expect(r.out).toContain('exceeded its timeout');
    expect(await eventually(mine(r.pid))).toBe(true);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`after ${signal}`, async () => {
      const r = await runTraced(['test/fixtures/labs/holds.lab.ts'], (cli) => cli.kill(signal));
      expect(r.sawInstance).toBe(true);
      expect(await eventually(mine(r.pid))).toBe(true);
    });
  }

  it('after the lab\'s process is killed (SIGKILL)', async () => {
    const r = await runTraced(['test/fixtures/labs/holds.lab.ts'], () => {
      const lab = processesMatching('holds.lab.ts').find((l) => l.includes('runner/child') && l.includes('"observer":"trace"'));
      process.kill(Number(lab!.trim().split(/\s+/)[0]), 'SIGKILL');
    });
    expect(r.sawInstance).toBe(true);
    expect(r.out).toContain('killed by SIGKILL');
    expect(await eventually(mine(r.pid))).toBe(true);
  });
});
