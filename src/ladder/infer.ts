// The arrows of a ladder inferred from the lab's steps, Node's events and the observed state
// changes, for a lab without a capture; plus the observations themselves. Each segment is dated
// by the first evidence that it had happened (evidence.ts).

import type { LabResult } from '../runner/result.js';
import type { TcpState } from '../states.js';
import { forgedSyn, type Cast } from './cast.js';
import { earliest, evidenceOf } from './evidence.js';
import { otherSide as other, type Detail, type Fate, type LadderEvent, type SegmentKind, type Side } from './events.js';
import { addObservations } from './observations.js';

const NONE: Detail = { kind: 'none' };

/** States a side enters by sending its FIN, or later; the first one seen dates the FIN. */
const AFTER_OWN_FIN: readonly TcpState[] = ['FIN_WAIT1', 'FIN_WAIT2', 'CLOSING', 'TIME_WAIT', 'LAST_ACK'];
/** States that show a side's FIN was acknowledged. */
const FIN_ACKED: readonly TcpState[] = ['FIN_WAIT2', 'TIME_WAIT', 'CLOSED'];
/** Steps of a script that close its socket. */
const CLOSING_STEPS: readonly string[] = ['end', 'destroy', 'resetAndDestroy'];
/** States a side enters on receiving the peer's FIN. */
const GOT_FIN: readonly TcpState[] = ['CLOSE_WAIT', 'CLOSING', 'TIME_WAIT'];

/** The ladder's events of a lab, in time order: inferred segments, notes and observed states. */
export function inferEvents(r: LabResult, cast: Cast): LadderEvent[] {
  const out: LadderEvent[] = [];
  const ev = evidenceOf(r, cast);
  const seg = (atMs: number, from: Side, segment: SegmentKind, fate: Fate = 'arrives', detail: Detail = NONE, approx = false) => {
    const e: Extract<LadderEvent, { kind: 'segment' }> = { kind: 'segment', atMs, approx, from, segment, fate, detail };
    out.push(e);
    return e;
  };
  const pendingData: Record<Side, boolean> = { client: false, server: false };
  /** When each side's zero window opened again (no probes after that). */
  const windowOpens: Partial<Record<Side, number>> = {};
  const heldFin: Record<Side, boolean> = { client: false, server: false };
  const finSent: Record<Side, boolean> = { client: false, server: false };
  const closedByScript: Record<Side, boolean> = { client: false, server: false };
  /** The ACK each side sent for the peer's FIN; it cannot come after that side's own FIN (it rides on it). */
  const ackBy: Partial<Record<Side, { atMs: number }>> = {};

  const fin = (side: Side, after: number, detail: Detail = NONE, bound?: number) => {
    const peer = other(side);
    const at = earliest(after, bound, ev.seen(side, AFTER_OWN_FIN, after), ev.seen(peer, GOT_FIN, after), ev.reported(peer, ['end'], after)?.atMs);
    const pending = ackBy[side];
    if (pending && pending.atMs > at) pending.atMs = at;
    seg(at, side, 'FIN', 'arrives', detail);
    finSent[side] = true;
    // Acknowledged once the sender is seen past FIN_WAIT1 / LAST_ACK / CLOSING, or the peer in TIME_WAIT.
    ackBy[peer] = seg(earliest(at, ev.seen(side, FIN_ACKED, at), ev.seen(peer, ['TIME_WAIT'], at)), peer, 'ACK');
  };
  /** Whether `side`'s handshake had completed by `t` (an accepted socket always has). */
  const established = (side: Side, t: number): boolean => {
    const connected = ev.reported(side, ['connect'], 0);
    return cast.self || side === 'server' || (connected !== undefined && connected.atMs <= t);
  };

  /**
   * A connect and its answer (`answered`: Node's connect event), or none. The peer seen in
   * SYN_RECV means the SYN arrived: then the final ACK was lost if the peer never got
   * ESTABLISHED, or the SYN-ACK itself if the client never connected. With no peer seen, nobody
   * answered the SYN.
   */
  const handshake = (side: Side, at: number, answered: number | undefined) => {
    const peer = other(side);
    const peerStates = ev.states(peer);
    const half = peerStates.some((s) => s.state === 'SYN_RECV') && !peerStates.some((s) => s.state === 'ESTABLISHED');
    const syn = earliest(at, ev.seen(side, ['SYN_SENT', 'ESTABLISHED'], at), ev.seen(peer, ['SYN_RECV', 'ESTABLISHED'], at), answered);
    if (answered === undefined && !half) {
      seg(syn, side, 'SYN', 'lost');
      ev.retries(side, 'SYN_SENT', (t, n) => seg(t, side, 'SYN', 'lost', { kind: 'retry', n }, true));
      return;
    }
    seg(syn, side, 'SYN');
    const synAck = answered === undefined
      ? earliest(syn, ev.seen(peer, ['SYN_RECV'], syn))
      : earliest(syn, ev.seen(side, ['ESTABLISHED'], syn), answered);
    seg(synAck, peer, 'SYN-ACK', answered === undefined ? 'lost' : 'arrives');
    if (answered !== undefined) seg(synAck, side, 'ACK', half ? 'lost' : 'arrives');
    if (!half) return;
    // A retransmitted SYN-ACK that finds the client gone is answered by its kernel with RST.
    const refusedRetry = (t: number, n: number) => {
      seg(t, peer, 'SYN-ACK', 'arrives', { kind: 'retry', n }, true);
      seg(t, side, 'RST', 'arrives', { kind: 'no-socket' }, true);
    };
    let reset = false;
    const count = ev.retries(peer, 'SYN_RECV', (t, n) => {
      if (ev.stateAt(side, t) === 'CLOSED') {
        refusedRetry(t, n);
        reset = true;
        return;
      }
      seg(t, peer, 'SYN-ACK', answered === undefined ? 'lost' : 'arrives', { kind: 'retry', n }, true);
      if (answered !== undefined) seg(t, side, 'ACK', 'lost', NONE, true);
    });
    // The request left the table after the client was gone: a retransmission between two samples met the RST.
    const i = peerStates.findIndex((s) => s.state === 'SYN_RECV');
    const gone = peerStates[i + 1];
    if (!reset && gone?.state === 'CLOSED' && ev.stateAt(side, gone.atMs) === 'CLOSED') refusedRetry((peerStates[i]!.untilMs + gone.atMs) / 2, count + 1);
  };

  for (const e of [...r.events].sort((a, b) => a.atMs - b.atMs)) {
    const side = ev.sideOf(e.actor);
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
          const answer = ev.reported(side, ['connect', 'error'], e.atMs);
          if (cast.self) {
            // One socket is both ends: its SYN comes back to it as the peer's SYN, then its SYN-ACK.
            const syn = earliest(e.atMs, ev.seen(side, ['SYN_SENT', 'SYN_RECV', 'ESTABLISHED'], e.atMs), answer?.atMs);
            out.push({ kind: 'crossing', atMs: syn, approx: false, segment: 'SYN' });
            out.push({ kind: 'crossing', atMs: earliest(syn, ev.seen(side, ['ESTABLISHED'], syn), answer?.atMs), approx: false, segment: 'SYN-ACK' });
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
        case 'resetAndDestroy': {
          closedByScript[side] = true;
          const peer = other(side);
          seg(earliest(e.atMs, ev.seen(side, ['CLOSED'], e.atMs), ev.seen(peer, ['CLOSED'], e.atMs), ev.reported(peer, ['error'], e.atMs)?.atMs), side, 'RST');
          break;
        }
        case 'write':
          seg(earliest(e.atMs, ev.reported(other(side), ['data'], e.atMs)?.atMs), side, 'data', 'arrives', { kind: 'bytes', bytes: Number(/^(\d+)/.exec(e.detail ?? '')?.[1] ?? 0) });
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
          windowOpens[peer] = e.atMs;
          seg(earliest(e.atMs, ev.reported(side, ['data'], e.atMs)?.atMs), peer, 'data', 'arrives', { kind: 'rest' });
          pendingData[peer] = false;
          if (heldFin[peer]) {
            heldFin[peer] = false;
            // The queued FIN leaves behind the last bytes: first seen as the reader's end or state.
            fin(peer, earliest(e.atMs, ev.reported(side, ['end'], e.atMs)?.atMs, ev.seen(side, GOT_FIN, e.atMs)));
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
    // Node ends a socket itself when the peer's FIN is read and allowHalfOpen is off: its FIN
    // leaves after that read, and is seen by 'close' at the latest.
    if (e.what === 'end' && !closedByScript[side] && !finSent[side]) {
      const close = ev.reported(side, ['close'], e.atMs);
      const byScript = r.events.some((s) => s.kind === 'step' && ev.sideOf(s.actor) === side && CLOSING_STEPS.includes(s.what) && s.atMs >= e.atMs && s.atMs <= (close?.atMs ?? Infinity));
      if (close && !byScript) fin(side, e.atMs, { kind: 'auto' }, close.atMs);
    }
  }
  addProbes(cast, out, windowOpens);
  addObservations(cast, out);
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** A persist timer means the sender probes a zero window; one probe drawn, at an estimated time, while the window is shut. */
function addProbes(cast: Cast, out: LadderEvent[], windowOpens: Partial<Record<Side, number>>): void {
  for (const side of ['client', 'server'] as const) {
    if (cast.self && side === 'server') continue;
    for (const st of cast[side].socket?.states ?? []) {
      if (st.timer?.kind !== 'persist' && st.lastTimer?.kind !== 'persist') continue;
      const at = Math.min(st.atMs + (st.timer?.kind === 'persist' ? Math.max(0, st.timer.remainingMs) : 200), st.untilMs);
      if (at >= (windowOpens[side] ?? Infinity)) break;
      out.push({ kind: 'segment', atMs: at, approx: true, from: side, segment: 'probe', fate: 'arrives', detail: NONE });
      out.push({ kind: 'segment', atMs: at, approx: true, from: side === 'client' ? 'server' : 'client', segment: 'window', fate: 'arrives', detail: { kind: 'window-zero' } });
      break;
    }
  }
}
