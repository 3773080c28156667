// Addresses as the tools print them, turned into the spelling Node gives `socket.localAddress`:
// IPv4 dotted, IPv6 compressed lowercase (RFC 5952), v4-mapped as `::ffff:127.0.0.1`, so that
// /proc, ss and netstat yield the same Endpoint for the same socket.

import { endianness } from 'node:os';
import type { Endpoint } from './row.js';

const LITTLE_ENDIAN = endianness() === 'LE';

/** Caches of spellings already computed; a lab holds few distinct addresses. */
const procCache = new Map<string, string>();
const textCache = new Map<string, string>();
const CACHE_LIMIT = 4096;

function remember(cache: Map<string, string>, key: string, value: string): string {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function dotted(bytes: ArrayLike<number>, from: number): string {
  return `${bytes[from]}.${bytes[from + 1]}.${bytes[from + 2]}.${bytes[from + 3]}`;
}

/** Node's (glibc's) spelling of 16 address bytes. */
export function formatIpv6(bytes: ArrayLike<number>): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  if (bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
    return (bestLen === 5 ? '::ffff:' : '::') + dotted(bytes, 12);
  }
  const hex = (from: number, to: number) => words.slice(from, to).map((w) => w.toString(16)).join(':');
  return bestBase === -1 ? hex(0, 8) : `${hex(0, bestBase)}::${hex(bestBase + bestLen, 8)}`;
}

function hexByte(hex: string, at: number): number {
  return parseInt(hex.slice(at, at + 2), 16);
}

/** Bytes of one 32-bit word printed by the kernel with `%08X` in host byte order. */
function wordBytes(hex: string, at: number, into: number[]): void {
  if (LITTLE_ENDIAN) {
    for (let k = 6; k >= 0; k -= 2) into.push(hexByte(hex, at + k));
  } else {
    for (let k = 0; k < 8; k += 2) into.push(hexByte(hex, at + k));
  }
}

/** A /proc/net/tcp (8 hex digits) or /proc/net/tcp6 (32 hex digits) address, in Node's spelling. */
export function decodeProcAddress(hex: string): string {
  const cached = procCache.get(hex);
  if (cached !== undefined) return cached;
  const bytes: number[] = [];
  if (hex.length === 8) {
    wordBytes(hex, 0, bytes);
    return remember(procCache, hex, dotted(bytes, 0));
  }
  if (hex.length !== 32 || !/^[0-9A-Fa-f]+$/.test(hex)) {
    throw new Error(`Expected a /proc/net/tcp address of 8 or 32 hex digits, got \`${hex}\``);
  }
  for (let w = 0; w < 32; w += 8) wordBytes(hex, w, bytes);
  return remember(procCache, hex, formatIpv6(bytes));
}

/** `0100007F:8633` (address and port as /proc prints them) -> 127.0.0.1 port 34355. */
export function decodeProcEndpoint(text: string): Endpoint {
  const colon = text.indexOf(':');
  return {
    address: decodeProcAddress(text.slice(0, colon)),
    port: parseInt(text.slice(colon + 1), 16),
  };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4Bytes(text: string): number[] | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function ipv6Bytes(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Bytes(piece);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/**
 * An address as ss or netstat prints it (`[::1]`, `*`, `[::]`, `0.0.0.0`, `127.0.0.1%lo`), in
 * Node's spelling. ss prints `*` for the IPv6 wildcard of a dual-stack socket, `[::]` for a
 * v6-only one: both are `::` to Node and /proc. netstat prints v4-mapped addresses of its tcp6
 * lines as plain dotted IPv4: pass `family: 'ipv6'` to get them back as `::ffff:a.b.c.d`.
 */
export function normalizeAddress(text: string, family?: 'ipv4' | 'ipv6'): string {
  const key = family === 'ipv6' ? `6 ${text}` : text;
  const cached = textCache.get(key);
  if (cached !== undefined) return cached;
  let bare = text;
  if (bare.startsWith('[')) {
    const close = bare.indexOf(']');
    bare = bare.slice(1, close === -1 ? undefined : close);
  }
  const percent = bare.indexOf('%');
  if (percent !== -1) bare = bare.slice(0, percent);
  if (bare === '*') return remember(textCache, key, '::');
  const v4 = ipv4Bytes(bare);
  if (v4) {
    return remember(textCache, key, family === 'ipv6' ? `::ffff:${dotted(v4, 0)}` : dotted(v4, 0));
  }
  const v6 = ipv6Bytes(bare);
  if (!v6) throw new Error(`Expected an IPv4 or IPv6 address, got \`${text}\``);
  return remember(textCache, key, formatIpv6(v6));
}

/** `addr:port` as ss or netstat print it, split at the last colon; a port `*` is 0. */
export function parseToolEndpoint(text: string, family?: 'ipv4' | 'ipv6'): Endpoint {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new Error(`Expected \`address:port\`, got \`${text}\``);
  const portText = text.slice(colon + 1);
  const port = portText === '*' ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Expected a port number or \`*\` in \`${text}\`, got \`${portText}\``);
  }
  return { address: normalizeAddress(text.slice(0, colon), family), port };
}
