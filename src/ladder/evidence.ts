// When did a segment happen? Without a capture, the ladder dates each inferred segment by the
// first evidence that it had happened: a sample showing the state it causes, or a Node event it
// causes. Every such time is an upper bound; none is ever before the cause.

import type { EventJson, LabResult, StateJson } from '../runner/result.js';
import type { TcpState } from '../states.js';
import type { Cast } from './cast.js';
import type { Side } from './events.js';

/** Questions about one lab's samples and Node events, asked by side. */
export interface Evidence {
  /** The side an actor of the lab's events plays, if any. */
  sideOf(actor: string | undefined): Side | undefined;
  states(side: Side): StateJson[];
  /** When `side` was first seen, at or after `after`, in one of `states`. */
  seen(side: Side, states: readonly TcpState[], after: number): number | undefined;
  /** When Node first reported one of `events` on `side`, at or after `after`. */
  reported(side: Side, events: readonly string[], after: number): EventJson | undefined;
  /** The state `side` was last seen in at `t`. */
  stateAt(side: Side, t: number): TcpState | undefined;
  /** Retransmissions the kernel's timer counted on the first `state` of `side`, at estimated times. */
  retries(side: Side, state: TcpState, each: (atMs: number, n: number) => void): number;
}

/** The earliest of the bounds that exist, or `cause` when there is none. */
export function earliest(cause: number, ...bounds: (number | undefined)[]): number {
  const known = bounds.filter((b): b is number => b !== undefined && b >= cause);
  return known.length > 0 ? Math.min(...known) : cause;
}

export function evidenceOf(r: LabResult, cast: Cast): Evidence {
  const states = (side: Side): StateJson[] => cast[side].socket?.states ?? [];
  const sideOf = (actor: string | undefined): Side | undefined =>
    actor === undefined ? undefined : actor === cast.client.actor ? 'client' : actor === cast.server.actor ? 'server' : undefined;
  return {
    sideOf,
    states,
    seen: (side, names, after) => states(side).find((st) => st.atMs >= after && names.includes(st.state))?.atMs,
    reported: (side, events, after) =>
      r.events.find((e) => e.kind === 'node' && sideOf(e.actor) === side && events.includes(e.what) && e.atMs >= after),
    stateAt: (side, t) => states(side).filter((st) => st.atMs <= t).pop()?.state,
    retries(side, state, each) {
      const st = states(side).find((s) => s.state === state);
      const n = Math.max(st?.timer?.retries ?? 0, st?.lastTimer?.retries ?? 0);
      if (!st || n === 0) return 0;
      const first = st.atMs + (st.timer?.kind === 'retransmit' ? Math.max(0, st.timer.remainingMs) : 1000);
      // Exponential backoff from a 1 s timeout: 1, 3, 7 ... s after the first transmission.
      for (let k = 1; k <= n; k++) each(Math.min(first + 1000 * (2 ** k - 2), st.untilMs), k);
      return n;
    },
  };
}
