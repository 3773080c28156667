// The records of a netfilter log capture (pcap link type 239, LINKTYPE_NFLOG): a 4-byte header,
// then type-length-value attributes in host byte order, among them the packet and the kernel's
// timestamp of it.

export const LINKTYPE_NFLOG = 239;

const NFULA_TIMESTAMP = 3;
const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;

/** An NFLOG record's IP packet, the kernel's time of it (µs since the epoch) and the rule's prefix. */
export interface NflogPacket {
  tsUs: number | undefined;
  payload: Buffer;
  prefix: string | undefined;
}

export function decodeNflog(record: Buffer): NflogPacket | undefined {
  if (record.length < 4) return undefined;
  let off = 4;
  let tsUs: number | undefined;
  let payload: Buffer | undefined;
  let prefix: string | undefined;
  while (off + 4 <= record.length) {
    const len = record.readUInt16LE(off);
    const type = record.readUInt16LE(off + 2) & 0x7fff;
    if (len < 4 || off + len > record.length) break;
    const value = record.subarray(off + 4, off + len);
    if (type === NFULA_PAYLOAD) payload = value;
    else if (type === NFULA_PREFIX) prefix = value.toString('latin1').replace(/\0.*$/s, '');
    else if (type === NFULA_TIMESTAMP && value.length >= 16) tsUs = Number(value.readBigUInt64BE(0)) * 1e6 + Number(value.readBigUInt64BE(8));
    off += (len + 3) & ~3;
  }
  return payload ? { tsUs, payload, prefix } : undefined;
}
