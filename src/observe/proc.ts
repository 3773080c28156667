// The /proc observer: reads /proc/net/tcp and /proc/net/tcp6 in-process, the cheapest way to
// sample the socket table. Line format: get_tcp4_sock, get_timewait4_sock and get_openreq4 in
// the kernel's net/ipv4/tcp_ipv4.c (and their tcp6 twins).

import { readFile } from 'node:fs/promises';
import { stateFromKernelNumber } from '../states.js';
import { decodeProcEndpoint } from './address.js';
import type { Observer } from './observer.js';
import type { KernelTimer, SocketRow } from './row.js';

/** USER_HZ: /proc prints timer values in clock ticks of 1/100 s. */
const MS_PER_TICK = 10;

const TIMER_KINDS: Record<string, KernelTimer['kind']> = {
  '1': 'retransmit',
  '2': 'keepalive',
  '3': 'timewait',
  '4': 'persist',
};

/** A `%08lX` of a signed clock_t: old kernels print overdue timers as negative numbers. */
function signedHex(hex: string): number {
  if (hex.length === 16 && hex[0]! >= '8') return Number(BigInt.asIntN(64, BigInt(`0x${hex}`)));
  if (hex.length === 8 && hex[0]! >= '8') return parseInt(hex, 16) - 0x1_0000_0000;
  return parseInt(hex, 16);
}

function hexPort(line: string, at: number): number {
  return parseInt(line.slice(at, at + 4), 16);
}

/**
 * Whether the line's local or remote port is in `ports`, read at its fixed offsets: after
 * `sl:` come `ADDR:PORT ADDR:PORT` with addresses of 8 (tcp) or 32 (tcp6) hex digits.
 */
function lineTouchesPorts(line: string, ports: ReadonlySet<number>): boolean {
  const start = line.indexOf(':') + 2;
  const localColon = line.indexOf(':', start);
  if (localColon === -1) return false;
  const remotePortAt = localColon + 7 + (localColon - start);
  return ports.has(hexPort(line, localColon + 1)) || ports.has(hexPort(line, remotePortAt));
}

function parseLine(line: string): SocketRow | undefined {
  const f = line.slice(line.indexOf(':') + 1).trim().split(/\s+/);
  if (f.length < 9) return undefined;
  const [local, remote, st, queues, timerField, retrnsmt, uid, probes, inode] = f as [
    string, string, string, string, string, string, string, string, string,
  ];
  const state = stateFromKernelNumber(parseInt(st, 16));
  if (!state) throw new Error(`/proc/net/tcp: unknown state \`${st}\` in line \`${line.trim()}\``);
  const [tx, rx] = queues.split(':') as [string, string];
  const [tr, when] = timerField.split(':') as [string, string];
  const row: SocketRow = {
    local: decodeProcEndpoint(local),
    remote: decodeProcEndpoint(remote),
    state,
    recvQueue: parseInt(rx, 16),
    uid: Number(uid),
    inode: Number(inode),
  };
  // For a listener tx_queue is always 0 (and ss's Send-Q is the backlog): no queue to report.
  if (state !== 'LISTEN') row.sendQueue = parseInt(tx, 16);
  const kind = TIMER_KINDS[String(parseInt(tr, 16))];
  if (kind) {
    // Like ss (inet_diag): retransmits for `on`, probes sent for persist and keepalive.
    const retries = kind === 'persist' || kind === 'keepalive' ? Number(probes) : parseInt(retrnsmt, 16);
    row.timer = { kind, remainingMs: signedHex(when) * MS_PER_TICK, retries };
  }
  return row;
}

function scan(text: string, ports: ReadonlySet<number>, rows: SocketRow[]): void {
  let at = text.indexOf('\n') + 1;
  while (at > 0 && at < text.length) {
    let end = text.indexOf('\n', at);
    if (end === -1) end = text.length;
    const line = text.slice(at, end);
    at = end + 1;
    if (ports.size > 0 && !lineTouchesPorts(line, ports)) continue;
    const row = parseLine(line);
    if (row) rows.push(row);
  }
}

/**
 * The sockets of a /proc/net/tcp or /proc/net/tcp6 text (header line included); with `ports`,
 * only those whose local or remote port is in it, other lines being skipped unparsed.
 */
export function parseProcNetTcp(text: string, ports: ReadonlySet<number> = new Set()): SocketRow[] {
  const rows: SocketRow[] = [];
  scan(text, ports, rows);
  return rows;
}

/** /proc/net/tcp6 is absent when IPv6 is disabled: no IPv6 sockets then. */
async function readTcp6(): Promise<string> {
  try {
    return await readFile('/proc/net/tcp6', 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Reads /proc/net/tcp and /proc/net/tcp6 of the caller's network namespace. */
export function createProcObserver(periodMs = 1): Observer {
  return {
    name: 'proc',
    periodMs,
    async sample(ports) {
      // readFile reads to EOF: these files report size 0.
      const texts = await Promise.all([readFile('/proc/net/tcp', 'latin1'), readTcp6()]);
      const rows: SocketRow[] = [];
      for (const text of texts) scan(text, ports, rows);
      return rows;
    },
  };
}
