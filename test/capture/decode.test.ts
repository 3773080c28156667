import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeIpPacket, ipPacketOfFrame, TCP_FLAG_BITS } from '../../src/capture/decode.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
} from '../../src/capture/link-type.js';
import { TCP_FLAGS, type Packet } from '../../src/capture/segment.js';
import { craftIpv4 } from './craft.js';
import { FIXTURES, num, packetsOf, readFixture } from './fixtures.js';

const flagBits = (p: Packet) => p.flags.reduce((bits, f) => bits | TCP_FLAG_BITS[f], 0);

describe('decodeFrame on the dumpcap fixtures, against tshark', () => {
  it.each(FIXTURES)('%s: every frame decodes to the fields tshark shows', (name) => {
    const fixture = readFixture(name);
    const packets = packetsOf(fixture);
    expect(packets).toHaveLength(fixture.rows.length);
    packets.forEach((p, i) => {
      const row = fixture.rows[i]!;
      const where = `${name} frame ${row['frame.number']}`;
      expect({
        src: p.src,
        dst: p.dst,
        flags: flagBits(p),
        seq: p.seq,
        ack: p.ack,
        rawWin: p.rawWin,
        len: p.len,
        mss: p.options.mss,
        wscale: p.options.wscale,
        sackPermitted: p.options.sackPermitted ?? false,
        tsval: p.options.ts?.val,
        tsecr: p.options.ts?.ecr,
      }, where).toEqual({
        src: { address: row['ip.src'] || row['ipv6.src'], port: num(row, 'tcp.srcport') },
        dst: { address: row['ip.dst'] || row['ipv6.dst'], port: num(row, 'tcp.dstport') },
        flags: num(row, 'tcp.flags')! & 0xff,
        seq: num(row, 'tcp.seq_raw'),
        ack: num(row, 'tcp.ack_raw'),
        rawWin: num(row, 'tcp.window_size_value'),
        len: num(row, 'tcp.len'),
        mss: num(row, 'tcp.options.mss_val'),
        wscale: num(row, 'tcp.options.wscale.shift'),
        sackPermitted: row['tcp.options.sack_perm'] !== '',
        tsval: num(row, 'tcp.options.timestamp.tsval'),
        tsecr: num(row, 'tcp.options.timestamp.tsecr'),
      });
      expect(p.atMs, where).toBe(fixture.file.records[i]!.tsUs / 1000);
    });
  });

  it('keeps flags in TCP_FLAGS order', () => {
    for (const p of packetsOf(readFixture('ipv4-transfer'))) {
      expect(p.flags).toEqual(TCP_FLAGS.filter((f) => p.flags.includes(f)));
    }
  });

  it('takes the payload length from the IP header when the capture cut the segment short', () => {
    const fixture = readFixture('ipv4-transfer');
    const big = fixture.file.records.findIndex((r) => r.origLen > r.bytes.length);
    expect(big).toBeGreaterThan(-1);
    const record = fixture.file.records[big]!;
    expect(record.bytes.length).toBe(256);
    expect(fixture.packets[big]!.len).toBe(record.origLen - 14 - 20 - 32);
  });

  it('decodes SACK blocks as absolute sequence numbers (tshark prints them relative)', () => {
    const fixture = readFixture('sack-recovery');
    const packets = packetsOf(fixture);
    const i = fixture.rows.findIndex((r) => r['tcp.options.sack_le'] !== '');
    expect(i).toBeGreaterThan(-1);
    // Relative to the data sender's ISN, which its SYN (frame 1) carries.
    const isn = packets[0]!.seq;
    const [left, right] = packets[i]!.options.sack![0]!;
    expect([(left - isn) >>> 0, (right - isn) >>> 0]).toEqual([
      num(fixture.rows[i]!, 'tcp.options.sack_le'),
      num(fixture.rows[i]!, 'tcp.options.sack_re'),
    ]);
  });
});

describe('link types', () => {
  const v4 = readFixture('ipv4-transfer');
  const v6 = readFixture('ipv6-transfer');
  const ip4 = ipPacketOfFrame(LINKTYPE_ETHERNET, v4.file.records[0]!.bytes)!;
  const ip6 = ipPacketOfFrame(LINKTYPE_ETHERNET, v6.file.records[0]!.bytes)!;
  const concat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

  it('reads raw IP (101), IPv4 (228) and IPv6 (229) frames', () => {
    expect(decodeFrame(LINKTYPE_RAW, ip4, 1)).toEqual({ ...v4.packets[0], atMs: 1 });
    expect(decodeFrame(LINKTYPE_RAW, ip6, 1)).toEqual({ ...v6.packets[0], atMs: 1 });
    expect(decodeFrame(LINKTYPE_IPV4, ip4, 1)).toEqual({ ...v4.packets[0], atMs: 1 });
    expect(decodeFrame(LINKTYPE_IPV6, ip6, 1)).toEqual({ ...v6.packets[0], atMs: 1 });
    expect(decodeFrame(LINKTYPE_IPV4, ip6, 1)).toBeUndefined();
    expect(decodeFrame(LINKTYPE_IPV6, ip4, 1)).toBeUndefined();
  });

  it('reads Linux cooked frames, SLL (113) and SLL2 (276)', () => {
    const sll = concat([0, 4, 0x03, 0x04, 0, 6], new Array(8).fill(0), [0x08, 0x00], ip4);
    expect(decodeFrame(LINKTYPE_LINUX_SLL, sll, 1)).toEqual({ ...v4.packets[0], atMs: 1 });
    const sll2 = concat([0x86, 0xdd, 0, 0], [0, 0, 0, 1], [3, 4, 4, 6], new Array(8).fill(0), ip6);
    expect(decodeFrame(LINKTYPE_LINUX_SLL2, sll2, 1)).toEqual({ ...v6.packets[0], atMs: 1 });
  });

  it('reads Ethernet frames past VLAN tags, and nothing of other ethertypes', () => {
    const tagged = concat(new Array(12).fill(0), [0x81, 0x00, 0, 5], [0x08, 0x00], ip4);
    expect(decodeFrame(LINKTYPE_ETHERNET, tagged, 1)).toEqual({ ...v4.packets[0], atMs: 1 });
    const arp = concat(new Array(12).fill(0), [0x08, 0x06], ip4);
    expect(decodeFrame(LINKTYPE_ETHERNET, arp, 1)).toBeUndefined();
    expect(decodeFrame(239, ip4, 1)).toBeUndefined();
  });
});

describe('decodeIpPacket edge cases', () => {
  const v6 = readFixture('ipv6-transfer');
  const ip6 = ipPacketOfFrame(LINKTYPE_ETHERNET, v6.file.records[3]!.bytes)!;

  /** `ip6` with extension headers inserted between the fixed header and TCP. */
  function withExtensions(headers: number[][], nextHeaders: number[]): Uint8Array {
    const tcp = ip6.subarray(40);
    const extra = headers.reduce((n, h) => n + h.length, 0);
    const out = new Uint8Array(ip6.length + extra);
    out.set(ip6.subarray(0, 40));
    out[6] = nextHeaders[0]!;
    new DataView(out.buffer).setUint16(4, ((ip6[4]! << 8) | ip6[5]!) + extra);
    let at = 40;
    headers.forEach((h, i) => {
      out.set(h, at);
      out[at] = nextHeaders[i + 1]!;
      at += h.length;
    });
    out.set(tcp, at);
    return out;
  }

  it('follows IPv6 hop-by-hop, destination options, routing and atomic fragment headers', () => {
    const hopByHop = [0, 0, 1, 4, 0, 0, 0, 0];
    const destOpts = [0, 1, ...new Array(14).fill(0)];
    const routing = [0, 0, 0, 0, 0, 0, 0, 0];
    const atomicFragment = [0, 0, 0, 0, 0, 0, 0, 42];
    const packet = withExtensions([hopByHop, destOpts, routing, atomicFragment], [0, 60, 43, 44, 6]);
    expect(decodeIpPacket(packet, 1)).toEqual({ ...v6.packets[3], atMs: 1 });
  });

  it('gives up on fragments, other protocols and cut headers', () => {
    const nonAtomic = withExtensions([[0, 0, 0, 1, 0, 0, 0, 42]], [44, 6]);
    expect(decodeIpPacket(nonAtomic, 1)).toBeUndefined();
    const udp = withExtensions([[0, 0, 1, 4, 0, 0, 0, 0]], [0, 17]);
    expect(decodeIpPacket(udp, 1)).toBeUndefined();
    expect(decodeIpPacket(ip6.subarray(0, 50), 1)).toBeUndefined();

    const ip4 = craftIpv4({ atMs: 0, from: 'client', flags: ['ACK'], seq: 1, ack: 1, win: 1, len: 10 });
    expect(decodeIpPacket(ip4, 1)).toMatchObject({ len: 10 });
    const fragment = Uint8Array.from(ip4);
    fragment[6] = 0x20; // more fragments
    expect(decodeIpPacket(fragment, 1)).toBeUndefined();
    const icmp = Uint8Array.from(ip4);
    icmp[9] = 1;
    expect(decodeIpPacket(icmp, 1)).toBeUndefined();
    expect(decodeIpPacket(ip4.subarray(0, 39), 1)).toBeUndefined();
    expect(decodeIpPacket(new Uint8Array(0), 1)).toBeUndefined();
  });

  it('decodes every option it knows, skips unknown ones and stops at a malformed length', () => {
    const base = { atMs: 0, from: 'client' as const, flags: ['ACK' as const], seq: 1, ack: 1, win: 1 };
    const known = craftIpv4({
      ...base,
      options: [
        1, 2, 4, 0x05, 0xb4, // NOP, MSS 1460
        254, 4, 0xf9, 0x89, // experimental option: skipped by its length
        3, 3, 7, // window scale 7
        4, 2, // SACK permitted
        8, 10, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, // timestamps
        0, 2, 4, 0x05, 0xb4, // EOL: nothing after it counts
      ],
    });
    expect(decodeIpPacket(known, 1)!.options).toEqual({ mss: 1460, wscale: 7, sackPermitted: true, ts: { val: 1, ecr: 0xffffffff } });
    const sack = craftIpv4({
      ...base,
      options: [1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 5],
    });
    expect(decodeIpPacket(sack, 1)!.options).toEqual({ sack: [[10, 20], [0xfffffff0, 5]] });
    const zeroLength = craftIpv4({ ...base, options: [2, 4, 0x05, 0xb4, 99, 0, 3, 3, 7] });
    expect(decodeIpPacket(zeroLength, 1)!.options).toEqual({ mss: 1460 });
    const pastEnd = craftIpv4({ ...base, options: [3, 3, 7, 8, 10, 0, 0, 0, 1] });
    expect(decodeIpPacket(pastEnd, 1)!.options).toEqual({ wscale: 7 });
    const wrongLength = craftIpv4({ ...base, options: [2, 3, 5, 3, 3, 7] });
    expect(decodeIpPacket(wrongLength, 1)!.options).toEqual({ wscale: 7 });
  });
});
