// Folding a bulk transfer into two arrows, and what never folds: SYN, FIN, RST, an analysis
// flag, the ACK of a SYN or FIN, a lost segment, or data alone.

import { describe, expect, it } from 'vitest';
import type { Side, Wire } from '../../src/ladder/events.js';
import { foldRuns, type WireEvent } from '../../src/ladder/fold.js';
import { kindOf } from '../../src/ladder/wire.js';

let t = 0;
function arrow(from: Side, flags: string, seq: number, ack: number, len = 0, over: Partial<Wire> = {}): WireEvent {
  const wire: Wire = { flags, seq, rawSeq: seq + 1000, ack, rawAck: ack + 5000, len, win: 65536, options: {}, analysis: [], ...over };
  return { kind: 'segment', atMs: ++t, approx: false, from, segment: kindOf({ flags, len, analysis: wire.analysis }), fate: 'arrives', detail: { kind: 'wire', wire } };
}

const summary = (events: WireEvent[]) => events.map((e) => {
  const w = e.detail.wire;
  return `${e.from} ${e.segment}${w.run ? ` x${w.run.segments}` : ''} seq=${w.seq} ack=${w.ack} len=${w.len}`;
});

describe('foldRuns', () => {
  it('folds data one way and the pure ACKs the other way into one data arrow and one ACK arrow', () => {
    const events = [
      arrow('client', 'FIN|ACK', 1, 1),
      arrow('server', 'ACK', 1, 2, 32768), arrow('client', 'ACK', 2, 32769), arrow('server', 'PSH|ACK', 32769, 2, 32768), arrow('client', 'ACK', 2, 65537),
      arrow('server', 'FIN|ACK', 65537, 2),
    ];
    const folded = foldRuns(events);
    expect(summary(folded)).toEqual([
      'client FIN seq=1 ack=1 len=0',
      'server data x2 seq=1 ack=2 len=65536',
      'client ACK x2 seq=2 ack=65537 len=0',
      'server FIN seq=65537 ack=2 len=0',
    ]);
    // The data arrow is at its first segment's time, the ACK arrow at its last one's.
    expect(folded[1]!.atMs).toBe(events[1]!.atMs);
    expect(folded[1]!.detail.wire.run).toEqual({ segments: 2, untilMs: events[3]!.atMs });
    expect(folded[2]!.atMs).toBe(events[4]!.atMs);
    expect(folded[1]!.detail.wire.rawSeq).toBe(1001);
  });

  it('leaves a single data segment and its ACK alone', () => {
    const events = [arrow('client', 'PSH|ACK', 1, 1, 100), arrow('server', 'ACK', 1, 101)];
    expect(summary(foldRuns(events))).toEqual(summary(events));
  });

  it('ends a run at a segment with an analysis flag, at data the other way, and at an ACK of a FIN', () => {
    const events = [
      arrow('client', 'ACK', 1, 1, 1000), arrow('client', 'ACK', 1001, 1, 1000),
      arrow('client', 'ACK', 1, 1, 1000, { analysis: ['retransmission'] }),
      arrow('client', 'ACK', 2001, 1, 1000), arrow('client', 'ACK', 3001, 1, 1000),
      arrow('server', 'ACK', 1, 4001, 0, { analysis: ['window-update'] }),
      arrow('client', 'ACK', 4001, 1, 1000), arrow('server', 'ACK', 1, 5001, 10), arrow('client', 'ACK', 5001, 11, 1000),
      arrow('client', 'ACK', 6001, 11, 1000), arrow('server', 'ACK', 11, 7001, 0, { acked: 'FIN' }),
    ];
    expect(summary(foldRuns(events))).toEqual([
      'client data x2 seq=1 ack=1 len=2000',
      'client data seq=1 ack=1 len=1000',
      'client data x2 seq=2001 ack=1 len=2000',
      'server window seq=1 ack=4001 len=0',
      'client data seq=4001 ack=1 len=1000',
      'server data seq=1 ack=5001 len=10',
      'client data x2 seq=5001 ack=11 len=2000',
      'server ACK seq=11 ack=7001 len=0',
    ]);
  });

  it('never folds a lost segment', () => {
    const events = [arrow('client', 'ACK', 1, 1, 1000), arrow('client', 'ACK', 1001, 1, 1000), { ...arrow('server', 'ACK', 1, 2001), fate: 'lost' as const }];
    expect(summary(foldRuns(events))).toEqual(['client data x2 seq=1 ack=1 len=2000', 'server ACK seq=1 ack=2001 len=0']);
    expect(foldRuns(events)[1]!.fate).toBe('lost');
  });
});
