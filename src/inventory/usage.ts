// CPU time and memory of a process from /proc/PID/stat and /proc/PID/status: total CPU and
// peak resident memory over its whole life in one read, taken just before it ends (pidusage
// polls an instantaneous RSS and a CPU percentage instead).

import { readFileSync } from 'node:fs';

/** What a process cost, as of the moment of the read. */
export interface ProcessUsage {
  pid: number;
  /** User + system CPU time, in ms (its own threads; `childrenCpuMs` for children it waited for). */
  cpuMs: number;
  childrenCpuMs: number;
  /** Peak resident set size (VmHWM), in bytes. */
  peakRssBytes: number;
  /** Resident set size now (VmRSS), in bytes. */
  rssBytes: number;
}

/** USER_HZ: /proc/PID/stat counts CPU time in ticks of 1/100 s. */
const MS_PER_TICK = 10;

function kiloBytes(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** The usage of `pid`, or undefined when it is gone (or a zombie, which has no memory left). */
export function processUsage(pid: number): ProcessUsage | undefined {
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z') return undefined;
  const ticks = (i: number) => Number(f[i]) * MS_PER_TICK;
  return {
    pid,
    cpuMs: ticks(11) + ticks(12),
    childrenCpuMs: ticks(13) + ticks(14),
    peakRssBytes: kiloBytes(status, 'VmHWM'),
    rssBytes: kiloBytes(status, 'VmRSS'),
  };
}
