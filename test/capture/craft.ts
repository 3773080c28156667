// Hand-made IPv4/TCP packets for the capture tests: the sequences Linux on loopback never sends
// (a 1-byte zero window probe, a fast retransmission), and headers with odd options. Checksums
// are left zero: neither our decoder nor tshark (by default) checks them.

import { TCP_FLAG_BITS } from '../../src/capture/decode.js';
import type { TcpFlag } from '../../src/capture/segment.js';

export interface CraftedSegment {
  atMs: number;
  from: 'client' | 'server';
  flags: TcpFlag[];
  seq: number;
  ack: number;
  win: number;
  len?: number;
  /** Raw option bytes (padded to 4 by the crafter). */
  options?: number[];
}

export const CLIENT = { address: '10.0.0.1', port: 40000 };
export const SERVER = { address: '10.0.0.2', port: 80 };

function put32(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value >>> 0);
}

/** A raw IPv4 packet (what LINKTYPE_RAW frames hold) carrying `s`, payload zeros. */
export function craftIpv4(s: CraftedSegment): Uint8Array {
  const options = [...(s.options ?? [])];
  while (options.length % 4 !== 0) options.push(0);
  const tcpLength = 20 + options.length;
  const len = s.len ?? 0;
  const bytes = new Uint8Array(20 + tcpLength + len);
  const view = new DataView(bytes.buffer);
  const [src, dst] = s.from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
  bytes[0] = 0x45;
  view.setUint16(2, bytes.length);
  bytes[8] = 64;
  bytes[9] = 6;
  bytes.set(src.address.split('.').map(Number), 12);
  bytes.set(dst.address.split('.').map(Number), 16);
  view.setUint16(20, src.port);
  view.setUint16(22, dst.port);
  put32(bytes, 24, s.seq);
  put32(bytes, 28, s.ack);
  bytes[32] = (tcpLength / 4) << 4;
  bytes[33] = s.flags.reduce((bits, f) => bits | TCP_FLAG_BITS[f], 0);
  view.setUint16(34, s.win);
  bytes.set(options, 40);
  return bytes;
}

/** MSS 1460, SACK permitted, window scale `shift`: a SYN's options. */
export function synOptions(shift: number): number[] {
  return [2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, shift];
}
