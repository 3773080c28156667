// The ss observer: spawns `ss -tanoH` (iproute2, sock_diag netlink) with the port filter done
// in the kernel, and parses its lines. Timer spellings follow print_ms_timer and
// tcp_timer_print in iproute2's misc/ss.c.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stateFromSs } from '../states.js';
import { parseToolEndpoint } from './address.js';
import type { Observer } from './observer.js';
import { touchesPorts, type KernelTimer, type SocketRow } from './row.js';

const run = promisify(execFile);

const TIMER_KINDS: Record<string, KernelTimer['kind']> = {
  on: 'retransmit',
  keepalive: 'keepalive',
  timewait: 'timewait',
  persist: 'persist',
  delack: 'delack',
};

const DURATION = /^(?:(\d+)min)?(?:(\d+)(?:\.(\d{3})(?:sec|ms)|sec))?(?:(\d+)ms)?$/;

/**
 * ss's durations: `1min`, `12min`, `1min2sec`, `59sec`, `884ms`, `084ms`, `` (0), and seconds
 * with ms: `1.348sec`, spelled `1.348ms` (still 1348 ms) by iproute2 before 6.11.
 */
export function parseSsDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`ss: expected a duration like \`1min2sec\` or \`884ms\`, got \`${text}\``);
  const [, min = '0', sec = '0', secFraction = '0', ms = '0'] = m;
  return Number(min) * 60_000 + Number(sec) * 1000 + Number(secFraction) + Number(ms);
}

const TIMER = /\btimer:\(([^,()]*),([^,()]*),(-?\d+)\)/;

function parseTimer(rest: string): KernelTimer | undefined {
  const m = TIMER.exec(rest);
  if (!m || m[1] === 'off') return undefined;
  return { kind: TIMER_KINDS[m[1]!] ?? 'other', remainingMs: parseSsDuration(m[2]!), retries: Number(m[3]) };
}

function parseLine(line: string): SocketRow | undefined {
  const f = line.trim().split(/\s+/);
  if (f[0] === 'tcp') f.shift();
  if (f.length < 5 || f[0] === 'State' || f[0] === 'Netid') return undefined;
  const [name, recvQ, sendQ, local, peer] = f as [string, string, string, string, string];
  const state = stateFromSs(name);
  if (!state) throw new Error(`ss: unknown state \`${name}\` in line \`${line.trim()}\``);
  const rest = f.slice(5).join(' ');
  const row: SocketRow = {
    local: parseToolEndpoint(local),
    remote: parseToolEndpoint(peer),
    state,
    recvQueue: Number(recvQ),
  };
  // For a listener ss's Send-Q is the backlog, not a queue.
  if (state !== 'LISTEN') row.sendQueue = Number(sendQ);
  const timer = parseTimer(rest);
  if (timer) row.timer = timer;
  const uid = /\buid:(\d+)/.exec(rest);
  if (uid) row.uid = Number(uid[1]);
  const inode = /\bino:(\d+)/.exec(rest);
  if (inode) row.inode = Number(inode[1]);
  return row;
}

/** The sockets of `ss -tanoH` output (or `ss -tan`, `-tanH`, `-tano`: header and timers optional). */
export function parseSs(text: string): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split('\n')) {
    const row = parseLine(line);
    if (row) rows.push(row);
  }
  return rows;
}

/** argv of `ss -tanoH ( sport = :P or dport = :P ... )`, without a filter for an empty set. */
export function ssArgs(ports: ReadonlySet<number>): string[] {
  const args = ['-tanoH'];
  if (ports.size === 0) return args;
  const terms = [...ports].map((p) => ['sport', '=', `:${p}`, 'or', 'dport', '=', `:${p}`]);
  return [...args, '(', ...terms.flatMap((t, i) => (i === 0 ? t : ['or', ...t])), ')'];
}

/** execFile's error is kept: `code` 'ENOENT' when ss is missing. */
async function runSs(args: string[]): Promise<string> {
  const { stdout } = await run('ss', args, {
    encoding: 'latin1',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C' },
  });
  return stdout;
}

/** Spawns `ss` (no shell) once per sample. */
export function createSsObserver(periodMs = 5): Observer {
  return {
    name: 'ss',
    periodMs,
    async sample(ports) {
      const rows = parseSs(await runSs(ssArgs(ports)));
      return rows.filter((row) => touchesPorts(row, ports));
    },
  };
}
