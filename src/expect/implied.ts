// What a polling observer's gaps can hide: the kernel's state machine says which states a socket
// must have passed (or may have passed) between two states seen in consecutive samples, so that
// a verdict is certain, or says that this observer cannot decide, instead of guessing.

import type { PathStep } from '../lab/define.js';
import type { TcpState } from '../states.js';

/**
 * The transitions TCP takes by itself, within round trips (net/ipv4/tcp_input.c, tcp.c): what a
 * socket can go through between two polls. Aborts (a RST, an orphan's timeout) lead to CLOSED
 * from anywhere, but are counted only where they are the observed change itself.
 */
const ORDERLY: Record<TcpState, readonly TcpState[]> = {
  CLOSED: ['SYN_SENT'],
  LISTEN: ['SYN_RECV'],
  SYN_SENT: ['ESTABLISHED', 'SYN_RECV', 'CLOSED'],
  SYN_RECV: ['ESTABLISHED', 'FIN_WAIT1'],
  ESTABLISHED: ['FIN_WAIT1', 'CLOSE_WAIT'],
  FIN_WAIT1: ['FIN_WAIT2', 'CLOSING', 'TIME_WAIT'],
  FIN_WAIT2: ['TIME_WAIT'],
  CLOSING: ['TIME_WAIT'],
  TIME_WAIT: ['CLOSED'],
  CLOSE_WAIT: ['LAST_ACK'],
  LAST_ACK: ['CLOSED'],
};

/** Every transition, aborts included. */
const ANY: Record<TcpState, readonly TcpState[]> = {
  ...ORDERLY,
  CLOSED: ['SYN_SENT', 'LISTEN'],
  LISTEN: ['SYN_RECV', 'CLOSED'],
  SYN_RECV: ['ESTABLISHED', 'FIN_WAIT1', 'CLOSED'],
  ESTABLISHED: ['FIN_WAIT1', 'CLOSE_WAIT', 'CLOSED'],
  FIN_WAIT1: ['FIN_WAIT2', 'CLOSING', 'TIME_WAIT', 'CLOSED'],
  FIN_WAIT2: ['TIME_WAIT', 'CLOSED'],
  CLOSING: ['TIME_WAIT', 'CLOSED'],
  CLOSE_WAIT: ['LAST_ACK', 'CLOSED'],
};

/**
 * States no poll misses: LISTEN lasts until closed, TIME_WAIT 60 s (TCP_TIMEWAIT_LEN, not a
 * sysctl). Neither is passed through unseen.
 */
const LASTING: ReadonlySet<TcpState> = new Set(['LISTEN', 'TIME_WAIT']);

/** Order along any path, to list the states between two in the order they happen. */
const RANK: Record<TcpState, number> = {
  LISTEN: 0, SYN_SENT: 1, SYN_RECV: 2, ESTABLISHED: 3, FIN_WAIT1: 4, CLOSE_WAIT: 4, FIN_WAIT2: 5, LAST_ACK: 5, CLOSING: 6, TIME_WAIT: 7, CLOSED: 8,
};

/** Whether `edges` lead from `from` to `to` through intermediate states that `through` admits. */
function leads(edges: Record<TcpState, readonly TcpState[]>, from: TcpState, to: TcpState, through: (s: TcpState) => boolean): boolean {
  const seen = new Set<TcpState>([from]);
  const queue: TcpState[] = [from];
  while (queue.length > 0) {
    for (const n of edges[queue.shift()!]) {
      if (n === to) return true;
      if (seen.has(n) || !through(n)) continue;
      seen.add(n);
      queue.push(n);
    }
  }
  return false;
}

/** Whether `to` can follow `from` through brief states only, by orderly transitions, not passing `avoid`. */
function reaches(from: TcpState, to: TcpState, avoid?: TcpState): boolean {
  return leads(ORDERLY, from, to, (n) => n !== avoid && n !== 'CLOSED' && !LASTING.has(n));
}

/** Whether a socket in `from` can later be in `to` (by any transitions). */
export function canFollow(from: TcpState, to: TcpState): boolean {
  return leads(ANY, from, to, (n) => n !== 'CLOSED');
}

export interface Between {
  /** On every way from the one state to the other: the socket was certainly in them. */
  certain: TcpState[];
  /** On some way only: the socket may have been in them. */
  possible: TcpState[];
}

const cache = new Map<string, Between>();

/**
 * The states a socket passed unseen (certainly, or possibly) between two consecutive observed
 * states, or, with `to` undefined, after `from` when it was never seen again.
 */
export function statesBetween(from: TcpState, to: TcpState | undefined): Between {
  const key = `${from}>${to ?? '?'}`;
  let b = cache.get(key);
  if (!b) {
    const brief = (Object.keys(ORDERLY) as TcpState[]).filter((x) => x !== from && x !== to && x !== 'CLOSED' && !LASTING.has(x) && reaches(from, x));
    const on = to === undefined ? brief : brief.filter((x) => reaches(x, to));
    const byRank = (a: TcpState, c: TcpState) => RANK[a] - RANK[c];
    // Where the change itself may have been one transition (an abort included), nothing is certain.
    const direct = to === undefined || ANY[from].includes(to);
    const certain = direct ? [] : on.filter((x) => !reaches(from, to, x)).sort(byRank);
    b = { certain, possible: on.filter((x) => !certain.includes(x)).sort(byRank) };
    cache.set(key, b);
  }
  return b;
}

/** A state in an observed sequence: seen by a sample, certain from the state machine, or only possible. */
export interface ObservedStep {
  state: TcpState;
  how: 'seen' | 'certain' | 'possible';
}

/** The observed states with what the gaps between them must or may have held. */
export function withGaps(states: readonly TcpState[]): ObservedStep[] {
  const out: ObservedStep[] = [];
  states.forEach((state, i) => {
    if (i > 0) {
      const b = statesBetween(states[i - 1]!, state);
      const gap = [...b.certain.map((s) => ({ state: s, how: 'certain' as const })), ...b.possible.map((s) => ({ state: s, how: 'possible' as const }))];
      out.push(...gap.sort((x, y) => RANK[x.state] - RANK[y.state]));
    }
    out.push({ state, how: 'seen' });
  });
  return out;
}

/** How a path matched a sequence with gaps: `certain` when no step rests on a possible state. */
export interface GapMatch {
  certain: boolean;
  seen: TcpState[];
  skipped: TcpState[];
  inferred: TcpState[];
}

/**
 * The first contiguous run of `observed` that follows `path`: seen and certain states must be
 * matched in order; possible ones may be skipped (or used, which makes the match uncertain).
 */
export function matchWithGaps(path: readonly PathStep[], observed: readonly ObservedStep[]): GapMatch | undefined {
  const steps = path.map((p) => (p.endsWith('?') ? { state: p.slice(0, -1) as TcpState, optional: true } : { state: p as TcpState, optional: false }));
  let best: GapMatch | undefined;
  const go = (j: number, i: number, m: GapMatch): void => {
    if (best?.certain) return;
    if (j === steps.length) {
      if (m.seen.length + m.inferred.length > 0 && (!best || (m.certain && !best.certain))) best = m;
      return;
    }
    const step = steps[j]!;
    const o = observed[i];
    if (o && o.state === step.state) {
      go(j + 1, i + 1, {
        certain: m.certain && o.how !== 'possible',
        seen: o.how === 'seen' ? [...m.seen, o.state] : m.seen,
        skipped: m.skipped,
        inferred: o.how === 'seen' ? m.inferred : [...m.inferred, o.state],
      });
    }
    // A possible state may not have happened; one already inside the run may be passed over.
    if (o && o.how === 'possible' && (m.seen.length > 0 || m.inferred.length > 0)) go(j, i + 1, m);
    if (step.optional) go(j + 1, i, { ...m, skipped: [...m.skipped, step.state] });
  };
  for (let start = 0; start < observed.length && !best?.certain; start += 1) go(0, start, { certain: true, seen: [], skipped: [], inferred: [] });
  return best;
}
