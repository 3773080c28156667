// A TCP segment as captured: what the wire carried (decoded from the IP packet), then what it is
// in its connection's sequence space (relative numbers, scaled window, Wireshark-style analysis).

import type { SegmentAnalysis } from '../lab/define.js';
import type { Endpoint } from '../observe/row.js';

/** TCP header flags in bit order (FIN is bit 0), which is how they are joined by `|`: `SYN|ACK`, `FIN|PSH|ACK`. */
export const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const;
export type TcpFlag = (typeof TCP_FLAGS)[number];

/** TCP options as sent (RFC 793, 7323, 2018). */
export interface TcpOptions {
  mss?: number;
  /** The window scale shift count. */
  wscale?: number;
  sackPermitted?: boolean;
  /** SACK blocks, absolute sequence numbers [left, right). */
  sack?: [number, number][];
  /** Timestamps: TSval and TSecr. */
  ts?: { val: number; ecr: number };
}

/** One TCP segment decoded from an IPv4 or IPv6 packet. */
export interface Packet {
  /** Capture time on the lab's clock, in ms (µs resolution). */
  atMs: number;
  src: Endpoint;
  dst: Endpoint;
  /** Flags set, in TCP_FLAGS order. */
  flags: TcpFlag[];
  seq: number;
  ack: number;
  /** The window field as sent, not scaled. */
  rawWin: number;
  /** Payload bytes. */
  len: number;
  options: TcpOptions;
}

/** What a segment is in its connection, as Wireshark's TCP analysis names it. */
export type Analysis = SegmentAnalysis;

/** A captured segment in its connection's sequence space. */
export interface Segment extends Packet {
  /** Sequence and acknowledgement numbers relative to each side's initial sequence number. */
  relSeq: number;
  relAck: number;
  /** The window in bytes (scaled by the sender's window scale once both sides offered it). */
  win: number;
  analysis: Analysis[];
  /** Wireshark's `tcp.stream`: the connection's index in the capture, counted from 0. */
  stream?: number;
}

/** `SYN|ACK`, `FIN|ACK`, `RST`: the flags as the JSON and the failures spell them. */
export function flagText(flags: readonly TcpFlag[]): string {
  return flags.join('|');
}
