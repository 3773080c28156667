// Merging the kernel's transitions with samples of the socket table into observed states.

import { describe, expect, it } from 'vitest';
import { addMark, buildSpans, type Mark } from '../../src/timeline/spans.js';

function build(marks: Mark[]) {
  const all: Mark[] = [];
  for (const m of marks) addMark(all, m);
  return buildSpans(all).map((s) => [s.state, s.atMs, s.untilMs, s.tentative ?? false]);
}

describe('buildSpans', () => {
  it('turns samples alone into spans from first to last sighting, and absence into CLOSED', () => {
    expect(build([
      { kind: 'seen', atMs: 1, startedMs: 0.9, state: 'ESTABLISHED' },
      { kind: 'seen', atMs: 2, startedMs: 1.9, state: 'ESTABLISHED' },
      { kind: 'seen', atMs: 3, startedMs: 2.9, state: 'FIN_WAIT2' },
      { kind: 'absent', atMs: 4, startedMs: 3.9 },
    ])).toEqual([['ESTABLISHED', 1, 2, false], ['FIN_WAIT2', 3, 3, false], ['CLOSED', 4, 4, false]]);
  });

  it('gives transitions their exact times and ignores samples read before them', () => {
    expect(build([
      { kind: 'transition', atMs: 1, from: 'SYN_SENT', to: 'ESTABLISHED' },
      { kind: 'transition', atMs: 5.1, from: 'ESTABLISHED', to: 'FIN_WAIT1' },
      { kind: 'transition', atMs: 5.2, from: 'FIN_WAIT1', to: 'FIN_WAIT2' },
      // read from 5.0 to 5.5: it still showed ESTABLISHED, which the trace already explains
      { kind: 'seen', atMs: 5.5, startedMs: 5.0, state: 'ESTABLISHED' },
      { kind: 'seen', atMs: 7, startedMs: 6, state: 'FIN_WAIT2' },
    ])).toEqual([['SYN_SENT', 1, 1, false], ['ESTABLISHED', 1, 5.1, false], ['FIN_WAIT1', 5.1, 5.2, false], ['FIN_WAIT2', 5.2, 7, false]]);
  });

  it('turns a traced CLOSE into TIME_WAIT when the table shows the timewait socket', () => {
    expect(build([
      { kind: 'transition', atMs: 10, from: 'FIN_WAIT2', to: 'CLOSED' },
      { kind: 'seen', atMs: 12, startedMs: 11, state: 'TIME_WAIT' },
      { kind: 'seen', atMs: 13, startedMs: 12.5, state: 'TIME_WAIT' },
    ])).toEqual([['FIN_WAIT2', 10, 10, false], ['TIME_WAIT', 10, 13, false]]);
  });

  it('still turns a confirmed traced CLOSE into TIME_WAIT when a later read shows the timewait row', () => {
    // /proc is not read atomically: one read may skip the row, the next one shows it.
    expect(build([
      { kind: 'transition', atMs: 10, from: 'FIN_WAIT2', to: 'CLOSED' },
      { kind: 'absent', atMs: 12, startedMs: 11 },
      { kind: 'seen', atMs: 14, startedMs: 13, state: 'TIME_WAIT' },
    ])).toEqual([['FIN_WAIT2', 10, 10, false], ['TIME_WAIT', 10, 14, false]]);
  });

  it('confirms a traced CLOSE when the next sample does not show the socket', () => {
    expect(build([
      { kind: 'transition', atMs: 10, from: 'FIN_WAIT2', to: 'CLOSED' },
      { kind: 'absent', atMs: 12, startedMs: 11 },
    ])).toEqual([['FIN_WAIT2', 10, 10, false], ['CLOSED', 10, 10, false]]);
  });

  it('keeps an orphan\'s FIN_WAIT2 alive as the timewait socket that carries its name', () => {
    expect(build([
      { kind: 'transition', atMs: 1, from: 'FIN_WAIT1', to: 'FIN_WAIT2' },
      { kind: 'transition', atMs: 2, from: 'FIN_WAIT2', to: 'CLOSED' },
      { kind: 'seen', atMs: 4, startedMs: 3, state: 'FIN_WAIT2' },
      { kind: 'absent', atMs: 2004, startedMs: 2003 },
    ])).toEqual([['FIN_WAIT1', 1, 1, false], ['FIN_WAIT2', 1, 4, false], ['CLOSED', 2004, 2004, false]]);
  });

  it('folds long runs of identical sightings', () => {
    const marks: Mark[] = [];
    for (let i = 0; i < 1000; i += 1) addMark(marks, { kind: 'seen', atMs: i, startedMs: i - 0.5, state: 'TIME_WAIT' });
    expect(marks.length).toBe(2);
    expect(buildSpans(marks)).toMatchObject([{ state: 'TIME_WAIT', atMs: 0, untilMs: 999 }]);
  });
});
