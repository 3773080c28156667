// Keeps a ladder of captured segments readable: a run of data segments one way, with the pure
// ACKs the other way between them, becomes one data arrow and one ACK arrow. A segment with SYN,
// FIN or RST, one Wireshark's analysis says something of, or the ACK of a SYN or FIN is never
// folded: it ends the run.

import type { LadderEvent, Side, Wire } from './events.js';

/** A captured segment's arrow. */
export type WireEvent = Extract<LadderEvent, { kind: 'segment' }> & { detail: { kind: 'wire'; wire: Wire } };

const CONTROL = /\b(SYN|FIN|RST)\b/;

function plain(e: WireEvent): boolean {
  const w = e.detail.wire;
  return e.fate === 'arrives' && w.analysis.length === 0 && !CONTROL.test(w.flags) && w.acked === undefined;
}

/** Data one way that nothing else is said of. */
function isData(e: WireEvent, from: Side): boolean {
  return e.from === from && e.segment === 'data' && plain(e);
}

/** An ACK the other way that carries nothing but the acknowledgement. */
function isPureAck(e: WireEvent, from: Side): boolean {
  return e.from !== from && e.segment === 'ACK' && e.detail.wire.len === 0 && plain(e);
}

/** One arrow for a run of data: from the first segment's seq, to the last one's ack, at the first one's time. */
function foldedData(data: WireEvent[]): WireEvent {
  const first = data[0]!;
  const last = data[data.length - 1]!;
  const len = data.reduce((n, e) => n + e.detail.wire.len, 0);
  const wire: Wire = { ...last.detail.wire, seq: first.detail.wire.seq, rawSeq: first.detail.wire.rawSeq, len, run: { segments: data.length, untilMs: last.atMs } };
  return { ...first, detail: { kind: 'wire', wire } };
}

/** The arrows of `events` (in capture order) with each run of two or more data segments folded. */
export function foldRuns(events: WireEvent[]): WireEvent[] {
  const out: WireEvent[] = [];
  for (let i = 0; i < events.length; ) {
    const first = events[i]!;
    const data: WireEvent[] = [];
    const acks: WireEvent[] = [];
    let j = i;
    if (isData(first, first.from)) {
      for (; j < events.length; j++) {
        const e = events[j]!;
        if (isData(e, first.from)) data.push(e);
        else if (isPureAck(e, first.from)) acks.push(e);
        else break;
      }
    }
    if (data.length < 2) {
      out.push(first);
      i++;
      continue;
    }
    out.push(foldedData(data));
    if (acks.length > 0) {
      const lastAck = acks[acks.length - 1]!;
      // The ACK arrow: when the last of them was captured, with what it acknowledged.
      out.push({ ...lastAck, detail: { kind: 'wire', wire: { ...lastAck.detail.wire, run: { segments: acks.length, untilMs: lastAck.atMs } } } });
    }
    i = j;
  }
  return out;
}
