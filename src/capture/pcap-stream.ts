// Reads a classic pcap stream as it arrives (a capture program's stdout): the 24-byte file
// header, then one record per packet, each handed over as soon as its last byte is in.

/** One record of the stream: its time (µs since the epoch), captured bytes and length on the wire. */
export interface PcapRecord {
  tsUs: number;
  bytes: Buffer;
  origLen: number;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

export class PcapStream {
  private pending: Buffer = Buffer.alloc(0);
  private little = true;
  private nanos = false;
  /** The link type from the file header, once it has arrived. */
  linkType: number | undefined;

  constructor(private readonly onRecord: (r: PcapRecord) => void) {}

  /** Feeds the next chunk; complete records go to `onRecord` in order. */
  push(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    if (this.linkType === undefined) {
      if (buf.length < 24) {
        this.pending = buf;
        return;
      }
      const le = buf.readUInt32LE(0);
      const be = buf.readUInt32BE(0);
      if (le === MAGIC_US || le === MAGIC_NS) this.little = true;
      else if (be === MAGIC_US || be === MAGIC_NS) this.little = false;
      else throw new Error(`not a pcap stream (magic 0x${le.toString(16)})`);
      this.nanos = (this.little ? le : be) === MAGIC_NS;
      this.linkType = this.u32(buf, 20) & 0x0fffffff;
      off = 24;
    }
    while (buf.length - off >= 16) {
      const caplen = this.u32(buf, off + 8);
      if (buf.length - off < 16 + caplen) break;
      const sec = this.u32(buf, off);
      const frac = this.u32(buf, off + 4);
      this.onRecord({ tsUs: sec * 1e6 + (this.nanos ? frac / 1000 : frac), bytes: buf.subarray(off + 16, off + 16 + caplen), origLen: this.u32(buf, off + 12) });
      off += 16 + caplen;
    }
    buf = buf.subarray(off);
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private u32(b: Buffer, at: number): number {
    return this.little ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }
}
