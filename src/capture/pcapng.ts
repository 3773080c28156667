// The pcapng reader (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html): section
// headers set the byte order, interface descriptions the link type and timestamp resolution,
// enhanced, simple and (obsolete) packet blocks carry the frames; other blocks are skipped.

import type { CaptureFile, CapturedRecord } from './pcap.js';

const SECTION_HEADER = 0x0a0d0d0a;
const INTERFACE_DESCRIPTION = 0x00000001;
const PACKET = 0x00000002;
const SIMPLE_PACKET = 0x00000003;
const ENHANCED_PACKET = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second. */
  unitsPerSecond: bigint;
  /** Seconds added to every timestamp. */
  offsetSeconds: bigint;
}

/** Timestamp units per second of an `if_tsresol` value: 10^-n, or 2^-n with the top bit set. */
function resolution(value: number): bigint {
  return value & 0x80 ? 1n << BigInt(value & 0x7f) : 10n ** BigInt(value);
}

function microseconds(units: bigint, iface: Interface): number {
  const seconds = units / iface.unitsPerSecond + iface.offsetSeconds;
  const rest = units % iface.unitsPerSecond;
  return Number(seconds) * 1e6 + (Number(rest) * 1e6) / Number(iface.unitsPerSecond);
}

function describeInterface(view: DataView, body: number, end: number, little: boolean): Interface {
  const iface: Interface = {
    linkType: view.getUint16(body, little),
    snapLen: view.getUint32(body + 4, little),
    unitsPerSecond: 1_000_000n,
    offsetSeconds: 0n,
  };
  for (let at = body + 8; at + 4 <= end; ) {
    const code = view.getUint16(at, little);
    const length = view.getUint16(at + 2, little);
    if (code === OPT_END || at + 4 + length > end) break;
    if (code === IF_TSRESOL && length >= 1) iface.unitsPerSecond = resolution(view.getUint8(at + 4));
    if (code === IF_TSOFFSET && length >= 8) iface.offsetSeconds = view.getBigInt64(at + 4, little);
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return iface;
}

/** Reads a pcapng file that starts with a section header block. */
export function readPcapng(file: Uint8Array): CaptureFile {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const records: CapturedRecord[] = [];
  let interfaces: Interface[] = [];
  let firstLinkType: number | undefined;
  let little = true;
  let truncated = false;
  let at = 0;
  while (at + 12 <= file.length) {
    if (view.getUint32(at, true) === SECTION_HEADER) {
      const magic = view.getUint32(at + 8, true);
      if (magic !== BYTE_ORDER_MAGIC && magic !== 0x4d3c2b1a) {
        throw new Error(`Expected the pcapng byte-order magic 0x1a2b3c4d at offset ${at + 8}, got 0x${magic.toString(16)}`);
      }
      little = magic === BYTE_ORDER_MAGIC;
      interfaces = [];
    }
    const type = view.getUint32(at, little);
    const length = view.getUint32(at + 4, little);
    if (length < 12 || length % 4 !== 0 || at + length > file.length) {
      truncated = true;
      break;
    }
    const body = at + 8;
    const end = at + length - 4;
    if (type === INTERFACE_DESCRIPTION) {
      const iface = describeInterface(view, body, end, little);
      interfaces.push(iface);
      firstLinkType ??= iface.linkType;
    } else if (type === ENHANCED_PACKET || type === PACKET) {
      const id = type === PACKET ? view.getUint16(body, little) : view.getUint32(body, little);
      const iface = interfaces[id];
      if (!iface) throw new Error(`Expected an interface description for interface ${id} before the packet at offset ${at}`);
      const units = (BigInt(view.getUint32(body + 4, little)) << 32n) | BigInt(view.getUint32(body + 8, little));
      const captured = Math.min(view.getUint32(body + 12, little), end - (body + 20));
      records.push({
        tsUs: microseconds(units, iface),
        bytes: file.subarray(body + 20, body + 20 + captured),
        origLen: view.getUint32(body + 16, little),
        linkType: iface.linkType,
      });
    } else if (type === SIMPLE_PACKET) {
      const iface = interfaces[0];
      if (!iface) throw new Error(`Expected an interface description before the simple packet at offset ${at}`);
      const origLen = view.getUint32(body, little);
      const captured = Math.min(origLen, iface.snapLen || origLen, end - (body + 4));
      // A simple packet block carries no timestamp.
      records.push({ tsUs: 0, bytes: file.subarray(body + 4, body + 4 + captured), origLen, linkType: iface.linkType });
    }
    at += length;
  }
  if (at < file.length) truncated = true;
  return { linkType: firstLinkType ?? 0, records, truncated };
}
