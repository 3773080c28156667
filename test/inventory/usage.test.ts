// CPU time and peak memory of a process, read from /proc.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processUsage } from '../../src/inventory/usage.js';

describe('processUsage', () => {
  it('reads the CPU time and peak memory of this process', () => {
    const before = processUsage(process.pid)!;
    const until = Date.now() + 150;
    while (Date.now() < until); // 150 ms of CPU
    const after = processUsage(process.pid)!;
    expect(after.cpuMs - before.cpuMs).toBeGreaterThanOrEqual(100);
    expect(after.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(after.peakRssBytes).toBeGreaterThanOrEqual(after.rssBytes);
  });

  it('counts the CPU of children it waited for apart from its own', async () => {
    const child = spawn(process.execPath, ['-e', 'const t = Date.now() + 200; while (Date.now() < t);']);
    const before = processUsage(process.pid)!.childrenCpuMs;
    await once(child, 'close');
    expect(processUsage(process.pid)!.childrenCpuMs - before).toBeGreaterThanOrEqual(150);
  });

  it('is undefined for a process that is gone', () => {
    expect(processUsage(2 ** 22 + 1)).toBeUndefined();
  });
});
