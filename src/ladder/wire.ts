// One captured segment as a ladder's arrow: what kind of segment it is there, its numbers as
// Wireshark shows them, and which of the receiver's SYN or FIN it is the first to acknowledge.

import type { SegmentJson } from '../runner/result.js';
import type { SegmentKind, Side, Wire } from './events.js';

/** What a segment is on the ladder: its control flag first, then what the analysis or its payload makes it. */
export function kindOf(s: Pick<SegmentJson, 'flags' | 'len' | 'analysis'>): SegmentKind {
  const flags = new Set(s.flags.split('|'));
  if (flags.has('RST')) return 'RST';
  if (flags.has('SYN')) return flags.has('ACK') ? 'SYN-ACK' : 'SYN';
  if (flags.has('FIN')) return 'FIN';
  if (s.analysis.includes('zero-window-probe')) return 'probe';
  if (s.len > 0) return 'data';
  if (s.analysis.includes('zero-window') || s.analysis.includes('window-update')) return 'window';
  return 'ACK';
}

/**
 * The arrow's numbers. A self-connect's two directions are one flow to Wireshark's analysis (same
 * addresses, same ports), which then calls its own SYN-ACK a retransmission: its analysis is dropped.
 */
export function wireOf(s: SegmentJson, self: boolean): Wire {
  const acks = s.flags.split('|').includes('ACK');
  return {
    flags: s.flags, seq: s.relSeq, rawSeq: s.seq, ...(acks ? { ack: s.relAck, rawAck: s.ack } : {}),
    len: s.len, win: s.win, options: s.options, analysis: self ? [] : s.analysis,
  };
}

/**
 * Sets `acked` on the first segment of each side to acknowledge the other side's SYN, and its
 * FIN (relative numbers: a SYN takes sequence number 0, a FIN the one after its payload). Lost
 * segments acknowledge nothing.
 */
export function markAcked(arrows: { from: Side; lost: boolean; wire: Wire }[]): void {
  const synEnd: Partial<Record<Side, number>> = {};
  const finEnd: Partial<Record<Side, number>> = {};
  const done = new Set<string>();
  for (const a of arrows) {
    const flags = a.wire.flags.split('|');
    if (flags.includes('SYN')) synEnd[a.from] = 1;
    if (flags.includes('FIN')) finEnd[a.from] = a.wire.seq + a.wire.len + 1;
    if (a.lost || a.wire.ack === undefined) continue;
    const to: Side = a.from === 'client' ? 'server' : 'client';
    for (const [what, end] of [['SYN', synEnd[to]], ['FIN', finEnd[to]]] as const) {
      if (end === undefined || a.wire.ack < end || done.has(`${to} ${what}`)) continue;
      done.add(`${to} ${what}`);
      a.wire.acked = what;
    }
  }
}
