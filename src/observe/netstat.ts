// The netstat observer: spawns `netstat -tanoW` (net-tools, which reads /proc/net/tcp{,6}) and
// parses its lines; ports are filtered in-process, netstat has no filter. Timer spellings
// follow tcp_do_one in net-tools' netstat.c: `on (0.20/0/0)` is (seconds/retransmits/probes).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stateFromNetstat } from '../states.js';
import { parseToolEndpoint } from './address.js';
import type { Observer } from './observer.js';
import { touchesPorts, type KernelTimer, type SocketRow } from './row.js';

const run = promisify(execFile);

const TIMER = /^(\S+) \((-?[\d.]+)\/(-?\d+)\/(-?\d+)\)/;

function timerKind(name: string): KernelTimer['kind'] | undefined {
  switch (name) {
    case 'off':
      return undefined;
    case 'on':
      return 'retransmit';
    case 'keepalive':
      return 'keepalive';
    case 'timewait':
      return 'timewait';
    case 'probe':
      return 'persist';
    default:
      return 'other';
  }
}

function parseTimer(rest: string): KernelTimer | undefined {
  const m = TIMER.exec(rest);
  if (!m) return undefined;
  const kind = timerKind(m[1]!);
  if (!kind) return undefined;
  // Like ss (inet_diag): retransmits for `on`, probes sent for persist and keepalive.
  const retries = Number(kind === 'persist' || kind === 'keepalive' ? m[4] : m[3]);
  return { kind, remainingMs: Math.round(Number(m[2]) * 1000), retries };
}

function parseLine(line: string): SocketRow | undefined {
  const f = line.trim().split(/\s+/);
  const proto = f[0];
  if ((proto !== 'tcp' && proto !== 'tcp6') || f.length < 6) return undefined;
  const [, recvQ, sendQ, local, foreign, name] = f as [string, string, string, string, string, string];
  const state = stateFromNetstat(name);
  if (!state) throw new Error(`netstat: unknown state \`${name}\` in line \`${line.trim()}\``);
  // netstat prints the v4-mapped addresses of tcp6 sockets as plain IPv4.
  const family = proto === 'tcp6' ? 'ipv6' : 'ipv4';
  const row: SocketRow = {
    local: parseToolEndpoint(local, family),
    remote: parseToolEndpoint(foreign, family),
    state,
    recvQueue: Number(recvQ),
  };
  // For a listener /proc's tx_queue, netstat's Send-Q, is always 0: no queue to report.
  if (state !== 'LISTEN') row.sendQueue = Number(sendQ);
  const timer = parseTimer(f.slice(6).join(' '));
  if (timer) row.timer = timer;
  return row;
}

/** The sockets of `netstat -tanoW` output (`-o` optional; header lines skipped). */
export function parseNetstat(text: string): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split('\n')) {
    const row = parseLine(line);
    if (row) rows.push(row);
  }
  return rows;
}

/** execFile's error is kept: `code` 'ENOENT' when netstat is missing. */
async function runNetstat(): Promise<string> {
  const { stdout } = await run('netstat', ['-tanoW'], {
    encoding: 'latin1',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C' },
  });
  return stdout;
}

/** Spawns `netstat` (no shell) once per sample. */
export function createNetstatObserver(periodMs = 10): Observer {
  return {
    name: 'netstat',
    periodMs,
    async sample(ports) {
      return parseNetstat(await runNetstat()).filter((row) => touchesPorts(row, ports));
    },
  };
}
