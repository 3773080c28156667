// Builds a socket's observed states from two kinds of evidence: the kernel's own transitions
// (exact times, from the trace observer) and samples of the socket table (a state seen at a
// sample, or the socket's absence). Transitions are authoritative where they exist; samples fill
// in what the kernel does not trace (TIME_WAIT, request sockets) and everything when there is no
// trace. A sample read during [startedMs, atMs] that contradicts a transition inside that window
// was taken before it, and is ignored.

import type { KernelTimer } from '../observe/row.js';
import type { TcpState } from '../states.js';

/** A state as observed: from its first to its last evidence. */
export interface StateSpan {
  state: TcpState;
  atMs: number;
  untilMs: number;
  /** The kernel timer in the first sample of the span, if any. */
  timer?: KernelTimer;
  /** Same for the last sample. */
  lastTimer?: KernelTimer;
  /** `trace` when the start is the kernel's own transition time (exact). */
  source?: 'trace' | 'sample';
  /** A trace CLOSE that may still turn out to be TIME_WAIT (the timewait socket is not traced). */
  tentative?: boolean;
  /** For a traced CLOSE: the state it closed from. */
  closedFrom?: TcpState;
}

export type Mark =
  | { kind: 'transition'; atMs: number; from: TcpState; to: TcpState }
  | { kind: 'seen'; atMs: number; startedMs: number; state: TcpState; timer?: KernelTimer }
  | { kind: 'absent'; atMs: number; startedMs: number };

/** States from which a traced CLOSE may really be TIME_WAIT. */
const TIME_WAIT_FROM: ReadonlySet<TcpState> = new Set(['FIN_WAIT2', 'CLOSING', 'FIN_WAIT1']);

/**
 * Adds a mark in time order (samples are delivered after the kernel events they may postdate),
 * folding runs of identical sightings at the end (first and latest are kept).
 */
export function addMark(marks: Mark[], mark: Mark): void {
  const a = marks.at(-1);
  const b = marks.at(-2);
  if (!a || a.atMs <= mark.atMs) {
    if (mark.kind === 'seen' && a?.kind === 'seen' && b?.kind === 'seen' && a.state === mark.state && b.state === mark.state) {
      marks[marks.length - 1] = mark;
      return;
    }
    if (mark.kind === 'absent' && a?.kind === 'absent') return;
    marks.push(mark);
    return;
  }
  let i = marks.length - 1;
  while (i > 0 && marks[i - 1]!.atMs > mark.atMs) i -= 1;
  marks.splice(i, 0, mark);
}

/** The states the kernel reported the socket in at some moment of [fromMs, toMs]. */
function tracedStatesDuring(transitions: { atMs: number; from: TcpState; to: TcpState }[], fromMs: number, toMs: number): Set<TcpState> {
  const before = transitions.filter((t) => t.atMs < fromMs).at(-1);
  const during = transitions.filter((t) => t.atMs >= fromMs && t.atMs <= toMs);
  const states = new Set<TcpState>(during.flatMap((t) => [t.from, t.to]));
  if (before) states.add(before.to);
  return states;
}

export function buildSpans(marks: readonly Mark[]): StateSpan[] {
  const spans: StateSpan[] = [];
  const transitions: { atMs: number; from: TcpState; to: TcpState }[] = [];
  let lastTransitionMs = -Infinity;
  let stateBeforeLastTransition: TcpState | undefined;
  const current = () => spans.at(-1);
  const open = (state: TcpState, atMs: number, extra: Partial<StateSpan> = {}) => spans.push({ state, atMs, untilMs: atMs, ...extra });
  for (const m of marks) {
    switch (m.kind) {
      case 'transition': {
        const cur = current();
        // The timewait socket is in the table a moment before the kernel traces the old
        // socket's close: a sample may have seen TIME_WAIT first.
        if (m.to === 'CLOSED' && TIME_WAIT_FROM.has(m.from) && cur?.state === 'TIME_WAIT' && spans.at(-2)?.state === m.from) {
          spans.at(-2)!.untilMs = Math.max(spans.at(-2)!.untilMs, Math.min(m.atMs, cur.atMs));
          transitions.push(m);
          lastTransitionMs = m.atMs;
          stateBeforeLastTransition = m.from;
          break;
        }
        if (cur && cur.state === m.from && cur.state !== 'CLOSED') cur.untilMs = Math.max(cur.untilMs, m.atMs);
        else if (m.from !== 'CLOSED' && m.from !== 'LISTEN') open(m.from, m.atMs, { source: 'trace' });
        stateBeforeLastTransition = m.from;
        lastTransitionMs = m.atMs;
        transitions.push(m);
        open(m.to, m.atMs, { source: 'trace', ...(m.to === 'CLOSED' && TIME_WAIT_FROM.has(m.from) ? { tentative: true, closedFrom: m.from } : {}) });
        break;
      }
      case 'seen': {
        const cur = current();
        // A read that overlaps traced transitions and shows one of the states they went through
        // adds nothing: the trace has the exact times.
        if (m.startedMs <= lastTransitionMs && cur?.state !== m.state && tracedStatesDuring(transitions, m.startedMs, m.atMs).has(m.state)) break;
        if (cur && cur.state === m.state && !(cur.state === 'CLOSED')) {
          cur.untilMs = Math.max(cur.untilMs, m.atMs);
          if (m.timer) {
            cur.lastTimer = m.timer;
            cur.timer ??= m.timer;
          }
        } else if (cur?.state === 'CLOSED' && cur.source === 'sample' && spans.at(-2)?.state === m.state) {
          // /proc is not read atomically: a walk of a changing hash table can skip a row. The
          // socket is back in the same state, so the absence was the reader's, not the kernel's.
          spans.pop();
          spans.at(-1)!.untilMs = m.atMs;
        } else if (cur?.tentative && m.state === stateBeforeLastTransition && spans.at(-2)?.state === m.state) {
          // An orphan's FIN_WAIT2 lives on as a timewait socket that keeps the FIN_WAIT2 name.
          spans.pop();
          spans.at(-1)!.untilMs = m.atMs;
        } else if (cur?.state === 'CLOSED' && cur.closedFrom !== undefined && m.state === 'TIME_WAIT') {
          // Tentative, or confirmed by a sample that skipped the timewait row: TIME_WAIT it is.
          cur.state = 'TIME_WAIT';
          cur.tentative = false;
          cur.untilMs = m.atMs;
          if (m.timer) cur.timer = cur.lastTimer = m.timer;
        } else {
          open(m.state, m.atMs, { source: 'sample', ...(m.timer ? { timer: m.timer, lastTimer: m.timer } : {}) });
        }
        break;
      }
      case 'absent': {
        const cur = current();
        if (!cur) break;
        if (cur.state === 'CLOSED') {
          if (cur.tentative && m.startedMs > cur.atMs) cur.tentative = false;
          break;
        }
        if (m.startedMs <= lastTransitionMs) break;
        open('CLOSED', m.atMs, { source: 'sample' });
        break;
      }
      default: {
        const never: never = m;
        throw new TypeError(`unknown mark ${String(never)}`);
      }
    }
  }
  // Evidence from the two clocks can put one state down twice in a row: it is one span.
  const merged: StateSpan[] = [];
  for (const span of spans) {
    const prev = merged.at(-1);
    if (prev && prev.state === span.state && !prev.tentative) {
      prev.untilMs = Math.max(prev.untilMs, span.untilMs);
      if (span.lastTimer) prev.lastTimer = span.lastTimer;
      prev.timer ??= span.timer;
    } else merged.push(span);
  }
  return merged;
}
