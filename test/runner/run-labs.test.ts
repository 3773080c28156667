// runLabs(), the library's way to run labs: the same child process per lab as the CLI, results
// as the JSON contract states them, bad names refused before anything runs.

import { describe, expect, it } from 'vitest';
import { runLabs } from '../../src/runner/run-labs.js';
import type { LabResult } from '../../src/runner/result.js';

describe('runLabs', () => {
  it('runs labs by name and file, in order, and reports each as it ends', async () => {
    const seen: string[] = [];
    const results = await runLabs(['half-close', 'test/fixtures/labs/wrong.lab.ts'], { observer: 'proc', onResult: (r: LabResult) => seen.push(r.name) });
    expect(results.map((r) => [r.name, r.status])).toEqual([['half-close', 'passed'], ['wrong-expectation', 'failed']]);
    expect(seen).toEqual(['half-close', 'wrong-expectation']);
    expect(results[1]!.failure).toMatch(/^test\/fixtures\/labs\/wrong\.lab\.ts:12: expected server /);
    expect(results[0]!.sockets.length).toBeGreaterThan(0);
  });

  it('refuses an unknown lab or observer before running any', async () => {
    let ran = 0;
    await expect(runLabs(['half-close', 'no-such-lab'], { onResult: () => ran++ })).rejects.toThrow(/^unknown lab `no-such-lab`/);
    await expect(runLabs(['half-close'], { observer: 'tcpdump' as 'proc' })).rejects.toThrow(/^unknown observer `tcpdump`/);
    expect(ran).toBe(0);
  });
});
