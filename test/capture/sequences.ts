// Hand-made connections for what the loopback fixtures cannot show: Linux probes a zero window
// with a keep-alive-like segment, not the 1-byte probe Wireshark names, and on loopback it
// retransmits after the first SACK, before duplicate ACKs pile up. The analysis test checks the
// flags named here; the pcap test checks that tshark reads the same from a file we write.

import { decodeIpPacket } from '../../src/capture/decode.js';
import type { Analysis, Packet } from '../../src/capture/segment.js';
import { craftIpv4, synOptions, type CraftedSegment } from './craft.js';

export interface Sequence {
  segments: CraftedSegment[];
  /** Flags some segments must get (by index), as packet-tcp.c's rules give them. */
  expected: Record<number, Analysis[]>;
}

const handshake = (shift: number): CraftedSegment[] => [
  { atMs: 0, from: 'client', flags: ['SYN'], seq: 1000, ack: 0, win: 65535, options: synOptions(shift) },
  { atMs: 0.1, from: 'server', flags: ['SYN', 'ACK'], seq: 5000, ack: 1001, win: 65535, options: synOptions(shift) },
  { atMs: 0.2, from: 'client', flags: ['ACK'], seq: 1001, ack: 5001, win: 512 },
];

export const SEQUENCES: Record<string, Sequence> = {
  'zero-window-probe': {
    segments: [
      ...handshake(7),
      { atMs: 1, from: 'client', flags: ['PSH', 'ACK'], seq: 1001, ack: 5001, win: 512, len: 100 },
      { atMs: 1.1, from: 'server', flags: ['ACK'], seq: 5001, ack: 1101, win: 0 },
      { atMs: 201, from: 'client', flags: ['ACK'], seq: 1101, ack: 5001, win: 512, len: 1 },
      { atMs: 201.1, from: 'server', flags: ['ACK'], seq: 5001, ack: 1101, win: 0 },
      { atMs: 601, from: 'client', flags: ['ACK'], seq: 1101, ack: 5001, win: 512, len: 1 },
      { atMs: 601.1, from: 'server', flags: ['ACK'], seq: 5001, ack: 1101, win: 0 },
      { atMs: 700, from: 'server', flags: ['ACK'], seq: 5001, ack: 1101, win: 100 },
      { atMs: 700.1, from: 'client', flags: ['PSH', 'ACK'], seq: 1101, ack: 5001, win: 512, len: 100 },
      { atMs: 700.2, from: 'server', flags: ['ACK'], seq: 5001, ack: 1201, win: 512 },
    ],
    expected: {
      4: ['zero-window'],
      5: ['zero-window-probe'],
      6: ['zero-window', 'zero-window-probe-ack'],
      7: ['zero-window-probe'],
      8: ['zero-window', 'zero-window-probe-ack'],
      9: ['window-update'],
      10: [],
    },
  },
  'fast-retransmission': {
    // The client's first data segment (seq 1001) never reached the capture point.
    segments: [
      ...handshake(7),
      { atMs: 1.0, from: 'client', flags: ['ACK'], seq: 1101, ack: 5001, win: 512, len: 100 },
      { atMs: 1.01, from: 'client', flags: ['ACK'], seq: 1201, ack: 5001, win: 512, len: 100 },
      { atMs: 1.02, from: 'client', flags: ['PSH', 'ACK'], seq: 1301, ack: 5001, win: 512, len: 100 },
      { atMs: 1.3, from: 'server', flags: ['ACK'], seq: 5001, ack: 1001, win: 512, options: [1, 1, 5, 10, 0, 0, 4, 0x4d, 0, 0, 4, 0xb1] },
      { atMs: 1.31, from: 'server', flags: ['ACK'], seq: 5001, ack: 1001, win: 512, options: [1, 1, 5, 10, 0, 0, 4, 0x4d, 0, 0, 5, 0x15] },
      { atMs: 1.32, from: 'server', flags: ['ACK'], seq: 5001, ack: 1001, win: 512, options: [1, 1, 5, 10, 0, 0, 4, 0x4d, 0, 0, 5, 0x79] },
      { atMs: 1.5, from: 'client', flags: ['ACK'], seq: 1001, ack: 5001, win: 512, len: 100 },
      { atMs: 1.8, from: 'server', flags: ['ACK'], seq: 5001, ack: 1401, win: 512 },
    ],
    expected: {
      3: ['lost-segment'],
      // The SYN-ACK's window was 65535 unscaled: the first ACK after it changes the raw value.
      6: ['window-update'],
      7: ['duplicate-ack'],
      8: ['duplicate-ack'],
      9: ['fast-retransmission'],
      10: [],
    },
  },
  'synack-only': {
    // The capture began after the SYN: only the server's window scale is known.
    segments: [
      { atMs: 0, from: 'server', flags: ['SYN', 'ACK'], seq: 5000, ack: 1001, win: 65535, options: synOptions(7) },
      { atMs: 0.1, from: 'client', flags: ['ACK'], seq: 1001, ack: 5001, win: 512 },
      { atMs: 1, from: 'server', flags: ['PSH', 'ACK'], seq: 5001, ack: 1001, win: 512, len: 10 },
      { atMs: 1.1, from: 'client', flags: ['ACK'], seq: 1001, ack: 5011, win: 512 },
    ],
    expected: { 0: [], 1: [], 2: [], 3: [] },
  },
};

/** The crafted segments of a sequence as decoded packets. */
export function sequencePackets(sequence: Sequence): Packet[] {
  return sequence.segments.map((s) => decodeIpPacket(craftIpv4(s), s.atMs)!);
}
