// The kernel's TCP counters of this network namespace: /proc/net/snmp (`Tcp.*`) and
// /proc/net/netstat (`TcpExt.*`), the numbers `nstat` and `netstat -s` print.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Counters by `Group.Name`, e.g. `Tcp.OutRsts`, `TcpExt.TCPSynRetrans`. */
export type Counters = Record<string, number>;

/** Parses the header/value line pairs of /proc/net/snmp or /proc/net/netstat. */
export function parseCounterPairs(text: string): Counters {
  const out: Counters = {};
  const lines = text.split('\n').filter((l) => l.includes(':'));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [group, ...names] = lines[i]!.split(/\s+/);
    const [group2, ...values] = lines[i + 1]!.split(/\s+/);
    if (group !== group2) continue;
    names.forEach((name, k) => {
      if (name) out[`${group!.slice(0, -1)}.${name}`] = Number(values[k]);
    });
  }
  return out;
}

export async function readCounters(): Promise<Counters> {
  const [snmp, netstat] = await Promise.all([readFile('/proc/net/snmp', 'utf8'), readFile('/proc/net/netstat', 'utf8')]);
  return { ...parseCounterPairs(snmp), ...parseCounterPairs(netstat) };
}

/** The same, read at once: a baseline taken before the next step of a script can run. */
export function readCountersNow(): Counters {
  return { ...parseCounterPairs(readFileSync('/proc/net/snmp', 'utf8')), ...parseCounterPairs(readFileSync('/proc/net/netstat', 'utf8')) };
}
