import { describe, expect, it } from 'vitest';
import { analyzeSegments } from '../../src/capture/analysis.js';
import type { Segment } from '../../src/capture/segment.js';
import { FIXTURES, num, packetsOf, readFixture, tcplabAnalysis } from './fixtures.js';
import { SEQUENCES, sequencePackets } from './sequences.js';

describe('analyzeSegments on the dumpcap fixtures, against tshark', () => {
  it.each(FIXTURES)('%s: relative numbers, scaled windows, analysis flags and streams', (name) => {
    const fixture = readFixture(name);
    const segments = analyzeSegments(packetsOf(fixture));
    const expected = tcplabAnalysis(fixture.rows);
    segments.forEach((s, i) => {
      const row = fixture.rows[i]!;
      expect({
        relSeq: s.relSeq,
        relAck: s.relAck,
        win: s.win,
        analysis: [...s.analysis].sort(),
        stream: s.stream,
      }, `${name} frame ${row['frame.number']}`).toEqual({
        relSeq: num(row, 'tcp.seq'),
        // Without the ACK flag tshark shows the raw field; we report 0 (Linux sends 0 there).
        relAck: s.flags.includes('ACK') ? num(row, 'tcp.ack') : 0,
        win: num(row, 'tcp.window_size'),
        analysis: expected[i],
        stream: num(row, 'tcp.stream'),
      });
    });
  });

  it('starts a new stream where tshark sees port numbers reused', () => {
    for (const name of FIXTURES) {
      const fixture = readFixture(name);
      const segments = analyzeSegments(packetsOf(fixture));
      const lastStream = new Map<string, number>();
      segments.forEach((s, i) => {
        const tuple = [s.src, s.dst].map((e) => `${e.address}|${e.port}`).sort().join(' ');
        const before = lastStream.get(tuple);
        lastStream.set(tuple, s.stream!);
        const reused = before !== undefined && before !== s.stream;
        expect(reused, `${name} frame ${i + 1}`).toBe(fixture.rows[i]!['tcp.analysis.reused_ports'] !== '');
      });
    }
    const reset = analyzeSegments(packetsOf(readFixture('reset')));
    expect(new Set(reset.map((s) => s.stream))).toEqual(new Set([0, 1]));
  });

  it('the fixtures show most of the flags (re-capture may move the timing-dependent ones)', () => {
    const seen = new Set(FIXTURES.flatMap((name) => analyzeSegments(packetsOf(readFixture(name))).flatMap((s) => s.analysis)));
    for (const flag of [
      'retransmission', 'spurious-retransmission', 'out-of-order', 'lost-segment', 'duplicate-ack', 'zero-window',
      'keep-alive', 'keep-alive-ack', 'window-update', 'window-full',
    ] as const) {
      expect(seen, flag).toContain(flag);
    }
  });

  it('does not scale windows when the handshake was not captured', () => {
    const segments = analyzeSegments(packetsOf(readFixture('no-handshake')));
    for (const s of segments) expect(s.win).toBe(s.rawWin);
    // Each side's first segment is 1, as Wireshark numbers it without the SYN.
    expect(segments[0]!.relSeq).toBe(1);
  });
});

describe('analyzeSegments on hand-made connections (packet-tcp.c rules)', () => {
  it.each(Object.keys(SEQUENCES))('%s', (name) => {
    const sequence = SEQUENCES[name]!;
    const segments: Segment[] = analyzeSegments(sequencePackets(sequence));
    for (const [index, flags] of Object.entries(sequence.expected)) {
      expect(segments[Number(index)]!.analysis, `${name} segment ${index}`).toEqual(flags);
    }
  });

  it('scales only the side whose window scale was seen, when the SYN was not captured', () => {
    const segments = analyzeSegments(sequencePackets(SEQUENCES['synack-only']!));
    expect(segments.map((s) => s.win)).toEqual([65535, 512, 512 * 128, 512]);
  });

  it('keeps a conversation when a SYN is sent again with the same ISN', () => {
    const fixture = readFixture('retransmit-syn');
    const segments = analyzeSegments(packetsOf(fixture));
    expect(segments[1]).toMatchObject({ flags: ['SYN'], analysis: ['retransmission'], stream: 0 });
  });
});
