// Which processes hold which sockets: each /proc/PID/fd/N of a socket is a link `socket:[INODE]`,
// and INODE is the `inode` column of /proc/net/tcp (what `ss -p`, `netstat -p`, `lsof -i` read).
// Other users' /proc/PID/fd cannot be read except by root: those processes are counted, not guessed.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { InventoryError } from './error.js';

/** A file descriptor of a process that refers to a socket. */
export interface Holder {
  pid: number;
  fd: number;
}

export interface HolderScan {
  /** The holders of each wanted inode (several when a socket is shared, e.g. after fork). */
  byInode: Map<number, Holder[]>;
  /** Processes whose /proc/PID/fd this user may not read. */
  unreadable: number[];
}

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

function numericEntries(dir: string): number[] {
  return readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** The inode of each socket fd of `pid`; throws the errno error of reading /proc/PID/fd. */
function socketFds(pid: number): { fd: number; inode: number }[] {
  const out: { fd: number; inode: number }[] = [];
  for (const fd of numericEntries(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = SOCKET_LINK.exec(link);
    if (m) out.push({ fd, inode: Number(m[1]) });
  }
  return out;
}

/** Walks every process's fds once, keeping the holders of the `wanted` inodes. */
export function scanSocketHolders(wanted: ReadonlySet<number>): HolderScan {
  const byInode = new Map<number, Holder[]>();
  const unreadable: number[] = [];
  if (wanted.size === 0) return { byInode, unreadable };
  for (const pid of numericEntries('/proc')) {
    let fds;
    try {
      fds = socketFds(pid);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') unreadable.push(pid);
      continue; // ENOENT: gone meanwhile
    }
    for (const { fd, inode } of fds) {
      if (!wanted.has(inode)) continue;
      const list = byInode.get(inode);
      if (list) list.push({ pid, fd });
      else byInode.set(inode, [{ pid, fd }]);
    }
  }
  return { byInode, unreadable };
}

/** The socket inodes process `pid` holds. */
export function socketInodesOf(pid: number): Set<number> {
  try {
    return new Set(socketFds(pid).map((s) => s.inode));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InventoryError(`no process with pid ${pid}`);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new InventoryError(`cannot read /proc/${pid}/fd: process ${pid} belongs to another user; run as root (sudo) or as its user`);
    }
    throw error;
  }
}

export interface ProcessInfo {
  pid: number;
  /** The command line, arguments joined by spaces (`[comm]` for kernel threads). */
  command: string;
  /** Effective uid, as `ps -o user` shows it; undefined when the process is gone. */
  uid: number | undefined;
  /** User name from /etc/passwd, or the uid as a number when it has none. */
  user: string;
}

let passwd: Map<number, string> | undefined;

/** The name of `uid` in /etc/passwd (users of NSS services other than files show as numbers). */
export function userName(uid: number): string {
  if (!passwd) {
    passwd = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && !passwd.has(Number(id))) passwd.set(Number(id), name);
      }
    } catch {
      // no /etc/passwd: numbers only
    }
  }
  return passwd.get(uid) ?? String(uid);
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

export function describeProcess(pid: number): ProcessInfo {
  const args = readOr(`/proc/${pid}/cmdline`, '').split('\0');
  while (args.length > 0 && args.at(-1) === '') args.pop();
  const command = args.length > 0 ? args.join(' ') : `[${readOr(`/proc/${pid}/comm`, '?').trim()}]`;
  const uidLine = /^Uid:\s+\d+\s+(\d+)/m.exec(readOr(`/proc/${pid}/status`, ''));
  const uid = uidLine ? Number(uidLine[1]) : undefined;
  return { pid, command, uid, user: uid === undefined ? '?' : userName(uid) };
}
