// Who holds a port: every socket of the namespace whose local or remote port it is, with the
// processes holding it (pid, fd, command line, user), and for the sockets no process holds, why.

import type { Endpoint } from '../observe/row.js';
import type { TcpState } from '../states.js';
import { describeProcess, scanSocketHolders, type ProcessInfo } from './owners.js';
import { readSocketTable, type Netns } from './table.js';

/**
 * Why a socket shows no process. Inode 0 in /proc/net/tcp means no file refers to it:
 * `time-wait` (a timewait mini-socket), `request` (a handshake in progress, SYN_RECV),
 * `accept-queue` (complete, waiting for accept()), `orphan` (its process closed it; the kernel
 * finishes the close). With an inode: `unreadable` (held by a process whose fds this user cannot
 * read) or `no-fd` (no process has it open: held by the kernel, or closed while we looked).
 */
export type NoHolder = 'time-wait' | 'request' | 'accept-queue' | 'orphan' | 'unreadable' | 'no-fd';

export interface PortSocket {
  state: TcpState;
  local: Endpoint;
  remote: Endpoint;
  /** 0 when no file refers to the socket. */
  inode: number;
  /** The socket's owner as /proc/net/tcp gives it (the creator's uid). */
  uid: number;
  /** One per (process, fd): a socket inherited across fork() has several. */
  holders: (ProcessInfo & { fd: number })[];
  /** Set when `holders` is empty. */
  noHolder?: NoHolder;
}

export interface PortHolders {
  port: number;
  sockets: PortSocket[];
  /** Processes whose /proc/PID/fd this user may not read (0 as root). */
  unreadableProcesses: number;
  /** Whether some socket on the port is open in a process (seen or not): the port is in use. */
  held: boolean;
}

function noHolder(state: TcpState, local: Endpoint, inode: number, listening: Set<number>, unreadable: boolean): NoHolder {
  if (inode !== 0) return unreadable ? 'unreadable' : 'no-fd';
  switch (state) {
    case 'TIME_WAIT':
      return 'time-wait';
    case 'SYN_RECV':
      return 'request';
    case 'ESTABLISHED':
    case 'CLOSE_WAIT':
      return listening.has(local.port) ? 'accept-queue' : 'orphan';
    case 'SYN_SENT':
    case 'FIN_WAIT1':
    case 'FIN_WAIT2':
    case 'CLOSED':
    case 'LAST_ACK':
    case 'LISTEN':
    case 'CLOSING':
      return 'orphan';
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** Report order: sockets with a process (by pid, fd), then those someone holds unseen, then the kernel's. */
const NO_HOLDER_RANK: NoHolder[] = ['unreadable', 'no-fd', 'accept-queue', 'request', 'orphan', 'time-wait'];

function order(s: PortSocket): string {
  const h = s.holders[0];
  if (h) return `0 ${String(h.pid).padStart(10)} ${String(h.fd).padStart(10)}`;
  return `${1 + NO_HOLDER_RANK.indexOf(s.noHolder ?? 'no-fd')} ${s.state}`;
}

/** The sockets on `port` in a namespace (this process's by default) and who holds each. */
export async function whoHolds(port: number, options: { netns?: Netns } = {}): Promise<PortHolders> {
  const read = () => readSocketTable({ ports: [port], ...(options.netns ? { netns: options.netns } : {}) });
  let rows = await read();
  // /proc/net/tcp is not read atomically: a walk of a busy table can skip a row. Before saying
  // that nothing is on the port, look once more.
  if (rows.length === 0) rows = await read();
  const scan = scanSocketHolders(new Set(rows.map((r) => r.inode ?? 0).filter((i) => i !== 0)));
  const listening = new Set(rows.filter((r) => r.state === 'LISTEN').map((r) => r.local.port));
  const processes = new Map<number, ProcessInfo>();
  const info = (pid: number) => processes.get(pid) ?? processes.set(pid, describeProcess(pid)).get(pid)!;
  const sockets = rows.map((row): PortSocket => {
    const inode = row.inode ?? 0;
    const holders = (scan.byInode.get(inode) ?? []).map((h) => ({ ...info(h.pid), fd: h.fd }));
    const socket: PortSocket = { state: row.state, local: row.local, remote: row.remote, inode, uid: row.uid ?? 0, holders };
    if (holders.length === 0) socket.noHolder = noHolder(row.state, row.local, inode, listening, scan.unreadable.length > 0);
    return socket;
  });
  sockets.sort((a, b) => order(a).localeCompare(order(b)) || a.local.port - b.local.port || a.remote.port - b.remote.port);
  return { port, sockets, unreadableProcesses: scan.unreadable.length, held: sockets.some((s) => s.inode !== 0) };
}
