// Fidelity of the trace observer at scale: 10,000 short connections through one lab namespace,
// and every transition of every socket on the timeline, with no event lost by the kernel.

import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { isRoot, STRICT, tcplab } from '../helpers.js';

describe.skipIf(!isRoot() && !STRICT)('trace observer fidelity', () => {
  it('records every transition of 10,000 connections (0 lost)', async () => {
    const r = await tcplab(['run', 'test/fixtures/labs/ten-thousand.lab.ts', '--observer', 'trace', '--json']);
    const lab = JSON.parse(r.stdout).labs[0] as LabResult;
    expect(lab.failure ?? '').toBe('');
    expect(lab.status).toBe('passed');
    expect(lab.trace!.lost).toBe(0);
    // 10 transitions a connection (5 each side) and the listener's, plus resets and destructions.
    expect(lab.trace!.events).toBeGreaterThanOrEqual(100_000);
    const note = lab.events.find((e) => e.kind === 'note')!.detail!;
    expect(note).toBe('paths: 10000 × SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT; 10000 × SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED');
  }, 240_000);
});
