// Transitions of sockets outside any lab, as `tcplab watch` reports them: from the kernel's
// trace (exact) or from differences between two polls of /proc (what changed between them),
// with the time each socket spent in its previous state when that is known.

import type { TcpState } from '../states.js';
import type { Endpoint, SocketRow } from '../observe/row.js';
import { rowKey } from '../observe/row.js';

export interface WatchTransition {
  /** ms since the watch began. */
  atMs: number;
  pid?: number;
  comm?: string;
  local: Endpoint;
  remote: Endpoint;
  from: TcpState;
  to: TcpState;
  /** ms spent in `from`, when the watch saw the socket enter it. */
  msInFrom?: number;
}

/** Remembers when each socket entered its state, to say how long it stayed. */
export class StateClock {
  private since = new Map<string, number>();
  private pendingSynSent = new Map<string, number>();

  /** Fills in `msInFrom` and forgets sockets that closed. */
  stamp(t: Omit<WatchTransition, 'msInFrom'>): WatchTransition {
    if (t.to === 'SYN_SENT' && t.local.port === 0) {
      this.pendingSynSent.set(rowKey({ address: '', port: 0 }, t.remote), t.atMs);
    }
    const key = rowKey(t.local, t.remote);
    let entered = this.since.get(key);
    if (entered === undefined && t.from === 'SYN_SENT') {
      const pk = rowKey({ address: '', port: 0 }, t.remote);
      entered = this.pendingSynSent.get(pk);
      this.pendingSynSent.delete(pk);
    }
    if (t.to === 'CLOSED') this.since.delete(key);
    else this.since.set(key, t.atMs);
    return { ...t, ...(entered !== undefined ? { msInFrom: t.atMs - entered } : {}) };
  }
}

/** The transitions that turn table `before` into table `after` (a socket appearing comes from CLOSED). */
export function diffTables(before: Map<string, SocketRow>, after: Map<string, SocketRow>, atMs: number): Omit<WatchTransition, 'msInFrom'>[] {
  const out: Omit<WatchTransition, 'msInFrom'>[] = [];
  for (const [key, row] of after) {
    const old = before.get(key);
    if (!old) out.push({ atMs, local: row.local, remote: row.remote, from: 'CLOSED', to: row.state });
    else if (old.state !== row.state) out.push({ atMs, local: row.local, remote: row.remote, from: old.state, to: row.state });
  }
  for (const [key, row] of before) {
    if (!after.has(key)) out.push({ atMs, local: row.local, remote: row.remote, from: row.state, to: 'CLOSED' });
  }
  return out;
}

export function tableOf(rows: SocketRow[]): Map<string, SocketRow> {
  return new Map(rows.map((r) => [rowKey(r.local, r.remote), r]));
}
