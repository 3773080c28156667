// The states and transitions the observer actually saw, gathered from the labs' results: what
// the tour checks off and the report's state diagram highlights. CLOSED counts only as a socket
// leaving the table after being seen.

import type { LabResult, SocketJson } from '../runner/result.js';
import type { TcpState } from '../states.js';
import { isListener, portOf } from './cast.js';

/** The eleven states in the order of a connection's life (the checklist's order). */
export const TOUR_STATES: readonly TcpState[] = [
  'LISTEN', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2',
  'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT', 'CLOSED',
];

/** `FROM>TO`, e.g. `FIN_WAIT2>TIME_WAIT`. */
export type TransitionKey = `${TcpState}>${TcpState}`;

export interface Observed {
  /** For each state, the labs it was seen in (empty: not seen). */
  seenIn: Record<TcpState, string[]>;
  /** Transitions seen, each with the labs it was seen in. */
  transitions: Map<TransitionKey, string[]>;
}

/**
 * The transitions one socket went through: consecutive observed states, plus how it entered
 * the table. Every socket starts CLOSED, so a socket first seen in LISTEN or SYN_SENT came from
 * CLOSED, and one first seen in SYN_RECV on a listening port came from LISTEN (the kernel
 * creates it for the listener); a socket first seen in any other state says nothing of how it
 * got there.
 */
export function transitionsOf(socket: SocketJson, listeningPorts: ReadonlySet<string>): TransitionKey[] {
  const out: TransitionKey[] = [];
  const first = socket.states[0]?.state;
  if (first === 'LISTEN' || first === 'SYN_SENT') out.push(`CLOSED>${first}`);
  if (first === 'SYN_RECV' && listeningPorts.has(portOf(socket.local))) out.push('LISTEN>SYN_RECV');
  for (let i = 1; i < socket.states.length; i++) {
    const from = socket.states[i - 1]!.state;
    const to = socket.states[i]!.state;
    if (from !== to) out.push(`${from}>${to}`);
  }
  return out;
}

/** Gathers the states and transitions the labs' observers saw. */
export function observe(results: readonly LabResult[]): Observed {
  const seenIn = Object.fromEntries(TOUR_STATES.map((s) => [s, [] as string[]])) as Record<TcpState, string[]>;
  const transitions = new Map<TransitionKey, string[]>();
  const add = (list: string[], name: string) => {
    if (!list.includes(name)) list.push(name);
  };
  for (const r of results) {
    const listening = new Set(r.sockets.filter(isListener).map((s) => portOf(s.local)));
    for (const socket of r.sockets) {
      socket.states.forEach((st, i) => {
        // CLOSED is the absence of a row: it counts once a socket seen before has left.
        if (st.state !== 'CLOSED' || i > 0) add(seenIn[st.state], r.name);
      });
      for (const t of transitionsOf(socket, listening)) {
        if (!transitions.has(t)) transitions.set(t, []);
        add(transitions.get(t)!, r.name);
      }
    }
  }
  return { seenIn, transitions };
}

/** `{ LISTEN: true, ... }` in checklist order, for `--json`. */
export function stateFlags(observed: Observed): Record<TcpState, boolean> {
  return Object.fromEntries(TOUR_STATES.map((s) => [s, observed.seenIn[s].length > 0])) as Record<TcpState, boolean>;
}

export function countObserved(observed: Observed): number {
  return TOUR_STATES.filter((s) => observed.seenIn[s].length > 0).length;
}
