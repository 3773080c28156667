// The handshake as textbooks draw it (SYN seq=x; SYN-ACK seq=y, ack=x+1; ACK ack=y+1), with the
// initial sequence numbers x and y this run's capture saw: the tour's handshake step shows it.

import type { Wire } from '../ladder/events.js';
import type { Ladder } from '../ladder/ladder-events.js';
import { padEnd } from './text.js';

/** The three segments' captured numbers, when the ladder was captured and holds all three. */
export function handshakeNumbers(ladder: Ladder): { syn: Wire; synAck: Wire; ack: Wire } | undefined {
  if (ladder.source !== 'captured') return undefined;
  const wires = ladder.events.flatMap((e) => (e.kind === 'segment' && e.detail.kind === 'wire' ? [{ from: e.from, wire: e.detail.wire }] : []));
  const syn = wires.find((x) => x.from === 'client' && x.wire.flags === 'SYN');
  const synAck = wires.find((x) => x.from === 'server' && x.wire.flags === 'SYN|ACK');
  const ack = wires.find((x) => x.from === 'client' && x.wire.acked === 'SYN' && !x.wire.flags.includes('SYN'));
  return syn && synAck && ack ? { syn: syn.wire, synAck: synAck.wire, ack: ack.wire } : undefined;
}

/** The figure's rows (indented, at most 80 columns), or none without a capture of all three segments. */
export function formatHandshake(ladder: Ladder): string[] {
  const n = handshakeNumbers(ladder);
  if (!n) return [];
  const rows: [string, string, string][] = [
    ['A -> B  SYN', 'seq=x', `x = ${n.syn.rawSeq}`],
    ['B -> A  SYN-ACK', 'seq=y  ack=x+1', `y = ${n.synAck.rawSeq}, x+1 = ${n.synAck.rawAck}`],
    ['A -> B  ACK', 'seq=x+1  ack=y+1', `x+1 = ${n.ack.rawSeq}, y+1 = ${n.ack.rawAck}`],
  ];
  return rows.map(([who, figure, numbers]) => `    ${padEnd(who, 17)}${padEnd(figure, 18)}${numbers}`);
}
