// TCP options as the header carries them (RFC 9293 3.1, RFC 7323, RFC 2018): the ones tcplab
// reports are decoded, unknown kinds are skipped by their length, and a malformed length ends
// the walk instead of reading past the header.

import type { TcpOptions } from './segment.js';

const EOL = 0;
const NOP = 1;
const MSS = 2;
const WSCALE = 3;
const SACK_PERMITTED = 4;
const SACK = 5;
const TIMESTAMPS = 8;

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** The options in `bytes[from, to)` (the TCP header after its fixed 20 bytes). */
export function decodeTcpOptions(bytes: Uint8Array, from: number, to: number): TcpOptions {
  const options: TcpOptions = {};
  let at = from;
  while (at < to) {
    const kind = bytes[at]!;
    if (kind === EOL) break;
    if (kind === NOP) {
      at++;
      continue;
    }
    if (at + 1 >= to) break;
    const length = bytes[at + 1]!;
    if (length < 2 || at + length > to) break;
    switch (kind) {
      case MSS:
        if (length === 4) options.mss = u16(bytes, at + 2);
        break;
      case WSCALE:
        if (length === 3) options.wscale = bytes[at + 2]!;
        break;
      case SACK_PERMITTED:
        if (length === 2) options.sackPermitted = true;
        break;
      case SACK:
        if ((length - 2) % 8 === 0) {
          const blocks: [number, number][] = [];
          for (let b = at + 2; b < at + length; b += 8) blocks.push([u32(bytes, b), u32(bytes, b + 4)]);
          options.sack = blocks;
        }
        break;
      case TIMESTAMPS:
        if (length === 10) options.ts = { val: u32(bytes, at + 2), ecr: u32(bytes, at + 6) };
        break;
      default:
        break;
    }
    at += length;
  }
  return options;
}
