// What a polling observer's gaps can hide, from the kernel's state machine: the states a socket
// must have passed between two sightings, those it may have passed, and none that last seconds.

import { describe, expect, it } from 'vitest';
import { matchWithGaps, statesBetween, withGaps } from '../../src/expect/implied.js';

describe('statesBetween', () => {
  it('names the states every way between two sightings goes through', () => {
    expect(statesBetween('ESTABLISHED', 'LAST_ACK')).toEqual({ certain: ['CLOSE_WAIT'], possible: [] });
    expect(statesBetween('ESTABLISHED', 'FIN_WAIT2')).toEqual({ certain: ['FIN_WAIT1'], possible: [] });
    expect(statesBetween('LISTEN', 'ESTABLISHED')).toEqual({ certain: ['SYN_RECV'], possible: [] });
    expect(statesBetween('ESTABLISHED', 'TIME_WAIT')).toEqual({ certain: ['FIN_WAIT1'], possible: ['FIN_WAIT2', 'CLOSING'] });
  });

  it('claims nothing certain where one transition (a reset) may have done it', () => {
    expect(statesBetween('ESTABLISHED', 'CLOSED')).toEqual({ certain: [], possible: ['CLOSE_WAIT', 'LAST_ACK'] });
    expect(statesBetween('FIN_WAIT1', 'CLOSED')).toEqual({ certain: [], possible: [] });
  });

  it('never takes TIME_WAIT (60 s) or LISTEN as passed unseen', () => {
    expect(statesBetween('ESTABLISHED', undefined).possible).not.toContain('TIME_WAIT');
    expect(statesBetween('FIN_WAIT2', 'CLOSED').possible).toEqual([]);
  });
});

describe('matchWithGaps', () => {
  it('matches a path through a certain state, and marks one through a possible state as uncertain', () => {
    expect(matchWithGaps(['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK'], withGaps(['ESTABLISHED', 'LAST_ACK']))).toMatchObject({ certain: true, inferred: ['CLOSE_WAIT'] });
    expect(matchWithGaps(['ESTABLISHED', 'CLOSE_WAIT'], withGaps(['ESTABLISHED', 'CLOSED']))).toMatchObject({ certain: false, inferred: ['CLOSE_WAIT'] });
    expect(matchWithGaps(['ESTABLISHED', 'CLOSING'], withGaps(['ESTABLISHED', 'CLOSED']))).toBeUndefined();
    expect(matchWithGaps(['ESTABLISHED', 'FIN_WAIT2'], withGaps(['ESTABLISHED', 'FIN_WAIT2']))).toBeUndefined();
  });
});
