// The whole TCP socket table of a network namespace, as the text of /proc/net/tcp and tcp6 (of
// this process, or /proc/PID/net of another one, which is that process's namespace), read with
// large reads: the kernel formats the text on every read() call, and small reads cost much more.

import { closeSync, openSync, readSync } from 'node:fs';
import { parseProcNetTcp } from '../observe/proc.js';
import type { SocketRow } from '../observe/row.js';
import { InventoryError } from './error.js';

/** Which namespace to read: this process's (`self`), or that of process `pid`. */
export type Netns = 'self' | { pid: number };

/**
 * First read size; the buffer doubles when a read fills it. At 100k sockets (15 MB of text) that
 * is about 8 read() calls, where Node's readFile loop on a size-0 file makes about 1 900.
 */
const FIRST_READ = 256 * 1024;

function procNet(netns: Netns): string {
  return netns === 'self' ? '/proc/net' : `/proc/${netns.pid}/net`;
}

/**
 * The text of a /proc file that reports size 0; `undefined` when the file does not exist. Read
 * synchronously: the read is the kernel formatting the table, and hopping through the thread
 * pool for each read() only adds to it (about 2x at 10k sockets on a busy 2-core machine).
 */
function readWhole(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    let buffer = Buffer.allocUnsafe(FIRST_READ);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.toString('latin1', 0, length);
  } finally {
    closeSync(fd);
  }
}

function explain(netns: Netns, error: NodeJS.ErrnoException): InventoryError {
  if (netns === 'self') return new InventoryError(`cannot read /proc/net/tcp: ${error.code ?? error.message}`);
  if (error.code === 'EACCES') return new InventoryError(`cannot read the sockets of process ${netns.pid}'s network namespace: permission denied`);
  return new InventoryError(`cannot read /proc/${netns.pid}/net/tcp: ${error.code ?? error.message}`);
}

/** The texts of tcp and tcp6 (tcp6 is '' when IPv6 is disabled). */
export async function readTableTexts(netns: Netns = 'self'): Promise<{ tcp: string; tcp6: string }> {
  try {
    const tcp = readWhole(`${procNet(netns)}/tcp`);
    const tcp6 = readWhole(`${procNet(netns)}/tcp6`);
    if (tcp === undefined) {
      throw new InventoryError(netns === 'self' ? '/proc/net/tcp does not exist: is /proc mounted?' : `no process with pid ${netns.pid}`);
    }
    return { tcp, tcp6: tcp6 ?? '' };
  } catch (error) {
    if (error instanceof InventoryError) throw error;
    throw explain(netns, error as NodeJS.ErrnoException);
  }
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
