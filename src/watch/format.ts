// How `tcplab watch` prints a transition: tcpstates' column order (time, pid/comm, local,
// remote, old -> new, ms in the old state) as text, JSON lines or CSV, and the closing summary.

import type { WatchTransition } from './transitions.js';
import { formatEndpoint } from '../observe/row.js';

export type WatchFormat = 'text' | 'json' | 'csv';

const COLUMNS = ['TIME(s)', 'PID', 'COMM', 'LOCAL', 'REMOTE', 'OLDSTATE', 'NEWSTATE', 'MS'];

export function header(format: WatchFormat): string | undefined {
  switch (format) {
    case 'text':
      return `${'TIME(s)'.padEnd(9)} ${'PID'.padStart(7)} ${'COMM'.padEnd(12)} ${'LOCAL'.padEnd(22)} ${'REMOTE'.padEnd(22)} ${'OLDSTATE'.padEnd(11)} -> ${'NEWSTATE'.padEnd(11)} ${'MS'.padStart(9)}`;
    case 'csv':
      return COLUMNS.join(',');
    case 'json':
      return undefined;
    default: {
      const never: never = format;
      return never;
    }
  }
}

export function line(t: WatchTransition, format: WatchFormat): string {
  const local = formatEndpoint(t.local);
  const remote = formatEndpoint(t.remote);
  const ms = t.msInFrom === undefined ? '' : t.msInFrom.toFixed(3);
  switch (format) {
    case 'text':
      return `${(t.atMs / 1000).toFixed(6).padEnd(9)} ${String(t.pid ?? '-').padStart(7)} ${(t.comm ?? '-').slice(0, 12).padEnd(12)} ${local.padEnd(22)} ${remote.padEnd(22)} ${t.from.padEnd(11)} -> ${t.to.padEnd(11)} ${(ms || '-').padStart(9)}`;
    case 'csv':
      return [(t.atMs / 1000).toFixed(6), t.pid ?? '', t.comm ?? '', local, remote, t.from, t.to, ms].join(',');
    case 'json':
      return JSON.stringify({ timeMs: Math.round(t.atMs * 1000) / 1000, pid: t.pid ?? null, comm: t.comm ?? null, local, remote, from: t.from, to: t.to, msInFrom: t.msInFrom === undefined ? null : Math.round(t.msInFrom * 1000) / 1000 });
    default: {
      const never: never = format;
      return never;
    }
  }
}

/** `ESTABLISHED 12, TIME_WAIT 3 ...`: transitions into each state, most first. */
export function summary(counts: Map<string, number>, total: number, source: string, seconds: number): string {
  const parts = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([s, n]) => `${s} ${n}`);
  return `${total} transitions in ${seconds.toFixed(1)} s (${source})${parts.length ? `; into ${parts.join(', ')}` : ''}`;
}
