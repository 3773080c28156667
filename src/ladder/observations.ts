// The states the observer saw on each column of a ladder, whether its arrows were captured or
// inferred, and the notes where a socket left the table without any segment.

import type { TcpState } from '../states.js';
import type { Cast } from './cast.js';
import type { LadderEvent, Side } from './events.js';

/** Observations of one column: the listener until the server socket shows up, then the socket. */
export function observationsOf(cast: Cast, side: Side): { atMs: number; state: TcpState }[] {
  const party = cast[side];
  const own = party.socket?.states ?? [];
  const firstOwn = own[0]?.atMs ?? Infinity;
  const before = (party.listener?.states ?? []).filter((st) => st.atMs < firstOwn);
  return [...before, ...own].map((st) => ({ atMs: st.atMs, state: st.state }));
}

/** The observed state changes, and a note where a socket left without any segment. */
export function addObservations(cast: Cast, out: LadderEvent[]): void {
  for (const side of ['client', 'server'] as const) {
    const list = observationsOf(cast, side);
    list.forEach((o, i) => {
      out.push({ kind: 'observed', atMs: o.atMs, approx: false, side, state: o.state });
      const before = list[i - 1]?.state;
      if (o.state !== 'CLOSED') return;
      if (before === 'FIN_WAIT2') out.push({ kind: 'note', atMs: o.atMs, approx: false, side, note: { kind: 'fin-timeout' } });
      if (before === 'TIME_WAIT') out.push({ kind: 'note', atMs: o.atMs, approx: false, side, note: { kind: 'time-wait-over' } });
    });
  }
}
