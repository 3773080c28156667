// Where `tcplab watch` gets its transitions: the kernel's trace (root), or polls of /proc.
// Both deliver transitions through `onTransition` until `stop()`.

import { readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { parseProcNetTcp } from '../observe/proc.js';
import { rowKey, type SocketRow } from '../observe/row.js';
import { parseTraceLine } from '../observe/trace-parse.js';
import { closeTracefs, INSTANCE_PREFIX, openTracefs, portFilter, TraceInstance } from '../observe/tracefs.js';
import { monotonicMs } from '../observe/trace.js';
import { diffTables, tableOf, type WatchTransition } from './transitions.js';

/** Set when `tcplab watch` already runs in a mount namespace of its own (it mounts tracefs there). */
export const WATCH_IN_MOUNT_NS = 'TCPLAB_WATCH_IN_MOUNT_NS';
/**
 * Set by the library's observe(): JSON lines carry the CLOCK_MONOTONIC time (`monoMs`), and
 * SIGUSR1 asks for everything so far, answered by a `{"flushed":N}` line.
 */
export const WATCH_FEED = 'TCPLAB_WATCH_FEED';

export type Selection = { kind: 'port'; port: number } | { kind: 'pid'; pid: number } | { kind: 'all' };

export interface WatchSource {
  /** `trace` or `proc every N ms`. */
  readonly description: string;
  /** Resolves once the source is watching (the first poll read, or the trace enabled). */
  start(onTransition: (t: Omit<WatchTransition, 'msInFrom'>) => void): Promise<void>;
  /** Reports everything that happened before this call (a fresh poll, or the trace drained). */
  flush(): Promise<void>;
  /** Stops watching; what it still held back is reported first. */
  stop(): Promise<void>;
}

/** The socket inodes a process holds (readable only for one's own processes unless root). */
function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

async function readTable(pid?: number): Promise<SocketRow[]> {
  const base = pid === undefined ? '/proc/net' : `/proc/${pid}/net`;
  const [v4, v6] = await Promise.all([readFile(`${base}/tcp`, 'utf8'), readFile(`${base}/tcp6`, 'utf8').catch(() => '')]);
  return [...parseProcNetTcp(v4), ...parseProcNetTcp(v6)];
}

/** The local ports of a process's sockets (its listeners and connections). */
async function portsOfPid(pid: number): Promise<Set<number>> {
  const inodes = socketInodes(pid);
  const rows = await readTable(pid).catch(() => []);
  return new Set(rows.filter((r) => r.inode !== undefined && inodes.has(r.inode)).map((r) => r.local.port));
}

function selects(sel: Selection, row: SocketRow, pidPorts: Set<number>): boolean {
  switch (sel.kind) {
    case 'port':
      return row.local.port === sel.port || row.remote.port === sel.port;
    case 'pid':
      return pidPorts.has(row.local.port);
    case 'all':
      return true;
    default: {
      const never: never = sel;
      return never;
    }
  }
}

/** The sockets of the table that `sel` selects, read now. */
export async function readSelected(sel: Selection): Promise<SocketRow[]> {
  const pidPorts = sel.kind === 'pid' ? await portsOfPid(sel.pid) : new Set<number>();
  return (await readTable(sel.kind === 'pid' ? sel.pid : undefined).catch(() => [])).filter((r) => selects(sel, r, pidPorts));
}

export function pollSource(sel: Selection, periodMs: number, t0: number): WatchSource {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let before: Map<string, SocketRow> | undefined;
  let report: (t: Omit<WatchTransition, 'msInFrom'>) => void = () => {};
  // Polls run one after another, so that two never diff against the same table.
  let queue: Promise<void> = Promise.resolve();
  const poll = () => (queue = queue.then(async () => {
    const after = tableOf(await readSelected(sel));
    if (before) for (const t of diffTables(before, after, performance.now() - t0)) report(t);
    before = after;
  }));
  const tick = async () => {
    if (!running) return;
    await poll();
    if (running) timer = setTimeout(() => void tick(), periodMs);
  };
  return {
    description: `polling /proc every ${periodMs} ms: transitions between two polls are not seen`,
    async start(onTransition) {
      running = true;
      report = onTransition;
      await poll();
      timer = setTimeout(() => void tick(), periodMs);
    },
    flush: poll,
    async stop() {
      running = false;
      clearTimeout(timer);
      await queue;
    },
  };
}

export function traceSource(sel: Selection, periodMs: number, t0: number): WatchSource {
  const name = `${INSTANCE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  const fs = openTracefs(name);
  const instance = new TraceInstance(fs.root, name, 8192);
  const monoAtT0 = monotonicMs() - (performance.now() - t0);
  let timer: NodeJS.Timeout | undefined;
  let refresh: NodeJS.Timeout | undefined;
  let running = false;
  const held: Omit<WatchTransition, 'msInFrom'>[] = [];
  let flushHeld = async (): Promise<void> => {};
  let readNow = async (): Promise<void> => {};
  return {
    description: 'the kernel\'s trace (sock:inet_sock_set_state), every transition',
    async start(onTransition) {
      if (sel.kind === 'port') instance.setFilter(portFilter(new Set([sel.port])));
      else if (sel.kind === 'all') instance.setFilter('0');
      else {
        const update = async () => instance.setFilter(portFilter(await portsOfPid(sel.pid)));
        await update();
        refresh = setInterval(() => void update(), 1000);
      }
      // The kernel traces the socket's close, not the timewait socket that replaces it: a
      // close from FIN_WAIT2 or CLOSING is held until /proc says whether TIME_WAIT followed.
      flushHeld = async () => {
        if (held.length === 0) return;
        const table = tableOf(await readTable().catch(() => []));
        for (const t of held.splice(0)) {
          const row = table.get(rowKey(t.local, t.remote));
          onTransition(row?.state === 'TIME_WAIT' ? { ...t, to: 'TIME_WAIT' } : t);
        }
      };
      readNow = async () => {
        await flushHeld();
        for (const text of instance.drain()) {
          const e = parseTraceLine(text);
          if (e?.kind !== 'transition') continue;
          const t = { atMs: e.tsUs / 1000 - monoAtT0, pid: e.pid, comm: e.comm, local: e.local, remote: e.remote, from: e.from, to: e.to };
          if (t.to === 'CLOSED' && (t.from === 'FIN_WAIT2' || t.from === 'CLOSING')) held.push(t);
          else onTransition(t);
        }
      };
      const drain = async () => {
        await readNow();
        if (running) timer = setTimeout(() => void drain(), periodMs);
      };
      running = true;
      void drain();
    },
    async flush() {
      await readNow();
      await flushHeld();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      clearInterval(refresh);
      // What the kernel wrote since the last drain, and the closes held back, still count.
      await readNow();
      await flushHeld();
      instance.remove();
      closeTracefs(fs);
    },
  };
}
