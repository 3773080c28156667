// The TCP socket table of a network namespace, /proc/net/tcp and tcp6 (of this process, or
// /proc/PID/net of another one, which is that process's namespace): as text for the proc parser,
// or streamed through one buffer for a scan that never holds the whole table.

import { closeSync, openSync, readSync } from 'node:fs';
import { parseProcNetTcp } from '../observe/proc.js';
import type { SocketRow } from '../observe/row.js';
import { InventoryError } from './error.js';

/** Which namespace to read: this process's (`self`), or that of process `pid`. */
export type Netns = 'self' | { pid: number };

/**
 * Read size: the kernel formats the text on every read() call, so few large reads (15 at 100k
 * sockets, 15 MB of text) rather than Node's readFile loop of 8 KiB on a size-0 file (1 900).
 * Reads are synchronous: through the thread pool the same reads took about 1.7x as long here.
 */
const CHUNK = 1 << 20;

function procNet(netns: Netns): string {
  return netns === 'self' ? '/proc/net' : `/proc/${netns.pid}/net`;
}

function unreadable(netns: Netns, error: NodeJS.ErrnoException): InventoryError {
  if (error.code === 'ENOENT') {
    return new InventoryError(netns === 'self' ? '/proc/net/tcp does not exist: is /proc mounted?' : `no process with pid ${netns.pid}`);
  }
  if (netns === 'self') return new InventoryError(`cannot read /proc/net/tcp: ${error.code ?? error.message}`);
  if (error.code === 'EACCES') return new InventoryError(`cannot read the sockets of process ${netns.pid}'s network namespace: permission denied`);
  return new InventoryError(`cannot read /proc/${netns.pid}/net/tcp: ${error.code ?? error.message}`);
}

export type TableFile = 'tcp' | 'tcp6';

/** Consumes the whole lines of buffer[from, to) of `file` and returns where the unfinished one starts. */
export type Take = (buffer: Buffer, from: number, to: number, file: TableFile) => number;

/**
 * Calls `take(buffer, from, to, name)` with the whole lines read so far (header line skipped), which
 * returns where the line it could not finish starts; that rest is read again with what follows.
 * tcp6 missing (IPv6 disabled) is no socket, tcp missing is an error.
 */
function streamFile(netns: Netns, name: TableFile, buffer: Buffer, take: Take): void {
  let fd: number;
  try {
    fd = openSync(`${procNet(netns)}/${name}`, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && name === 'tcp6') return;
    throw unreadable(netns, error as NodeJS.ErrnoException);
  }
  try {
    let kept = 0;
    let header = true;
    for (;;) {
      if (kept === buffer.length) throw new Error(`/proc/net/${name}: a line longer than ${buffer.length} bytes`);
      const end = kept + readSync(fd, buffer, kept, buffer.length - kept, null);
      let from = 0;
      if (header) {
        const newline = buffer.indexOf(10);
        if (newline !== -1 && newline < end) {
          from = newline + 1;
          header = false;
        }
      }
      if (end === kept) {
        if (!header && from < end) take(buffer, from, end, name);
        return;
      }
      const rest = header ? 0 : take(buffer, from, end, name);
      buffer.copy(buffer, 0, rest, end);
      kept = end - rest;
    }
  } catch (error) {
    throw error instanceof Error && !('code' in error) ? error : unreadable(netns, error as NodeJS.ErrnoException);
  } finally {
    closeSync(fd);
  }
}

let scratch: Buffer | undefined;

/** Streams the lines of tcp, then of tcp6, through `take` (see streamFile). */
export function scanTable(netns: Netns, take: Take): void {
  scratch ??= Buffer.allocUnsafe(CHUNK);
  streamFile(netns, 'tcp', scratch, take);
  streamFile(netns, 'tcp6', scratch, take);
}

/** The text of a table file, header included ('' for a missing tcp6). */
function readText(netns: Netns, name: TableFile): string {
  const parts: string[] = [];
  scratch ??= Buffer.allocUnsafe(CHUNK);
  streamFile(netns, name, scratch, (buffer, from, to) => {
    if (parts.length === 0) parts.push(buffer.toString('latin1', 0, from));
    parts.push(buffer.toString('latin1', from, to));
    return to;
  });
  return parts.join('');
}

/** The texts of tcp and tcp6 of a namespace (tcp6 is '' when IPv6 is disabled). */
export async function readTableTexts(netns: Netns = 'self'): Promise<{ tcp: string; tcp6: string }> {
  return { tcp: readText(netns, 'tcp'), tcp6: readText(netns, 'tcp6') };
}

export interface TableOptions {
  netns?: Netns;
  /** Only sockets whose local or remote port is one of these (other lines are skipped unparsed). */
  ports?: Iterable<number>;
}

/** Every TCP socket (IPv4 and IPv6) of a namespace, parsed by the proc observer's parser. */
export async function readSocketTable(options: TableOptions = {}): Promise<SocketRow[]> {
  const { tcp, tcp6 } = await readTableTexts(options.netns);
  const ports = new Set(options.ports ?? []);
  return [...parseProcNetTcp(tcp, ports), ...parseProcNetTcp(tcp6, ports)];
}
