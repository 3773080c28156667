// The TCP side of a lock: the connections to a redis-server counted by state, read from the
// socket table of the caller's network namespace (/proc/net/tcp and tcp6).

import { createProcObserver } from '../observe/proc.js';
import type { TcpState } from '../states.js';

/** Connections by canonical state; states with none are absent. */
export type StateCounts = Partial<Record<TcpState, number>>;

/**
 * Client ends of connections to `port` (remote port = `port`) by state, e.g. `{ ESTABLISHED: 200 }`
 * for a pool, `{ TIME_WAIT: 200 }` after 200 connections each closed first by its client.
 */
export async function connectionsTo(port: number): Promise<StateCounts> {
  const rows = await createProcObserver().sample(new Set([port]));
  const counts: StateCounts = {};
  for (const row of rows) {
    if (row.remote.port !== port || row.state === 'LISTEN') continue;
    counts[row.state] = (counts[row.state] ?? 0) + 1;
  }
  return counts;
}

/** `ESTABLISHED 200, TIME_WAIT 3`, or `none`. */
export function formatCounts(counts: StateCounts): string {
  const parts = Object.entries(counts).map(([state, n]) => `${state} ${n}`);
  return parts.length ? parts.join(', ') : 'none';
}
