// What the observers saw, gathered from real lab results (test/fixtures/tour/all.json, captured
// with `tcplab run --all --json`): the states each lab showed and the transitions taken.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countObserved, observe, stateFlags, TOUR_STATES } from '../../src/ladder/observed.js';
import type { LabResult } from '../../src/runner/result.js';

const all = (JSON.parse(readFileSync(new URL('../fixtures/tour/all.json', import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;

describe('observe', () => {
  it('finds all eleven states in a full run, each with the labs it was seen in', () => {
    const o = observe(all);
    expect(countObserved(o)).toBe(11);
    expect(o.seenIn.CLOSING).toEqual(['closing']);
    expect(o.seenIn.LAST_ACK).toContain('last-ack');
    expect(o.seenIn.SYN_SENT).toEqual(['syn-sent']);
    expect(Object.keys(stateFlags(o))).toEqual([...TOUR_STATES]);
  });

  it('counts CLOSED only for a socket seen before that left the table', () => {
    const refused = all.filter((r) => r.name === 'refused');
    expect(observe(refused).seenIn.CLOSED).toEqual([]);
    expect(observe(all.filter((r) => r.name === 'reset')).seenIn.CLOSED).toEqual(['reset']);
  });

  it('infers how a socket entered the table: a listener from CLOSED, a request socket from LISTEN', () => {
    const o = observe(all);
    expect(o.transitions.get('CLOSED>LISTEN')).toContain('handshake');
    expect(o.transitions.get('LISTEN>SYN_RECV')).toEqual(['syn-recv']);
    expect(o.transitions.get('CLOSED>SYN_SENT')).toEqual(['syn-sent']);
  });
});
