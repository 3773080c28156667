// What an observer reports about one socket in one sample, whatever tool it read.

import type { TcpState } from '../states.js';

/** An address and port as the kernel holds it; `address` is in Node's spelling. */
export interface Endpoint {
  address: string;
  port: number;
}

/** A kernel timer attached to a socket (`ss -o` / the `tr tm->when retrnsmt` columns of /proc). */
export interface KernelTimer {
  kind: 'retransmit' | 'keepalive' | 'timewait' | 'persist' | 'delack' | 'other';
  /** Time left before it fires, in ms (negative when overdue, as the kernel reports it). */
  remainingMs: number;
  /** Retransmissions (or probes) so far. */
  retries: number;
}

/** One socket of one sample. */
export interface SocketRow {
  local: Endpoint;
  remote: Endpoint;
  state: TcpState;
  sendQueue?: number;
  recvQueue?: number;
  timer?: KernelTimer;
  inode?: number;
  uid?: number;
}

/** `addr:port`, IPv6 as `[addr]:port`, the spelling of tcplab's reports and JSON. */
export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address;
}

/** Key of a connection in the socket table: local and remote endpoint. */
export function rowKey(local: Endpoint, remote: Endpoint): string {
  return `${formatEndpoint(local)} ${formatEndpoint(remote)}`;
}

/** Whether the row's local or remote port is in `ports`; an empty set matches every row. */
export function touchesPorts(row: SocketRow, ports: ReadonlySet<number>): boolean {
  return ports.size === 0 || ports.has(row.local.port) || ports.has(row.remote.port);
}
