// The states a segment implies: how sending or receiving SYN, ACK, FIN or RST moves an end
// through the RFC 793 state machine. The ladder uses it where the observer saw nothing.

import type { TcpState } from '../states.js';
import type { Cast } from '../ladder/cast.js';
import type { SegmentKind, Side } from '../ladder/events.js';

/** A side's state on a line: seen by the observer, or implied by the segments. */
export interface Shown {
  state: TcpState;
  implied: boolean;
}

/** Both sides' states. */
export type Model = Record<Side, Shown | undefined>;

function afterSend(s: TcpState | undefined, seg: SegmentKind): TcpState | undefined {
  if (seg === 'SYN' && (s === undefined || s === 'CLOSED' || s === 'LISTEN')) return 'SYN_SENT';
  if (seg === 'FIN') return s === 'ESTABLISHED' || s === 'SYN_RECV' ? 'FIN_WAIT1' : s === 'CLOSE_WAIT' ? 'LAST_ACK' : s;
  if (seg === 'RST' && s !== undefined) return 'CLOSED';
  return s;
}

function afterReceive(s: TcpState | undefined, seg: SegmentKind, fromListener: boolean): TcpState | undefined {
  switch (seg) {
    case 'SYN':
      return s === 'LISTEN' || s === 'SYN_SENT' ? 'SYN_RECV' : s;
    case 'SYN-ACK':
      return s === 'SYN_SENT' || s === 'SYN_RECV' ? 'ESTABLISHED' : s;
    case 'ACK':
      return ({ SYN_RECV: 'ESTABLISHED', FIN_WAIT1: 'FIN_WAIT2', CLOSING: 'TIME_WAIT', LAST_ACK: 'CLOSED' } as Partial<Record<TcpState, TcpState>>)[s!] ?? s;
    case 'FIN':
      return ({ ESTABLISHED: 'CLOSE_WAIT', FIN_WAIT1: 'CLOSING', FIN_WAIT2: 'TIME_WAIT' } as Partial<Record<TcpState, TcpState>>)[s!] ?? s;
    case 'RST':
      // RFC 793: a reset in SYN_RECV returns a passively opened connection to LISTEN.
      return s === undefined || s === 'LISTEN' ? s : s === 'SYN_RECV' && fromListener ? 'LISTEN' : 'CLOSED';
    case 'data':
    case 'window':
    case 'probe':
      return s;
    default: {
      const never: never = seg;
      return never;
    }
  }
}

/** What sending `seg` does to `from`'s state (a side with no socket of the lab keeps none). */
export function send(model: Model, cast: Cast, from: Side, seg: SegmentKind): void {
  const sent = afterSend(model[from]?.state, seg);
  if (sent && sent !== model[from]?.state && !cast[from].socketless) model[from] = { state: sent, implied: true };
}

/** What receiving `seg` does to `to`'s state. */
export function receive(model: Model, cast: Cast, to: Side, seg: SegmentKind): void {
  const got = afterReceive(model[to]?.state, seg, Boolean(cast[to].listener));
  if (got && got !== model[to]?.state && !cast[to].socketless) model[to] = { state: got, implied: true };
}

