// What an arrow says: a captured segment's kind and relative numbers as Wireshark shows them,
// what its analysis says, a folded run's size; shortened to fit; in both languages.

import { describe, expect, it } from 'vitest';
import type { SegmentKind, Wire } from '../../src/ladder/events.js';
import { segmentLabel } from '../../src/ladder/label.js';
import { ladderWords } from '../../src/ladder/words.js';

const en = ladderWords('en');
const zh = ladderWords('zh');

function wire(flags: string, seq: number, ack: number | undefined, over: Partial<Wire> = {}): { kind: 'wire'; wire: Wire } {
  return { kind: 'wire', wire: { flags, seq, rawSeq: seq + 7, ...(ack !== undefined ? { ack, rawAck: ack + 9 } : {}), len: 0, win: 0, options: {}, analysis: [], ...over } };
}

const label = (seg: SegmentKind, detail: ReturnType<typeof wire>, w = en, fits?: (l: string) => boolean) => segmentLabel(seg, detail, w, fits);

describe('segmentLabel of a captured segment', () => {
  it('gives the kind and the relative numbers', () => {
    expect(label('SYN', wire('SYN', 0, undefined))).toBe('SYN seq=0');
    expect(label('SYN-ACK', wire('SYN|ACK', 0, 1))).toBe('SYN-ACK seq=0 ack=1');
    expect(label('ACK', wire('ACK', 1, 1))).toBe('ACK seq=1 ack=1');
    expect(label('FIN', wire('FIN|ACK', 65, 1))).toBe('FIN seq=65 ack=1');
    expect(label('RST', wire('RST', 1, undefined))).toBe('RST seq=1');
    expect(label('data', wire('PSH|ACK', 1, 1, { len: 100 }))).toBe('data 100 B seq=1 ack=1');
    expect(label('FIN', wire('FIN|PSH|ACK', 1, 1, { len: 2048 }))).toBe('FIN 2 KiB seq=1 ack=1');
  });

  it('says what Wireshark\'s analysis says', () => {
    expect(label('probe', wire('ACK', 65536, 1, { len: 1, analysis: ['zero-window-probe'] }))).toBe('window probe seq=65536 ack=1');
    expect(label('window', wire('ACK', 1, 65537, { analysis: ['zero-window'] }))).toBe('ACK seq=1 ack=65537, window 0');
    expect(label('ACK', wire('ACK', 0, 1, { analysis: ['keep-alive'] }))).toBe('ACK seq=0 ack=1, keep-alive');
    expect(label('SYN', wire('SYN', 0, undefined, { analysis: ['retransmission'] }))).toBe('SYN seq=0, retransmission');
    expect(label('ACK', wire('ACK', 1, 1, { analysis: ['duplicate-ack'] }))).toBe('ACK seq=1 ack=1, dup ACK');
    expect(label('window', wire('ACK', 1, 2, { analysis: ['window-update'] }))).toBe('ACK seq=1 ack=2, window update');
  });

  it('gives a folded run its size and count, and its ACK only the acknowledgement', () => {
    expect(label('data', wire('ACK', 1, 2, { len: 65536, run: { segments: 45, untilMs: 9 } }))).toBe('data 64 KiB (45 segments)');
    expect(label('ACK', wire('ACK', 2, 65537, { run: { segments: 20, untilMs: 9 } }))).toBe('ACK ack=65537');
    expect(label('data', wire('ACK', 1, 2, { len: 65536, run: { segments: 45, untilMs: 9 } }), zh)).toBe('数据 64 KiB（45 个报文段）');
  });

  it('drops seq, then the numbers, where the full label does not fit', () => {
    const fits = (n: number) => (l: string) => l.length <= n;
    const w = wire('ACK', 1, 65537, { analysis: ['window-update'] });
    expect(label('window', w, en, fits(30))).toBe('ACK ack=65537, window update');
    expect(label('window', w, en, fits(20))).toBe('ACK, window update');
    expect(label('window', w, en, fits(5))).toBe('ACK');
  });

  it('speaks Chinese for the analysis', () => {
    expect(label('ACK', wire('ACK', 1, 1, { analysis: ['duplicate-ack'] }), zh)).toBe('ACK seq=1 ack=1, 重复 ACK');
  });
});

describe('segmentLabel of an inferred segment', () => {
  it('is unchanged: kind and detail, no numbers', () => {
    expect(segmentLabel('SYN', { kind: 'none' }, en)).toBe('SYN');
    expect(segmentLabel('data', { kind: 'bytes', bytes: 65536 }, en)).toBe('data 64 KiB');
    expect(segmentLabel('SYN', { kind: 'retry', n: 2 }, en)).toBe('SYN again (#2)');
  });
});
