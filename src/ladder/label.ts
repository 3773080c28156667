// What an arrow or a note of a ladder says, and the colour family of a segment: the same words
// and colours in the tour's text ladder and the report's SVG ladder.

import type { Detail, Note, SegmentKind, Wire } from './events.js';
import type { Ladder } from './ladder-events.js';
import type { LadderWords } from './words.js';

/** The colour family of a segment: the handshake, the close, a reset, acknowledgements, data. */
export type Tint = 'syn' | 'fin' | 'rst' | 'ack' | 'data';

/** `64 KiB`, `100 B`. */
function size(bytes: number): string {
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} B`;
}

/**
 * A captured segment's label: `SYN-ACK seq=0 ack=1`, `ACK seq=1 ack=65537, window update`,
 * `data 64 KiB (45 segments)`; without `seq`, then without numbers, where the full one does not `fit`.
 */
function wireLabel(seg: SegmentKind, name: string, wire: Wire, w: LadderWords, fits: (label: string) => boolean): string {
  if (wire.run) return seg === 'data' ? `${w.data} ${size(wire.len)}${w.segments(wire.run.segments)}` : `${name} ack=${wire.ack ?? 0}`;
  const head = seg === 'data' || (wire.len > 0 && seg !== 'probe') ? `${seg === 'data' ? w.data : name} ${size(wire.len)}` : name;
  // A probe's name already says what its analysis would.
  const said = wire.analysis.filter((a) => !(seg === 'probe' && a === 'zero-window-probe')).map((a) => w.analysis[a]);
  const tail = said.length > 0 ? `, ${said.join(', ')}` : '';
  const ack = wire.ack === undefined ? undefined : `ack=${wire.ack}`;
  const candidates = [
    [head, `seq=${wire.seq}`, ack].filter(Boolean).join(' ') + tail,
    `${head} ${ack ?? `seq=${wire.seq}`}${tail}`,
    `${head}${tail}`,
  ];
  return candidates.find(fits) ?? head;
}

/** The label of a segment's arrow; a captured one's is shortened where the full one does not `fit`. */
export function segmentLabel(seg: SegmentKind, detail: Detail, w: LadderWords, fits: (label: string) => boolean = () => true): string {
  const name = seg === 'data' ? w.data : seg === 'probe' ? w.probe : seg === 'window' ? 'ACK' : seg;
  switch (detail.kind) {
    case 'none':
      return name;
    case 'wire':
      return wireLabel(seg, name, detail.wire, w, fits);
    case 'bytes':
      return `${w.data} ${size(detail.bytes)}`;
    case 'fills-window':
      return w.fillsWindow;
    case 'rest':
      return w.rest;
    case 'window-zero':
      return w.windowZero;
    case 'window-opens':
      return w.windowOpens;
    case 'retry':
      return w.again(name, detail.n);
    case 'forged':
      return w.forged;
    case 'no-socket':
      return w.noSocket;
    case 'auto':
      return w.auto;
    default: {
      const never: never = detail;
      return never;
    }
  }
}

/** What a note says, without its parentheses. */
export function noteText(n: Note, w: LadderWords): string {
  switch (n.kind) {
    case 'error':
      return n.code;
    case 'fin-timeout':
      return w.finTimeout;
    case 'time-wait-over':
      return w.timeWaitOver;
    case 'no-connection':
      return w.noConnection;
    default: {
      const never: never = n;
      return never;
    }
  }
}

export function segmentTint(seg: SegmentKind): Tint {
  switch (seg) {
    case 'SYN':
    case 'SYN-ACK':
      return 'syn';
    case 'FIN':
      return 'fin';
    case 'RST':
      return 'rst';
    case 'ACK':
    case 'window':
    case 'probe':
      return 'ack';
    case 'data':
      return 'data';
    default: {
      const never: never = seg;
      return never;
    }
  }
}

/** The line under a ladder: `arrows captured: 9 segments ...`, or why they are inferred. */
export function sourceLine(ladder: Ladder, w: LadderWords): string {
  if (ladder.source === 'captured') return w.arrowsCaptured(ladder.segments, ladder.dropped);
  const b = ladder.because;
  switch (b.kind) {
    case 'no-capture':
      return w.arrowsInferred(b.reason);
    case 'not-recorded':
      return w.arrowsInferred(w.notRecorded);
    case 'none-between':
      return w.arrowsInferred(w.noneBetween(ladder.cast.client.label.trim() || '?', ladder.cast.server.label.trim() || '?'));
    default: {
      const never: never = b;
      return never;
    }
  }
}
