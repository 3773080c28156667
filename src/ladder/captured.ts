// The arrows of a ladder from the lab's capture: one per segment between the two columns, with
// the capture's times and numbers (runs of data folded, fold.ts), Node's errors as notes, and
// the states the observer saw.

import type { LabResult, SegmentJson } from '../runner/result.js';
import { forgedSyn, type Cast } from './cast.js';
import { evidenceOf, type Evidence } from './evidence.js';
import type { LadderEvent, Side } from './events.js';
import { foldRuns, type WireEvent } from './fold.js';
import { addObservations } from './observations.js';
import { kindOf, markAcked, wireOf } from './wire.js';

/** How long after a segment the receiver must still be seen unmoved for it to count as lost (ms). */
const SETTLE_MS = 2;

/**
 * Whether a captured segment never reached its socket. The capture sees a packet as it enters
 * the namespace, before the lab's firewall and before a listener with a full queue drops a SYN:
 * - a pure ACK to a socket the observer still sees in SYN_RECV after it (which that ACK would
 *   have ended) was dropped on the way (the syn-recv lab);
 * - a SYN nobody answered (no SYN-ACK or RST back before the sender's next SYN, or at all) from
 *   a client still in SYN_SENT after it was dropped (the syn-sent lab).
 */
function lost(i: number, segments: { from: Side; segment: SegmentJson }[], ev: Evidence): boolean {
  const { from, segment: s } = segments[i]!;
  const to: Side = from === 'client' ? 'server' : 'client';
  const after = (st: { untilMs: number }) => st.untilMs > s.atMs + SETTLE_MS;
  if (s.flags === 'ACK' && s.len === 0) return ev.states(to).some((st) => st.state === 'SYN_RECV' && after(st));
  if (s.flags !== 'SYN') return false;
  for (const later of segments.slice(i + 1)) {
    if (later.from === from && later.segment.flags === 'SYN') break;
    if (later.from === to && /\b(SYN|RST)\b/.test(later.segment.flags)) return false;
  }
  return ev.states(from).some((st) => st.state === 'SYN_SENT' && after(st));
}

/** The ladder's events from `segments` (between the cast's columns, each with its sender), in time order. */
export function capturedEvents(r: LabResult, cast: Cast, segments: { from: Side; segment: SegmentJson }[]): LadderEvent[] {
  const ev = evidenceOf(r, cast);
  const arrows: WireEvent[] = segments.map(({ from, segment: s }, i) => ({
    kind: 'segment', atMs: s.atMs, approx: false, from, segment: kindOf(s),
    fate: lost(i, segments, ev) ? 'lost' : 'arrives',
    detail: { kind: 'wire', wire: wireOf(s, cast.self) },
  }));
  markAcked(arrows.map((a) => ({ from: a.from, lost: a.fate === 'lost', wire: a.detail.wire })));
  const out: LadderEvent[] = foldRuns(arrows);
  for (const e of r.events) {
    const side = ev.sideOf(e.actor);
    if (e.kind === 'node' && e.what === 'error' && e.code && side) out.push({ kind: 'note', atMs: e.atMs, approx: false, side, note: { kind: 'error', code: e.code } });
  }
  // A forged SYN's source has no socket: its kernel resets the answer, and the listener hands out nothing.
  const reset = arrows.find((a) => a.from === 'client' && a.segment === 'RST');
  if (cast.client.socketless && reset && r.events.some((e) => forgedSyn(e))) out.push({ kind: 'note', atMs: reset.atMs, approx: false, side: 'server', note: { kind: 'no-connection' } });
  addObservations(cast, out);
  return out.sort((a, b) => a.atMs - b.atMs);
}
