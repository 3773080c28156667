// The segments of a ladder, inferred (never captured: tcplab records no packets) from the lab's
// steps, Node's events and the observed state changes; plus the observations themselves.
// Each inferred time is the earliest moment the evidence allows, never before its cause.

import type { EventJson, LabResult, StateJson } from '../runner/result.js';
import type { TcpState } from '../states.js';
import { forgedSyn, type Cast } from './cast.js';

export type Side = 'client' | 'server';
export type SegmentKind = 'SYN' | 'SYN-ACK' | 'ACK' | 'FIN' | 'RST' | 'data' | 'window' | 'probe';
/** `queued`: the segment waits in the sender's queue (behind unsent bytes) and does not leave. */
export type Fate = 'arrives' | 'lost' | 'queued';

/** What the label says besides the segment's kind. */
export type Detail =
  | { kind: 'none' }
  | { kind: 'bytes'; bytes: number }
  | { kind: 'fills-window' }
  | { kind: 'rest' }
  | { kind: 'window-zero' }
  | { kind: 'window-opens' }
  | { kind: 'retry'; n: number }
  | { kind: 'forged' }
  | { kind: 'no-socket' }
  | { kind: 'auto' };

export type Note =
  | { kind: 'error'; code: string }
  | { kind: 'fin-timeout' }
  | { kind: 'time-wait-over' }
  | { kind: 'no-connection' };

/** One thing on the ladder's clock; `approx` times are estimates (retransmit timers). */
export type LadderEvent =
  | { kind: 'segment'; atMs: number; approx: boolean; from: Side; segment: SegmentKind; fate: Fate; detail: Detail }
  | { kind: 'note'; atMs: number; approx: boolean; side?: Side; note: Note }
  /** Both ends send the same kind of segment at once; they cross on the way (simultaneous open). */
  | { kind: 'crossing'; atMs: number; approx: false; segment: SegmentKind }
  | { kind: 'observed'; atMs: number; approx: false; side: Side; state: TcpState };

const NONE: Detail = { kind: 'none' };
const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** Observations of one column: the listener until the server socket shows up, then the socket. */
export function observationsOf(cast: Cast, side: Side): { atMs: number; state: TcpState }[] {
  const party = cast[side];
  const own = party.socket?.states ?? [];
  const firstOwn = own[0]?.atMs ?? Infinity;
  const before = (party.listener?.states ?? []).filter((st) => st.atMs < firstOwn);
  return [...before, ...own].map((st) => ({ atMs: st.atMs, state: st.state }));
}

export function inferEvents(r: LabResult, cast: Cast): LadderEvent[] {
  const out: LadderEvent[] = [];
  const states = (side: Side): StateJson[] => cast[side].socket?.states ?? [];
  const sideOf = (actor: string | undefined): Side | undefined =>
    actor === undefined ? undefined : actor === cast.client.actor ? 'client' : actor === cast.server.actor ? 'server' : undefined;
  const nodeEvent = (side: Side, what: string[], after: number): EventJson | undefined =>
    r.events.find((e) => e.kind === 'node' && sideOf(e.actor) === side && what.includes(e.what) && e.atMs >= after);
  const seg = (atMs: number, from: Side, segment: SegmentKind, fate: Fate = 'arrives', detail: Detail = NONE, approx = false) =>
    out.push({ kind: 'segment', atMs, approx, from, segment, fate, detail });

  const pendingData: Record<Side, boolean> = { client: false, server: false };
  const heldFin: Record<Side, boolean> = { client: false, server: false };
  const finSent: Record<Side, boolean> = { client: false, server: false };
  const closedByScript: Record<Side, boolean> = { client: false, server: false };

  /** When `side`'s FIN was acknowledged: bounded by a sample showing it unacknowledged, else by the peer reading it. */
  const ackTime = (side: Side, at: number): number => {
    const list = states(side);
    const bounded = list.find((st, i) => st.atMs >= at && ['FIN_WAIT2', 'TIME_WAIT', 'CLOSED'].includes(st.state) &&
      i > 0 && ['FIN_WAIT1', 'LAST_ACK', 'CLOSING'].includes(list[i - 1]!.state));
    if (bounded) return bounded.atMs;
    const read = nodeEvent(other(side), ['end'], at);
    if (read) return read.atMs;
    return list.find((st) => st.atMs >= at && ['FIN_WAIT2', 'TIME_WAIT', 'CLOSED', 'CLOSING'].includes(st.state))?.atMs ?? at;
  };
  const fin = (side: Side, at: number, detail: Detail = NONE) => {
    seg(at, side, 'FIN', 'arrives', detail);
    finSent[side] = true;
    seg(Math.max(at, ackTime(side, at)), other(side), 'ACK');
  };
  /** Retransmissions counted by the kernel's timer on the first `state` of `side`, at estimated times. */
  const retries = (side: Side, state: TcpState, each: (atMs: number, n: number) => void) => {
    const st = states(side).find((s) => s.state === state);
    const n = Math.max(st?.timer?.retries ?? 0, st?.lastTimer?.retries ?? 0);
    if (!st || n === 0) return;
    const first = st.atMs + (st.timer?.kind === 'retransmit' ? Math.max(0, st.timer.remainingMs) : 1000);
    // Exponential backoff: 1, 3, 7 ... s after the first transmission.
    for (let k = 1; k <= n; k++) each(Math.min(first + 1000 * (2 ** k - 2), st.untilMs), k);
  };

  const stateAt = (side: Side, t: number): TcpState | undefined => states(side).filter((st) => st.atMs <= t).pop()?.state;
  const established = (side: Side, t: number): boolean =>
    cast.self || side === 'server' || r.events.some((e) => e.kind === 'node' && e.what === 'connect' && sideOf(e.actor) === side && e.atMs <= t);
  /**
   * A connect that got an answer (`answeredAt`) or none. The peer seen in SYN_RECV means the SYN
   * arrived: then the final ACK was lost if the peer never got ESTABLISHED, or the SYN-ACK itself
   * if the client never connected. With no peer seen, nobody answered the SYN.
   */
  const handshake = (side: Side, at: number, answeredAt: number | undefined) => {
    const peer = other(side);
    const peerStates = states(peer);
    const half = peerStates.some((s) => s.state === 'SYN_RECV') && !peerStates.some((s) => s.state === 'ESTABLISHED');
    if (answeredAt === undefined && !half) {
      seg(at, side, 'SYN', 'lost');
      retries(side, 'SYN_SENT', (t, n) => seg(t, side, 'SYN', 'lost', { kind: 'retry', n }, true));
      return;
    }
    seg(at, side, 'SYN');
    const synAckAt = answeredAt ?? peerStates.find((s) => s.state === 'SYN_RECV')!.atMs;
    seg(Math.max(at, synAckAt), peer, 'SYN-ACK', answeredAt === undefined ? 'lost' : 'arrives');
    if (answeredAt !== undefined) seg(answeredAt, side, 'ACK', half ? 'lost' : 'arrives');
    if (!half) return;
    // A retransmitted SYN-ACK that finds the client gone is answered by its kernel with RST.
    const refusedRetry = (t: number, n: number) => {
      seg(t, peer, 'SYN-ACK', 'arrives', { kind: 'retry', n }, true);
      seg(t, side, 'RST', 'arrives', { kind: 'no-socket' }, true);
    };
    let reset = false;
    let count = 0;
    retries(peer, 'SYN_RECV', (t, n) => {
      count = n;
      if (stateAt(side, t) === 'CLOSED') {
        refusedRetry(t, n);
        reset = true;
        return;
      }
      seg(t, peer, 'SYN-ACK', answeredAt === undefined ? 'lost' : 'arrives', { kind: 'retry', n }, true);
      if (answeredAt !== undefined) seg(t, side, 'ACK', 'lost', NONE, true);
    });
    // The request left the table after the client was gone: a retransmission between two samples met the RST.
    const i = peerStates.findIndex((s) => s.state === 'SYN_RECV');
    const gone = peerStates[i + 1];
    if (!reset && gone?.state === 'CLOSED' && stateAt(side, gone.atMs) === 'CLOSED') refusedRetry((peerStates[i]!.untilMs + gone.atMs) / 2, count + 1);
  };

  for (const e of [...r.events].sort((a, b) => a.atMs - b.atMs)) {
    const side = sideOf(e.actor);
    if (e.kind === 'step') {
      const forged = forgedSyn(e);
      if (forged && side === 'client') {
        seg(e.atMs, 'client', 'SYN', 'arrives', { kind: 'forged' });
        seg(e.atMs, 'server', 'SYN-ACK');
        seg(e.atMs, 'client', 'RST', 'arrives', { kind: 'no-socket' });
        out.push({ kind: 'note', atMs: e.atMs, approx: false, side: 'server', note: { kind: 'no-connection' } });
        continue;
      }
      if (!side) continue;
      switch (e.what) {
        case 'connect': {
          const answer = nodeEvent(side, ['connect', 'error'], e.atMs);
          if (cast.self) {
            // One socket is both ends: its SYN comes back to it as the peer's SYN, then its SYN-ACK.
            out.push({ kind: 'crossing', atMs: e.atMs, approx: false, segment: 'SYN' });
            out.push({ kind: 'crossing', atMs: answer?.atMs ?? e.atMs, approx: false, segment: 'SYN-ACK' });
          } else if (answer?.what === 'error') {
            seg(e.atMs, side, 'SYN');
            seg(answer.atMs, other(side), 'RST');
          } else {
            handshake(side, e.atMs, answer?.atMs);
          }
          break;
        }
        case 'end':
        case 'destroy':
          closedByScript[side] = true;
          // Closing a socket whose handshake never completed sends nothing.
          if (finSent[side] || heldFin[side] || !established(side, e.atMs)) break;
          if (pendingData[side]) {
            seg(e.atMs, side, 'FIN', 'queued');
            heldFin[side] = true;
          } else {
            fin(side, e.atMs);
          }
          break;
        case 'resetAndDestroy':
          closedByScript[side] = true;
          seg(e.atMs, side, 'RST');
          break;
        case 'write':
          seg(e.atMs, side, 'data', 'arrives', { kind: 'bytes', bytes: Number(/^(\d+)/.exec(e.detail ?? '')?.[1] ?? 0) });
          break;
        case 'fillSendBuffer':
          seg(e.atMs, side, 'data', 'arrives', { kind: 'fills-window' });
          seg(e.atMs, other(side), 'window', 'arrives', { kind: 'window-zero' });
          pendingData[side] = true;
          break;
        case 'resume': {
          const peer = other(side);
          if (!pendingData[peer]) break;
          seg(e.atMs, side, 'window', 'arrives', { kind: 'window-opens' });
          seg(e.atMs, peer, 'data', 'arrives', { kind: 'rest' });
          pendingData[peer] = false;
          if (heldFin[peer]) {
            heldFin[peer] = false;
            fin(peer, Math.max(e.atMs, nodeEvent(side, ['end'], e.atMs)?.atMs ?? e.atMs));
          }
          break;
        }
        default:
          break;
      }
      continue;
    }
    if (e.kind !== 'node' || !side) continue;
    if (e.what === 'error' && e.code) out.push({ kind: 'note', atMs: e.atMs, approx: false, side, note: { kind: 'error', code: e.code } });
    // Node ends a socket itself when the peer's FIN is read and allowHalfOpen is off.
    if (e.what === 'close' && !closedByScript[side] && !finSent[side] && nodeEvent(side, ['end'], 0)) fin(side, e.atMs, { kind: 'auto' });
  }
  addProbes(cast, out);
  addObservations(cast, out);
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** A persist timer means the sender probes a zero window; one probe drawn, at an estimated time. */
function addProbes(cast: Cast, out: LadderEvent[]): void {
  for (const side of ['client', 'server'] as const) {
    if (cast.self && side === 'server') continue;
    for (const st of cast[side].socket?.states ?? []) {
      if (st.timer?.kind !== 'persist' && st.lastTimer?.kind !== 'persist') continue;
      const at = Math.min(st.atMs + (st.timer?.kind === 'persist' ? Math.max(0, st.timer.remainingMs) : 200), st.untilMs);
      out.push({ kind: 'segment', atMs: at, approx: true, from: side, segment: 'probe', fate: 'arrives', detail: NONE });
      out.push({ kind: 'segment', atMs: at, approx: true, from: side === 'client' ? 'server' : 'client', segment: 'window', fate: 'arrives', detail: { kind: 'window-zero' } });
      break;
    }
  }
}

/** The observed state changes, and a note where a socket left without any segment. */
function addObservations(cast: Cast, out: LadderEvent[]): void {
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
