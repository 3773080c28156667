// One captured segment as an arrow: its kind on the ladder, its numbers, and which SYN or FIN it
// is the first to acknowledge (what moves the receiver on).

import { describe, expect, it } from 'vitest';
import type { Side, Wire } from '../../src/ladder/events.js';
import { kindOf, markAcked, wireOf } from '../../src/ladder/wire.js';
import type { SegmentJson } from '../../src/runner/result.js';

function segment(over: Partial<SegmentJson>): SegmentJson {
  return {
    atMs: 1, src: '127.0.0.1:50000', dst: '127.0.0.1:40000', flags: 'ACK', seq: 1000, ack: 2000, relSeq: 1, relAck: 1,
    win: 65536, len: 0, options: {}, analysis: [], ...over,
  };
}

describe('kindOf', () => {
  it('names a segment by its control flag first, then by what the analysis or its payload makes it', () => {
    expect(kindOf(segment({ flags: 'SYN' }))).toBe('SYN');
    expect(kindOf(segment({ flags: 'SYN|ACK' }))).toBe('SYN-ACK');
    expect(kindOf(segment({ flags: 'FIN|PSH|ACK', len: 100 }))).toBe('FIN');
    expect(kindOf(segment({ flags: 'RST|ACK' }))).toBe('RST');
    expect(kindOf(segment({ flags: 'PSH|ACK', len: 100 }))).toBe('data');
    expect(kindOf(segment({ len: 1, analysis: ['zero-window-probe'] }))).toBe('probe');
    expect(kindOf(segment({ analysis: ['zero-window'] }))).toBe('window');
    expect(kindOf(segment({ analysis: ['window-update'] }))).toBe('window');
    expect(kindOf(segment({ analysis: ['keep-alive'] }))).toBe('ACK');
    expect(kindOf(segment({}))).toBe('ACK');
  });
});

describe('wireOf', () => {
  it('keeps the relative numbers for the label and the absolute ones beside them; no ack without the ACK flag', () => {
    expect(wireOf(segment({ flags: 'SYN', seq: 77, relSeq: 0, ack: 0, relAck: 0 }), false)).toMatchObject({ flags: 'SYN', seq: 0, rawSeq: 77 });
    expect(wireOf(segment({ flags: 'SYN', seq: 77, relSeq: 0 }), false)).not.toHaveProperty('ack');
    expect(wireOf(segment({ flags: 'SYN|ACK', seq: 5, relSeq: 0, ack: 78, relAck: 1 }), false)).toMatchObject({ seq: 0, ack: 1, rawSeq: 5, rawAck: 78 });
  });

  it('drops the analysis of a self-connect, whose two directions are one flow to it', () => {
    const s = segment({ flags: 'SYN|ACK', analysis: ['retransmission'] });
    expect(wireOf(s, false).analysis).toEqual(['retransmission']);
    expect(wireOf(s, true).analysis).toEqual([]);
  });
});

describe('markAcked', () => {
  const arrow = (from: Side, flags: string, seq: number, ack: number | undefined, len = 0, lost = false) =>
    ({ from, lost, wire: { flags, seq, rawSeq: seq, ...(ack !== undefined ? { ack } : {}), len, win: 0, options: {}, analysis: [] } as Wire });

  it('marks the first segment to acknowledge each SYN and each FIN, and nothing else', () => {
    const arrows = [
      arrow('client', 'SYN', 0, undefined), arrow('server', 'SYN|ACK', 0, 1), arrow('client', 'ACK', 1, 1),
      arrow('client', 'PSH|ACK', 1, 1, 64), arrow('server', 'ACK', 1, 65),
      arrow('client', 'FIN|ACK', 65, 1), arrow('server', 'ACK', 1, 65), arrow('server', 'ACK', 1, 66), arrow('server', 'ACK', 1, 66),
    ];
    markAcked(arrows);
    expect(arrows.map((a) => a.wire.acked ?? '')).toEqual(['', 'SYN', 'SYN', '', '', '', '', 'FIN', '']);
  });

  it('skips a lost segment: the next one to acknowledge is the one that counts', () => {
    const arrows = [arrow('client', 'SYN', 0, undefined), arrow('server', 'SYN|ACK', 0, 1), arrow('client', 'ACK', 1, 1, 0, true), arrow('client', 'ACK', 1, 1)];
    markAcked(arrows);
    expect(arrows.map((a) => a.wire.acked ?? '')).toEqual(['', 'SYN', '', 'SYN']);
  });
});
