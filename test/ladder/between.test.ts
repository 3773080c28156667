// Which captured segments a ladder draws: those between its two columns, by address and port,
// forged ones included, other connections of the lab left out.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { senderOf } from '../../src/ladder/between.js';
import { castOf } from '../../src/ladder/cast.js';
import type { LabResult, SegmentJson } from '../../src/runner/result.js';

const labs = (JSON.parse(readFileSync(new URL('../fixtures/ladder/captured.json', import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
const lab = (name: string) => labs.find((l) => l.name === name)!;

function segment(src: string, dst: string): SegmentJson {
  return { atMs: 1, src, dst, flags: 'ACK', seq: 1, ack: 1, relSeq: 1, relAck: 1, win: 1, len: 0, options: {}, analysis: [] };
}

describe('senderOf', () => {
  it('tells the client\'s segments from the server\'s by their endpoints', () => {
    const r = lab('half-close');
    const sender = senderOf(castOf(r));
    expect(r.segments!.map((s) => [s.from, sender(s)])).toEqual(r.segments!.map((s) => [s.from, s.from === 'A' ? 'client' : 'server']));
  });

  it('leaves out the lab\'s other connections (syn-sent: the queued clients)', () => {
    const r = lab('syn-sent');
    const cast = castOf(r);
    expect(cast.client.socket?.name).toBe('late');
    const sender = senderOf(cast);
    const drawn = r.segments!.filter((s) => sender(s));
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.length).toBeLessThan(r.segments!.length);
    expect(drawn.every((s) => s.from === 'late' || s.to === 'late')).toBe(true);
  });

  it('keeps a forged packet between the cast\'s ports, though no socket of the lab sent it', () => {
    const r = lab('stale-syn');
    const sender = senderOf(castOf(r));
    const forged = r.segments!.find((s) => s.flags === 'SYN')!;
    expect(forged.from).toBeUndefined();
    expect(sender(forged)).toBe('client');
    expect(r.segments!.map(sender)).toEqual(['client', 'server', 'client']);
  });

  it('matches a v4-mapped socket to the IPv4 packets on the wire, and a listener bound to every address', () => {
    const r = lab('half-close');
    const mapped: LabResult = {
      ...r, family: 'mapped',
      sockets: r.sockets.map((s) => ({ ...s, local: s.local.replace('127.0.0.1', '[::ffff:127.0.0.1]'), remote: s.remote.replace(/^127\.0\.0\.1|^0\.0\.0\.0/, (a) => (a === '0.0.0.0' ? '[::]' : '[::ffff:127.0.0.1]')) })),
    };
    const sender = senderOf(castOf(mapped));
    expect(r.segments!.map(sender)).toEqual(r.segments!.map((s) => (s.from === 'A' ? 'client' : 'server')));
    expect(sender(segment('127.0.0.2:1', '127.0.0.1:2'))).toBeUndefined();
  });

  it('refused: a client never seen in the table still has its SYN drawn, by the server\'s port', () => {
    const r: LabResult = { ...lab('refused'), sockets: [] };
    const cast = castOf(r);
    expect(cast.client.socket).toBeUndefined();
    expect(r.segments!.map(senderOf(cast))).toEqual(['client', 'server']);
  });

  it('draws nothing for a lab with no connection', () => {
    const r: LabResult = { ...lab('half-close'), sockets: [], events: [] };
    expect(r.segments!.map(senderOf(castOf(r))).every((s) => s === undefined)).toBe(true);
  });
});
