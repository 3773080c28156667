// Lab expectations as a lab's author meets them: a state that does not exist is a usage error
// at its line, at once, in JavaScript labs too (TypeScript's types catch it earlier).

import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { tcplab } from '../helpers.js';

describe('lab expectations', () => {
  it('an unknown state fails at its line with the valid names, without waiting for the deadline', async () => {
    const started = Date.now();
    const r = await tcplab(['run', 'test/fixtures/labs/bad-state.lab.js', '--observer', 'proc', '--json']);
    const lab = (JSON.parse(r.stdout) as { labs: LabResult[] }).labs[0]!;
    expect(r.code).toBe(1);
    expect(lab.status).toBe('failed');
    expect(lab.failure).toBe('test/fixtures/labs/bad-state.lab.js:9: unknown TCP state `NOT_A_STATE`; the states are ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSED, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING');
    // The expectation's own deadline was 5 s: the usage error came before it.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
