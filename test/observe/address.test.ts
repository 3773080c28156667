import { SocketAddress } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  decodeProcAddress,
  decodeProcEndpoint,
  formatIpv6,
  normalizeAddress,
  parseToolEndpoint,
} from '../../src/observe/address.js';

/** Node's own spelling of 16 address bytes, as socket.localAddress would give it. */
function nodeSpelling(bytes: number[]): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new SocketAddress({ address: words.join(':'), family: 'ipv6' }).address;
}

describe('decodeProcAddress', () => {
  it('reads /proc/net/tcp IPv4 words in host (little-endian) order', () => {
    expect(decodeProcAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeProcAddress('00000000')).toBe('0.0.0.0');
    expect(decodeProcAddress('0101A8C0')).toBe('192.168.1.1');
    expect(decodeProcEndpoint('0100007F:8633')).toEqual({ address: '127.0.0.1', port: 34355 });
  });

  it('reads /proc/net/tcp6 addresses as four host-order words', () => {
    expect(decodeProcAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeProcAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeProcAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(decodeProcAddress('000080FE000000000000000001000000')).toBe('fe80::1');
    // Captured for a socket Node spelled 2001:db8::1:0:0:1.
    expect(decodeProcAddress('B80D0120000000000000010001000000')).toBe('2001:db8::1:0:0:1');
    expect(decodeProcEndpoint('00000000000000000000000001000000:1B6C')).toEqual({ address: '::1', port: 7020 });
  });

  it('rejects text that is not 8 or 32 hex digits', () => {
    expect(() => decodeProcAddress('0100007')).toThrow(/8 or 32 hex digits/);
  });
});

describe('formatIpv6', () => {
  it("spells like Node: longest zero run compressed, first on a tie, embedded IPv4 only where Node's does", () => {
    const cases: number[][] = [
      [0, 0, 0, 0, 0, 0, 0, 2],
      [0, 0, 0, 0, 0, 0, 0x7f00, 1],
      [0, 0, 0, 0, 0, 0xffff, 0, 0],
      [0, 0, 0, 0, 1, 0, 0, 0],
      [1, 0, 0, 0, 0, 0, 0, 0],
      [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1],
      [0x2001, 0, 0, 1, 0, 0, 0, 1],
      [0x2001, 0xdb8, 0, 1, 1, 1, 1, 1],
      [0x2001, 0xdb8, 1, 2, 3, 4, 5, 6],
      [0, 0, 0, 0, 0, 0xfffe, 0x7f00, 1],
      [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1],
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 300; n++) {
      cases.push(Array.from({ length: 8 }, () => (random() % 3 === 0 ? random() % 0x10000 : 0)));
    }
    for (const words of cases) {
      const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
      expect(formatIpv6(bytes), words.join(':')).toBe(nodeSpelling(bytes));
    }
  });
});

describe('normalizeAddress', () => {
  it('takes ss spellings to Node spellings', () => {
    expect(normalizeAddress('[::1]')).toBe('::1');
    expect(normalizeAddress('*')).toBe('::');
    expect(normalizeAddress('[::]')).toBe('::');
    expect(normalizeAddress('0.0.0.0')).toBe('0.0.0.0');
    expect(normalizeAddress('[::ffff:127.0.0.1]')).toBe('::ffff:127.0.0.1');
    expect(normalizeAddress('127.0.0.1%lo')).toBe('127.0.0.1');
    expect(normalizeAddress('[fe80::1]%eth0')).toBe('fe80::1');
  });

  it('re-spells any IPv6 text canonically', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('::ffff:127.0.0.1');
    expect(normalizeAddress('::FFFF:7F00:1')).toBe('::ffff:127.0.0.1');
    expect(normalizeAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(normalizeAddress('FE80:0:0:0::0001')).toBe('fe80::1');
    expect(normalizeAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
  });

  it("gives netstat's plain IPv4 of a tcp6 line back its ::ffff: prefix", () => {
    expect(normalizeAddress('127.0.0.1', 'ipv6')).toBe('::ffff:127.0.0.1');
    expect(normalizeAddress('127.0.0.1', 'ipv4')).toBe('127.0.0.1');
    expect(normalizeAddress('::1', 'ipv6')).toBe('::1');
  });

  it('rejects what is no address', () => {
    expect(() => normalizeAddress('localhost')).toThrow(/Expected an IPv4 or IPv6 address/);
    expect(() => normalizeAddress('1::2::3')).toThrow();
    expect(() => normalizeAddress('256.0.0.1')).toThrow();
    expect(() => normalizeAddress('1:2:3:4:5:6:7:8:9')).toThrow();
  });
});

describe('parseToolEndpoint', () => {
  it('splits at the last colon; a port `*` is 0', () => {
    expect(parseToolEndpoint('0.0.0.0:*')).toEqual({ address: '0.0.0.0', port: 0 });
    expect(parseToolEndpoint('*:*')).toEqual({ address: '::', port: 0 });
    expect(parseToolEndpoint('[::]:*')).toEqual({ address: '::', port: 0 });
    expect(parseToolEndpoint('[::ffff:127.0.0.1]:7033')).toEqual({ address: '::ffff:127.0.0.1', port: 7033 });
    expect(parseToolEndpoint(':::8080')).toEqual({ address: '::', port: 8080 });
    expect(parseToolEndpoint('::1:8080')).toEqual({ address: '::1', port: 8080 });
    expect(parseToolEndpoint(':::*')).toEqual({ address: '::', port: 0 });
    expect(parseToolEndpoint('127.0.0.1:7033', 'ipv6')).toEqual({ address: '::ffff:127.0.0.1', port: 7033 });
  });

  it('rejects a missing or bad port', () => {
    expect(() => parseToolEndpoint('127.0.0.1')).toThrow(/address:port/);
    expect(() => parseToolEndpoint('127.0.0.1:http')).toThrow(/port number/);
  });
});
