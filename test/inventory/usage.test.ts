// CPU time and peak memory of a process, read from /proc.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processUsage } from '../../src/inventory/usage.js';

describe('processUsage', () => {
  it('reads the CPU time and peak memory of this process', () => {
    const before = processUsage(process.pid)!;
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 150_000); // 150 ms of CPU, however busy the machine
    const after = processUsage(process.pid)!;
    expect(after.cpuMs - before.cpuMs).toBeGreaterThanOrEqual(100);
    expect(after.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(after.peakRssBytes).toBeGreaterThanOrEqual(after.rssBytes);
  });

  it('counts the CPU of children it waited for apart from its own', async () => {
    const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 200000);']);
    const before = processUsage(process.pid)!.childrenCpuMs;
    await once(child, 'close');
    expect(processUsage(process.pid)!.childrenCpuMs - before).toBeGreaterThanOrEqual(150);
  });

  it('is undefined for a process that is gone', () => {
    expect(processUsage(2 ** 22 + 1)).toBeUndefined();
  });
});
