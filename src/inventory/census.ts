// Connections by state: what `ss -tan | awk '{++S[$1]}'` answers, from /proc/net/tcp{,6} read
// in-process. The whole-table count streams the text and reads one column at its fixed offset
// (at 100k sockets it then costs what `cat` does); filtered counts go through the proc parser.

import type { SocketRow } from '../observe/row.js';
import { stateFromKernelNumber, TCP_STATES, type TcpState } from '../states.js';
import { socketInodesOf } from './owners.js';
import { readSocketTable, scanTable, type Netns } from './table.js';

/** How many sockets are in each state (every state present, 0 when none). */
export type StateCounts = Record<TcpState, number>;

export function emptyCounts(): StateCounts {
  return Object.fromEntries(TCP_STATES.map((s) => [s, 0])) as StateCounts;
}

export function countByState(rows: Iterable<{ state: TcpState }>): StateCounts {
  const counts = emptyCounts();
  for (const row of rows) counts[row.state] += 1;
  return counts;
}

export function totalOf(counts: StateCounts): number {
  return TCP_STATES.reduce((sum, s) => sum + counts[s], 0);
}

/** The states present, by count (largest first), then by name: the order of the report. */
export function rankStates(counts: StateCounts, alsoZero: Iterable<TcpState> = []): TcpState[] {
  const keep = new Set(alsoZero);
  return TCP_STATES.filter((s) => counts[s] > 0 || keep.has(s)).sort((a, b) => counts[b] - counts[a] || a.localeCompare(b));
}

function hexDigit(byte: number | undefined): number {
  if (byte === undefined) return -256;
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -256;
}

/**
 * Adds to `counts` the state of every whole line of `buffer` between `from` and `to` (lines of
 * /proc/net/tcp, or tcp6 with `ipv6`, header excluded) and returns where the unfinished last
 * line starts. A line is `%4d: ADDR:PORT ADDR:PORT ST ...` with addresses of 8 hex digits (tcp)
 * or 32 (tcp6): seq_printf in get_tcp4_sock, get_timewait4_sock, get_openreq4 and their tcp6
 * twins. So the state sits 2 * (address length) + 14 bytes after the line's first colon; the
 * colon before the local port is checked to be where that layout puts it.
 */
export function countStateLines(buffer: Buffer, from: number, to: number, counts: StateCounts, ipv6 = false): number {
  const addressLength = ipv6 ? 32 : 8;
  let at = from;
  for (;;) {
    const end = buffer.indexOf(10, at);
    if (end === -1 || end >= to) return at;
    let colon = at;
    while (colon < end && buffer[colon] !== 58) colon++;
    if (colon < end) {
      const st = colon + 2 * addressLength + 14;
      const state = st + 2 <= end && buffer[colon + addressLength + 2] === 58
        ? stateFromKernelNumber(hexDigit(buffer[st]) * 16 + hexDigit(buffer[st + 1]))
        : undefined;
      if (!state) throw new Error(`/proc/net/tcp${ipv6 ? '6' : ''}: no state where expected in line \`${buffer.toString('latin1', at, end).trim()}\``);
      counts[state] += 1;
    }
    at = end + 1;
  }
}

/** The states of a whole /proc/net/tcp (or tcp6) text, header line first, added to `counts`. */
export function countStatesInText(text: string, ipv6: boolean, counts: StateCounts = emptyCounts()): StateCounts {
  const buffer = Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'latin1');
  countStateLines(buffer, buffer.indexOf(10) + 1, buffer.length, counts, ipv6);
  return counts;
}

export interface CountOptions {
  /** The namespace whose table is read (default: this process's, or that of `pid` if given). */
  netns?: Netns;
  /** Only sockets whose local or remote port is this one. */
  port?: number;
  /** Only sockets held by this process (through its file descriptors). */
  pid?: number;
}

/** Connections by state in a namespace (IPv4 and IPv6), narrowed by port and process. */
export async function countSockets(options: CountOptions = {}): Promise<StateCounts> {
  const netns = options.netns ?? (options.pid !== undefined ? { pid: options.pid } : 'self');
  if (options.pid === undefined && options.port === undefined) {
    const counts = emptyCounts();
    scanTable(netns, (buffer, from, to, file) => countStateLines(buffer, from, to, counts, file === 'tcp6'));
    return counts;
  }
  const inodes = options.pid !== undefined ? socketInodesOf(options.pid) : undefined;
  let rows: SocketRow[] = await readSocketTable({ netns, ...(options.port !== undefined ? { ports: [options.port] } : {}) });
  if (inodes) rows = rows.filter((r) => r.inode !== undefined && inodes.has(r.inode));
  return countByState(rows);
}

/** Both sides of a port: the sockets whose local port it is (its server's) and whose remote port it is (its clients'). */
export interface PortSides {
  server: StateCounts;
  clients: StateCounts;
}

/** Connections by state on each side of `port` (a socket connected to itself counts on both). */
export async function countSides(port: number, netns: Netns = 'self'): Promise<PortSides> {
  const rows = await readSocketTable({ netns, ports: [port] });
  return {
    server: countByState(rows.filter((r) => r.local.port === port)),
    clients: countByState(rows.filter((r) => r.remote.port === port)),
  };
}
