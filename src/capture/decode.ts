// Captured frames to TCP segments: strips the link-layer header of the pcap's link type, then
// reads the IPv4 or IPv6 header and the TCP header. The payload length comes from the IP header,
// never from the bytes captured, so segments cut at a snap length keep their real length.

import { formatIpv6 } from '../observe/address.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
} from './link-type.js';
import { TCP_FLAGS, type Packet, type TcpFlag } from './segment.js';
import { decodeTcpOptions } from './tcp-options.js';

/** Each flag's bit in the TCP header's flags byte (RFC 9293 3.1, RFC 3168 for ECE and CWR). */
export const TCP_FLAG_BITS: Readonly<Record<TcpFlag, number>> = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
};

const PROTO_TCP = 6;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];

/** IPv6 extension headers walked to reach TCP (RFC 8200 4): hop-by-hop, routing, destination options, AH. */
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_DEST_OPTS = 60;

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Where an IP packet's TCP header starts and how many bytes the IP header says follow it. */
interface IpPayload {
  src: string;
  dst: string;
  offset: number;
  length: number;
}

function ipv4Payload(bytes: Uint8Array): IpPayload | undefined {
  if (bytes.length < 20) return undefined;
  const headerLength = (bytes[0]! & 0x0f) * 4;
  if (headerLength < 20 || bytes.length < headerLength) return undefined;
  if (bytes[9] !== PROTO_TCP) return undefined;
  // A fragment: the TCP header is in the first one only, and its length needs them all.
  if ((u16(bytes, 6) & 0x3fff) !== 0) return undefined;
  // A total length of 0 is what a capture of a TSO super-packet shows: trust the frame then.
  const total = u16(bytes, 2) || bytes.length;
  if (total < headerLength) return undefined;
  const dotted = (at: number) => `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  return { src: dotted(12), dst: dotted(16), offset: headerLength, length: total - headerLength };
}

function ipv6Payload(bytes: Uint8Array): IpPayload | undefined {
  if (bytes.length < 40) return undefined;
  // A payload length of 0 is a jumbogram or a TSO super-packet: trust the frame then.
  let remaining = u16(bytes, 4) || bytes.length - 40;
  let next = bytes[6]!;
  let at = 40;
  for (;;) {
    if (next === PROTO_TCP) break;
    let length: number;
    switch (next) {
      case IPV6_HOP_BY_HOP:
      case IPV6_ROUTING:
      case IPV6_DEST_OPTS:
        if (bytes.length < at + 2) return undefined;
        length = (bytes[at + 1]! + 1) * 8;
        break;
      case IPV6_AH:
        if (bytes.length < at + 2) return undefined;
        length = (bytes[at + 1]! + 2) * 4;
        break;
      case IPV6_FRAGMENT:
        if (bytes.length < at + 8) return undefined;
        // Only an atomic fragment (offset 0, no more fragments) holds a whole segment.
        if ((u16(bytes, at + 2) & 0xfff9) !== 0) return undefined;
        length = 8;
        break;
      default:
        return undefined;
    }
    if (bytes.length < at + length || remaining < length) return undefined;
    next = bytes[at]!;
    at += length;
    remaining -= length;
  }
  return {
    src: formatIpv6(bytes.subarray(8, 24)),
    dst: formatIpv6(bytes.subarray(24, 40)),
    offset: at,
    length: remaining,
  };
}

/**
 * The TCP segment a raw IPv4 or IPv6 packet carries, or undefined for another protocol, a
 * fragment, or headers cut short. `atMs` becomes the segment's time.
 */
export function decodeIpPacket(bytes: Uint8Array, atMs: number): Packet | undefined {
  if (bytes.length === 0) return undefined;
  const version = bytes[0]! >> 4;
  const ip = version === 4 ? ipv4Payload(bytes) : version === 6 ? ipv6Payload(bytes) : undefined;
  if (!ip) return undefined;
  const tcp = ip.offset;
  if (ip.length < 20 || bytes.length < tcp + 20) return undefined;
  const headerLength = (bytes[tcp + 12]! >> 4) * 4;
  if (headerLength < 20 || ip.length < headerLength || bytes.length < tcp + headerLength) return undefined;
  const bits = bytes[tcp + 13]!;
  const flags: TcpFlag[] = TCP_FLAGS.filter((flag) => (bits & TCP_FLAG_BITS[flag]) !== 0);
  return {
    atMs,
    src: { address: ip.src, port: u16(bytes, tcp) },
    dst: { address: ip.dst, port: u16(bytes, tcp + 2) },
    flags,
    seq: u32(bytes, tcp + 4),
    ack: u32(bytes, tcp + 8),
    rawWin: u16(bytes, tcp + 14),
    len: ip.length - headerLength,
    options: decodeTcpOptions(bytes, tcp + 20, tcp + headerLength),
  };
}

/** The IP packet inside an Ethernet frame, past any 802.1Q/802.1ad tags. */
function ethernetPayload(frame: Uint8Array): Uint8Array | undefined {
  let at = 12;
  while (frame.length >= at + 2 && ETHERTYPE_VLAN.includes(u16(frame, at))) at += 4;
  if (frame.length < at + 2) return undefined;
  const type = u16(frame, at);
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? frame.subarray(at + 2) : undefined;
}

/** The IP packet of a Linux cooked frame whose protocol field is at `typeAt` and header `length` long. */
function cookedPayload(frame: Uint8Array, typeAt: number, length: number): Uint8Array | undefined {
  if (frame.length < length) return undefined;
  const type = u16(frame, typeAt);
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? frame.subarray(length) : undefined;
}

/** The IP packet a frame of pcap link type `linkType` carries, or undefined. */
export function ipPacketOfFrame(linkType: number, frame: Uint8Array): Uint8Array | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return ethernetPayload(frame);
    case LINKTYPE_RAW:
      return frame;
    case LINKTYPE_IPV4:
      return frame[0]! >> 4 === 4 ? frame : undefined;
    case LINKTYPE_IPV6:
      return frame[0]! >> 4 === 6 ? frame : undefined;
    case LINKTYPE_LINUX_SLL:
      return cookedPayload(frame, 14, 16);
    case LINKTYPE_LINUX_SLL2:
      return cookedPayload(frame, 0, 20);
    default:
      return undefined;
  }
}

/** The TCP segment in a frame of pcap link type `linkType` (1, 101, 113, 228, 229, 276), or undefined. */
export function decodeFrame(linkType: number, frame: Uint8Array, atMs: number): Packet | undefined {
  const packet = ipPacketOfFrame(linkType, frame);
  return packet ? decodeIpPacket(packet, atMs) : undefined;
}
