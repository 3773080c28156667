import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeSegments } from '../../src/capture/analysis.js';
import { ipPacketOfFrame } from '../../src/capture/decode.js';
import { LINKTYPE_ETHERNET } from '../../src/capture/link-type.js';
import { LINKTYPE_RAW, readPcap, writePcap, type CapturedRecord } from '../../src/capture/pcap.js';
import { hasProgram, STRICT } from '../helpers.js';
import { craftIpv4 } from './craft.js';
import { FIXTURES, num, packetsOf, readFixture, readFixtureBytes, tcplabAnalysis, tsharkRead } from './fixtures.js';
import { SEQUENCES, sequencePackets } from './sequences.js';

/** `1733622345.851616000` (tshark's frame.time_epoch) in µs. */
function epochUs(text: string): number {
  const [seconds, fraction = ''] = text.split('.');
  return Number(seconds) * 1e6 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

const strip = (r: CapturedRecord) => ({ tsUs: r.tsUs, bytes: Buffer.from(r.bytes), origLen: r.origLen, linkType: r.linkType });

/** A classic pcap with every header field byte-swapped: what a big-endian machine writes. */
function bigEndian(file: Buffer): Buffer {
  const out = Buffer.from(file);
  out.writeUInt32BE(file.readUInt32LE(0), 0);
  out.writeUInt16BE(file.readUInt16LE(4), 4);
  out.writeUInt16BE(file.readUInt16LE(6), 6);
  for (const at of [8, 12, 16, 20]) out.writeUInt32BE(file.readUInt32LE(at), at);
  for (let at = 24; at < file.length; ) {
    const captured = file.readUInt32LE(at + 8);
    for (let k = 0; k < 16; k += 4) out.writeUInt32BE(file.readUInt32LE(at + k), at + k);
    at += 16 + captured;
  }
  return out;
}

describe('readPcap on the dumpcap fixtures', () => {
  it.each(FIXTURES)('%s: one record per frame tshark read, with its time and lengths', (name) => {
    const { file, rows } = readFixture(name);
    expect(file.linkType).toBe(LINKTYPE_ETHERNET);
    expect(file.truncated).toBe(false);
    expect(file.records).toHaveLength(rows.length);
    file.records.forEach((r, i) => {
      expect(r.tsUs, `frame ${i + 1}`).toBe(epochUs(rows[i]!['frame.time_epoch']!));
      expect(r.bytes.length).toBeLessThanOrEqual(256);
      expect(r.origLen).toBeGreaterThanOrEqual(r.bytes.length);
      expect(r.linkType).toBe(LINKTYPE_ETHERNET);
    });
  });

  it('reads the same records from the nanosecond pcap and the pcapng editcap made of it', () => {
    const micro = readPcap(readFixtureBytes('ipv4-transfer.pcap')).records.map(strip);
    expect(readPcap(readFixtureBytes('ipv4-transfer.nsec.pcap')).records.map(strip)).toEqual(micro);
    const ng = readPcap(readFixtureBytes('ipv4-transfer.pcapng'));
    expect(ng.linkType).toBe(LINKTYPE_ETHERNET);
    expect(ng.truncated).toBe(false);
    expect(ng.records.map(strip)).toEqual(micro);
  });

  it('reads a big-endian pcap', () => {
    const file = readFixtureBytes('keepalive.pcap');
    expect(readPcap(bigEndian(file)).records.map(strip)).toEqual(readPcap(file).records.map(strip));
  });

  it('keeps the records before a cut and says the file was cut', () => {
    const file = readFixtureBytes('refused.pcap');
    const cut = readPcap(file.subarray(0, file.length - 10));
    expect(cut.truncated).toBe(true);
    expect(cut.records.map(strip)).toEqual(readPcap(file).records.slice(0, 1).map(strip));
  });

  it('says what it got when it is not a capture file', () => {
    expect(() => readPcap(Buffer.from('hello, world'))).toThrow('Expected a pcap or pcapng file, got magic 0x68656c6c');
    expect(() => readPcap(Buffer.alloc(2))).toThrow('Expected a pcap or pcapng file, got 2 bytes');
  });
});

/** A pcapng block: type, total length, body padded to 4, total length again. */
function block(type: number, body: Buffer, little = true): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const out = Buffer.alloc(12 + padded.length);
  const write = (v: number, at: number) => (little ? out.writeUInt32LE(v, at) : out.writeUInt32BE(v, at));
  write(type, 0);
  write(out.length, 4);
  padded.copy(out, 8);
  write(out.length, out.length - 4);
  return out;
}

function fields(little: boolean, ...parts: [bytes: 1 | 2 | 4 | 8, value: number | bigint][]): Buffer {
  return Buffer.concat(parts.map(([bytes, value]) => {
    const b = Buffer.alloc(bytes);
    if (bytes === 1) b.writeUInt8(Number(value));
    if (bytes === 2) little ? b.writeUInt16LE(Number(value)) : b.writeUInt16BE(Number(value));
    if (bytes === 4) little ? b.writeUInt32LE(Number(value)) : b.writeUInt32BE(Number(value));
    if (bytes === 8) little ? b.writeBigInt64LE(BigInt(value)) : b.writeBigInt64BE(BigInt(value));
    return b;
  }));
}

describe('readPcap on pcapng', () => {
  const packet = Buffer.from(craftIpv4({ atMs: 0, from: 'client', flags: ['SYN'], seq: 1, ack: 0, win: 100 }));
  const le = true;
  const be = false;
  const epb = (little: boolean, units: bigint, bytes: Buffer, origLen: number) =>
    block(6, Buffer.concat([fields(little, [4, 0], [4, Number(units >> 32n)], [4, Number(units & 0xffffffffn)], [4, bytes.length], [4, origLen]), bytes]), little);

  it('follows sections, interfaces and their timestamp resolution; skips other blocks', () => {
    const file = Buffer.concat([
      // Section 1, little-endian: interface with 2^-10 s units, a custom block, an EPB, an SPB.
      block(0x0a0d0d0a, fields(le, [4, 0x1a2b3c4d], [2, 1], [2, 0], [8, -1n])),
      block(1, Buffer.concat([fields(le, [2, LINKTYPE_RAW], [2, 0], [4, 30]), fields(le, [2, 9], [2, 1]), Buffer.from([0x8a, 0, 0, 0]), fields(le, [2, 0], [2, 0])])),
      block(0x00000bad, Buffer.from('ignore me')),
      epb(le, 1024n * 5n + 512n, packet, packet.length),
      block(3, Buffer.concat([fields(le, [4, packet.length]), packet])),
      // Section 2, big-endian: interface with ms units, 10 s offset.
      block(0x0a0d0d0a, fields(be, [4, 0x1a2b3c4d], [2, 1], [2, 0], [8, -1n]), be),
      block(1, Buffer.concat([fields(be, [2, 228], [2, 0], [4, 0]), fields(be, [2, 9], [2, 1]), Buffer.from([3, 0, 0, 0]), fields(be, [2, 14], [2, 8], [8, 10n]), fields(be, [2, 0], [2, 0])]), be),
      epb(be, 1500n, packet.subarray(0, 20), packet.length),
    ]);
    const read = readPcap(file);
    expect(read.linkType).toBe(LINKTYPE_RAW);
    expect(read.truncated).toBe(false);
    expect(read.records.map(strip)).toEqual([
      { tsUs: 5.5e6, bytes: packet, origLen: packet.length, linkType: LINKTYPE_RAW },
      // A simple packet block has no time, and is cut at the interface's snap length.
      { tsUs: 0, bytes: packet.subarray(0, 30), origLen: packet.length, linkType: LINKTYPE_RAW },
      { tsUs: 11.5e6, bytes: packet.subarray(0, 20), origLen: packet.length, linkType: 228 },
    ]);
  });

  it('says which interface is missing', () => {
    const file = Buffer.concat([block(0x0a0d0d0a, fields(le, [4, 0x1a2b3c4d], [2, 1], [2, 0], [8, -1n])), epb(le, 0n, packet, packet.length)]);
    expect(() => readPcap(file)).toThrow('Expected an interface description for interface 0 before the packet at offset 28');
  });
});

describe('writePcap', () => {
  const bytes = Buffer.from(craftIpv4({ atMs: 0, from: 'client', flags: ['SYN'], seq: 1, ack: 0, win: 100 }));

  it('writes what readPcap reads back: µs, LINKTYPE_RAW unless told, cut records keep their length', () => {
    const records = [
      { tsUs: 1_733_622_345_851_616, bytes },
      { tsUs: 1_733_622_345_999_999, bytes: bytes.subarray(0, 20), origLen: bytes.length },
    ];
    const file = writePcap(records);
    expect(file.readUInt32LE(0)).toBe(0xa1b2c3d4);
    const read = readPcap(file);
    expect(read).toMatchObject({ linkType: LINKTYPE_RAW, truncated: false });
    expect(read.records.map(strip)).toEqual([
      { tsUs: records[0]!.tsUs, bytes, origLen: bytes.length, linkType: LINKTYPE_RAW },
      { tsUs: records[1]!.tsUs, bytes: bytes.subarray(0, 20), origLen: bytes.length, linkType: LINKTYPE_RAW },
    ]);
  });

  it('keeps nanoseconds in a nanosecond file, and takes another link type', () => {
    const file = writePcap([{ tsUs: 1_000_000.123, bytes }], { nanoseconds: true, linkType: 228 });
    expect(file.readUInt32LE(0)).toBe(0xa1b23c4d);
    expect(file.readUInt32LE(24 + 4)).toBe(123);
    expect(readPcap(file).records[0]).toMatchObject({ tsUs: 1_000_000.123, linkType: 228 });
  });

  it('rejects what a pcap cannot hold, saying what it got', () => {
    expect(() => writePcap([{ tsUs: -1, bytes }])).toThrow("Expected record 0's `tsUs` to be a non-negative number, got `-1` (number)");
    expect(() => writePcap([], { linkType: 1.5 })).toThrow('Expected the `linkType` option to be an integer from 0 to 268435455, got `1.5` (number)');
  });

  describe('tshark reads what we write', () => {
    const tshark = hasProgram('tshark');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-pcap-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('for fixtures rewritten as LINKTYPE_RAW and for the hand-made connections', (ctx) => {
      if (!tshark && !STRICT) ctx.skip('tshark is not on PATH (apt-get install tshark to run this check)');
      if (!tshark) expect.fail('strict mode: tshark is not on PATH (apt-get install tshark)');
      for (const name of ['ipv4-transfer', 'ipv6-transfer', 'zero-window', ...Object.keys(SEQUENCES)]) {
        const sequence = SEQUENCES[name];
        const records = sequence
          ? sequence.segments.map((s) => ({ tsUs: 1.7e15 + s.atMs * 1000, bytes: craftIpv4(s) }))
          : readFixture(name).file.records.map((r) => ({ tsUs: r.tsUs, bytes: ipPacketOfFrame(r.linkType, r.bytes)!, origLen: r.origLen - 14 }));
        const file = path.join(dir, `${name}.pcap`);
        writeFileSync(file, writePcap(records));
        const rows = tsharkRead(file);
        const segments = analyzeSegments(sequence ? sequencePackets(sequence) : packetsOf(readFixture(name)));
        expect(rows, name).toHaveLength(segments.length);
        const expected = tcplabAnalysis(rows);
        segments.forEach((s, i) => {
          const row = rows[i]!;
          expect({
            seq: s.seq, ack: s.ack, len: s.len, relSeq: s.relSeq, win: s.win, analysis: [...s.analysis].sort(), stream: s.stream,
          }, `${name} frame ${i + 1}`).toEqual({
            seq: num(row, 'tcp.seq_raw'),
            ack: num(row, 'tcp.ack_raw'),
            len: num(row, 'tcp.len'),
            relSeq: num(row, 'tcp.seq'),
            win: num(row, 'tcp.window_size'),
            analysis: expected[i],
            stream: num(row, 'tcp.stream'),
          });
        });
      }
    });
  });
});
