// The one place a ladder is built: from the captured segments between the two columns when the
// result has them, from the inference otherwise, saying which and why. On recorded results
// (test/fixtures/ladder/captured.json: `tcplab run <the tour's labs> --json --observer proc` as
// root; test/fixtures/tour/all.json: from before captures), then on labs run here.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { castOf } from '../../src/ladder/cast.js';
import type { LadderEvent, Side } from '../../src/ladder/events.js';
import { segmentLabel, sourceLine } from '../../src/ladder/label.js';
import { ladderOf, type Ladder } from '../../src/ladder/ladder-events.js';
import { ladderWords } from '../../src/ladder/words.js';
import type { LabResult } from '../../src/runner/result.js';
import { hasProgram, isRoot, STRICT, tcplab } from '../helpers.js';

function labs(file: string): LabResult[] {
  return (JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
}

const captured = labs('ladder/captured.json');
const old = labs('tour/all.json');
const lab = (name: string, from = captured) => from.find((l) => l.name === name)!;
const en = ladderWords('en');

/** The arrows of a ladder as `side label`, lost ones marked `x`. */
function arrows(ladder: Ladder): string[] {
  return ladder.events.flatMap((e: LadderEvent) => (e.kind === 'segment' ? [`${e.from} ${segmentLabel(e.segment, e.detail, en)}${e.fate === 'lost' ? ' x' : ''}`] : []));
}

describe('ladderOf on recorded results', () => {
  it('draws every lab of the tour from its capture, with the capture\'s exact times', () => {
    for (const r of captured) {
      const ladder = ladderOf(r);
      expect(ladder.source, r.name).toBe('captured');
      if (ladder.source !== 'captured') continue;
      expect(ladder.dropped).toBe(0);
      const times = new Set(r.segments!.map((s) => s.atMs));
      for (const e of ladder.events) {
        expect(e.approx, r.name).toBe(false);
        if (e.kind === 'segment') expect(times.has(e.atMs), `${r.name} ${e.atMs}`).toBe(true);
      }
      expect(ladder.events.map((e) => e.atMs)).toEqual([...ladder.events.map((e) => e.atMs)].sort((a, b) => a - b));
    }
  });

  it('handshake: SYN, SYN-ACK, ACK with their relative numbers', () => {
    expect(arrows(ladderOf(lab('handshake')))).toEqual(['client SYN seq=0', 'server SYN-ACK seq=0 ack=1', 'client ACK seq=1 ack=1']);
  });

  it('half-close: the handshake, the client\'s FIN, the server\'s data folded, its FIN, the last ACK', () => {
    expect(arrows(ladderOf(lab('half-close')))).toEqual([
      'client SYN seq=0', 'server SYN-ACK seq=0 ack=1', 'client ACK seq=1 ack=1',
      'client FIN seq=1 ack=1', 'server ACK seq=1 ack=2',
      'server data 64 KiB (2 segments)', 'client ACK ack=65537',
      'server FIN seq=65537 ack=2', 'client ACK seq=2 ack=65538',
    ]);
  });

  it('keeps the observed states and Node\'s errors beside the arrows', () => {
    const ladder = ladderOf(lab('reset'));
    const observed = ladder.events.filter((e) => e.kind === 'observed').map((e) => `${(e as { side: Side }).side} ${(e as { state: string }).state}`);
    expect(observed).toContain('client CLOSED');
    expect(ladder.events.some((e) => e.kind === 'note' && e.note.kind === 'error' && e.note.code === 'ECONNRESET')).toBe(true);
    expect(arrows(ladder)).toContain('client RST seq=1 ack=1');
  });

  it('marks what the capture saw enter the namespace but no socket got: a SYN nobody answered, an ACK the firewall dropped', () => {
    expect(arrows(ladderOf(lab('syn-sent')))).toEqual(['client SYN seq=0 x', 'client SYN seq=0, retransmission x']);
    const synRecv = arrows(ladderOf(lab('syn-recv')));
    expect(synRecv.slice(0, 3)).toEqual(['client SYN seq=0', 'server SYN-ACK seq=0 ack=1', 'client ACK seq=1 ack=1 x']);
    expect(synRecv.filter((a) => a.endsWith(' x'))).toHaveLength(2);
  });

  it('stale-syn: the forged SYN (no socket of the lab sent it), the listener\'s SYN-ACK, the RST, and no connection', () => {
    const ladder = ladderOf(lab('stale-syn'));
    expect(arrows(ladder)).toEqual(['client SYN seq=0', 'server SYN-ACK seq=0 ack=1', 'client RST seq=1']);
    expect(ladder.events.some((e) => e.kind === 'note' && e.note.kind === 'no-connection')).toBe(true);
  });

  it('falls back to the inference, saying why: a result from before captures', () => {
    const ladder = ladderOf(lab('half-close', old));
    expect(ladder).toMatchObject({ source: 'inferred', because: { kind: 'not-recorded' } });
    expect(sourceLine(ladder, en)).toBe("arrows inferred from states and Node's events: this result holds no capture");
  });

  it('says the runner\'s reason when there was no capture', () => {
    const r: LabResult = { ...lab('half-close'), segments: undefined, capture: undefined, noCapture: 'turned off (--no-capture)' };
    const ladder = ladderOf(r);
    expect(ladder).toMatchObject({ source: 'inferred', because: { kind: 'no-capture', reason: 'turned off (--no-capture)' } });
    expect(sourceLine(ladder, en)).toBe("arrows inferred from states and Node's events: turned off (--no-capture)");
    expect(ladder.events.some((e) => e.kind === 'segment' && e.detail.kind === 'wire')).toBe(false);
  });

  it('infers when the capture holds nothing between the two columns', () => {
    const r = lab('half-close');
    const ladder = ladderOf({ ...r, segments: r.segments!.map((s) => ({ ...s, src: '127.0.0.9:1', dst: '127.0.0.9:2' })) });
    expect(ladder).toMatchObject({ source: 'inferred', because: { kind: 'none-between' } });
    expect(sourceLine(ladder, en)).toMatch(/^arrows inferred from states and Node's events: the capture holds no segment between A :\d+ and B :\d+$/);
  });

  it('counts the segments drawn and the packets the capture dropped', () => {
    const r = lab('syn-sent');
    const ladder = ladderOf({ ...r, capture: { packets: r.capture!.packets, dropped: 3 } });
    expect(ladder).toMatchObject({ source: 'captured', segments: 2, dropped: 3 });
    expect(sourceLine(ladder, en)).toBe('arrows captured: 2 segments, 3 dropped; seq and ack relative, as Wireshark shows them');
    expect(sourceLine(ladder, ladderWords('zh'))).toContain('丢失 3 个');
    expect(sourceLine(ladderOf({ ...r, capture: { packets: 2, dropped: null } }), en)).toBe('arrows captured: 2 segments, drops unknown; seq and ack relative, as Wireshark shows them');
  });

  it('draws between the columns a caller chooses', () => {
    const r = lab('half-close');
    const cast = castOf(r);
    expect(ladderOf(r, cast).cast).toBe(cast);
  });
});

/** A capture needs a namespace of the lab's own (root here), dumpcap and nft. */
const CAN_CAPTURE = isRoot() && hasProgram('dumpcap') && hasProgram('nft');
const WHY = 'capturing needs root, dumpcap (apt-get install wireshark-common) and nft (apt-get install nftables)';
if (!CAN_CAPTURE && !STRICT) console.warn(`skipping the captured ladders of real labs: ${WHY}`);

describe.skipIf(!CAN_CAPTURE && !STRICT)(`ladders of labs run here (${WHY})`, () => {
  it('handshake and half-close are drawn from their captured segments, with the real numbers', async () => {
    const run = await tcplab(['run', 'handshake', 'half-close', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [handshake, halfClose] = (JSON.parse(run.stdout) as { labs: LabResult[] }).labs;
    for (const r of [handshake!, halfClose!]) {
      expect(r.noCapture, r.name).toBeUndefined();
      expect(ladderOf(r).source, r.name).toBe('captured');
    }
    const h = ladderOf(handshake!);
    expect(arrows(h)).toEqual(['client SYN seq=0', 'server SYN-ACK seq=0 ack=1', 'client ACK seq=1 ack=1']);
    // The absolute numbers: the SYN-ACK acknowledges x+1, the ACK y+1.
    const wires = h.events.flatMap((e) => (e.kind === 'segment' && e.detail.kind === 'wire' ? [e.detail.wire] : []));
    expect(wires[1]!.rawAck).toBe((wires[0]!.rawSeq + 1) % 2 ** 32);
    expect(wires[2]!.rawAck).toBe((wires[1]!.rawSeq + 1) % 2 ** 32);
    const half = arrows(ladderOf(halfClose!));
    const finA = half.indexOf('client FIN seq=1 ack=1');
    const data = half.findIndex((a) => /^server data 64 KiB\b/.test(a));
    const finB = half.indexOf('server FIN seq=65537 ack=2');
    expect([finA, data, finB].every((i) => i >= 0), half.join('\n')).toBe(true);
    expect(finA).toBeLessThan(data);
    expect(data).toBeLessThan(finB);
    expect(half.at(-1)).toBe('client ACK seq=2 ack=65538');
  });

  it('with --no-capture the arrows are inferred, and the ladder says why', async () => {
    const run = await tcplab(['run', 'handshake', '--no-capture', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const r = (JSON.parse(run.stdout) as { labs: LabResult[] }).labs[0]!;
    expect(r.segments).toBeUndefined();
    const ladder = ladderOf(r);
    expect(ladder.source).toBe('inferred');
    expect(sourceLine(ladder, en)).toMatch(/^arrows inferred from states and Node's events: .*--no-capture/);
  });
});
