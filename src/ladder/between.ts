// Which captured segments a ladder draws: those between its two columns, told apart by address
// and port (a forged packet has no socket of the lab, but its ports), and which side sent each.

import type { SegmentJson } from '../runner/result.js';
import type { Cast, Party } from './cast.js';
import type { Side } from './events.js';

/** Where a party's segments come from: a port, and an address unless it listens on every one. */
interface Spot {
  address?: string;
  port: string;
}

/** `127.0.0.1`, `::1`: brackets gone, and a v4-mapped address as the IPv4 packet on the wire carries it. */
function parse(endpoint: string): { address: string; port: string } {
  const at = endpoint.lastIndexOf(':');
  const address = endpoint.slice(0, at).replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return { address, port: endpoint.slice(at + 1) };
}

const ANY = new Set(['0.0.0.0', '::']);

function spotOf(p: Party): Spot | undefined {
  const at = p.socket?.local ?? p.listener?.local;
  if (at) {
    const { address, port } = parse(at);
    return ANY.has(address) ? { port } : { address, port };
  }
  return p.port ? { port: p.port } : undefined;
}

/** Whether `endpoint` is at `spot`; an unknown spot (a client never seen) is anywhere. */
function at(spot: Spot | undefined, endpoint: string): boolean {
  if (!spot) return true;
  const e = parse(endpoint);
  return e.port === spot.port && (spot.address === undefined || spot.address === e.address);
}

/** The side that sent `s`, or undefined when `s` is not between the cast's two columns. */
export function senderOf(cast: Cast): (s: SegmentJson) => Side | undefined {
  const client = spotOf(cast.client);
  const server = spotOf(cast.server);
  // Nobody to draw, or a client known nowhere talking to a server known nowhere.
  if (!client && !server) return () => undefined;
  return (s) => {
    if (at(client, s.src) && at(server, s.dst) && !(client === undefined && at(server, s.src))) return 'client';
    if (at(server, s.src) && at(client, s.dst)) return 'server';
    return undefined;
  };
}
