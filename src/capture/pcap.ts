// Capture files, framed by hand (no dependency): writes classic libpcap files (µs or ns magic,
// LINKTYPE_RAW unless told) and reads classic pcap in either byte order and pcapng.
// https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html

import { LINKTYPE_RAW } from './link-type.js';
import { readPcapng } from './pcapng.js';

export { LINKTYPE_RAW } from './link-type.js';

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SECTION = 0x0a0d0d0a;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** The link type sits in the low 28 bits; the FCS length may be in the top 4 (draft 4.). */
const LINKTYPE_MASK = 0x0fffffff;

/** A frame to write. */
export interface PcapRecord {
  /** Capture time, realtime µs since the epoch; a fraction is kept to the ns in a ns file. */
  tsUs: number;
  bytes: Uint8Array;
  /** The frame's length on the wire, when `bytes` was cut at a snap length. */
  origLen?: number;
}

/** A frame read back, with the link type of the interface it came from. */
export interface CapturedRecord {
  /** Capture time, realtime µs since the epoch (0 for a pcapng simple packet block, which has none). */
  tsUs: number;
  /** The captured bytes: a view into the file's bytes, not a copy. */
  bytes: Uint8Array;
  origLen: number;
  linkType: number;
}

/** What a capture file holds. */
export interface CaptureFile {
  /** The link type of the file (classic pcap) or of its first interface (pcapng). */
  linkType: number;
  records: CapturedRecord[];
  /** The file ended inside a record: the records before it are all there is. */
  truncated: boolean;
}

export interface PcapWriteOptions {
  /** LINKTYPE_RAW (101) unless told. */
  linkType?: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d) rather than µs. */
  nanoseconds?: boolean;
  /** The snap length the header announces; 262144 unless told. */
  snapLen?: number;
}

/** A classic pcap file (little-endian) holding `records` in the order given. */
export function writePcap(records: readonly PcapRecord[], options: PcapWriteOptions = {}): Buffer {
  const { linkType = LINKTYPE_RAW, nanoseconds = false, snapLen = 262_144 } = options;
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > LINKTYPE_MASK) {
    throw new TypeError(`Expected the \`linkType\` option to be an integer from 0 to ${LINKTYPE_MASK}, got \`${String(linkType)}\` (${typeof linkType})`);
  }
  const size = records.reduce((sum, r) => sum + RECORD_HEADER + r.bytes.length, FILE_HEADER);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(nanoseconds ? MAGIC_NS : MAGIC_US, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(snapLen, 16);
  out.writeUInt32LE(linkType, 20);
  let at = FILE_HEADER;
  records.forEach((record, index) => {
    if (!Number.isFinite(record.tsUs) || record.tsUs < 0) {
      throw new TypeError(`Expected record ${index}'s \`tsUs\` to be a non-negative number, got \`${String(record.tsUs)}\` (${typeof record.tsUs})`);
    }
    const seconds = Math.floor(record.tsUs / 1e6);
    const fraction = nanoseconds
      ? Math.min(999_999_999, Math.round((record.tsUs - seconds * 1e6) * 1000))
      : Math.min(999_999, Math.round(record.tsUs - seconds * 1e6));
    out.writeUInt32LE(seconds, at);
    out.writeUInt32LE(fraction, at + 4);
    out.writeUInt32LE(record.bytes.length, at + 8);
    out.writeUInt32LE(Math.max(record.origLen ?? record.bytes.length, record.bytes.length), at + 12);
    out.set(record.bytes, at + RECORD_HEADER);
    at += RECORD_HEADER + record.bytes.length;
  });
  return out;
}

function readClassic(file: Uint8Array, little: boolean, nanoseconds: boolean): CaptureFile {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const linkType = view.getUint32(20, little) & LINKTYPE_MASK;
  const records: CapturedRecord[] = [];
  let at = FILE_HEADER;
  while (at + RECORD_HEADER <= file.length) {
    const seconds = view.getUint32(at, little);
    const fraction = view.getUint32(at + 4, little);
    const captured = view.getUint32(at + 8, little);
    if (at + RECORD_HEADER + captured > file.length) break;
    records.push({
      tsUs: seconds * 1e6 + (nanoseconds ? fraction / 1000 : fraction),
      bytes: file.subarray(at + RECORD_HEADER, at + RECORD_HEADER + captured),
      origLen: view.getUint32(at + 12, little),
      linkType,
    });
    at += RECORD_HEADER + captured;
  }
  return { linkType, records, truncated: at !== file.length };
}

/** Reads a classic pcap (either byte order, µs or ns) or a pcapng file. */
export function readPcap(file: Uint8Array): CaptureFile {
  if (file.length < 4) throw new Error(`Expected a pcap or pcapng file, got ${file.length} bytes`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, true);
  if (magic === PCAPNG_SECTION) return readPcapng(file);
  const swapped = view.getUint32(0, false);
  const little = magic === MAGIC_US || magic === MAGIC_NS;
  const kind = little ? magic : swapped;
  if (kind !== MAGIC_US && kind !== MAGIC_NS) {
    throw new Error(`Expected a pcap or pcapng file, got magic 0x${swapped.toString(16).padStart(8, '0')}`);
  }
  if (file.length < FILE_HEADER) throw new Error(`Expected a 24-byte pcap file header, got ${file.length} bytes`);
  return readClassic(file, little, kind === MAGIC_NS);
}
