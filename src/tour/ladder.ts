// The ladder diagram of one lab: client on the left, server on the right, the segments between
// them and each side's state on every line. States are the observer's; a state in parentheses
// is implied by the (inferred) segments where the observer was too slow to see it.

import type { LabResult } from '../runner/result.js';
import type { TcpState } from '../states.js';
import { castOf, type Cast } from './cast.js';
import { inferEvents, type Detail, type LadderEvent, type SegmentKind, type Side } from './segments.js';
import { clip, displayWidth, padEnd, padStart, paint, wrap, type Paint } from './text.js';
import { wordsFor, type Lang, type Words } from './words.js';

export interface LadderOptions {
  color: boolean;
  lang: Lang;
}

const TIME = 8;
const STATE = 13;
const ARROW = 38;

interface Shown {
  state: TcpState;
  implied: boolean;
}

type Model = Record<Side, Shown | undefined>;

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

function label(seg: SegmentKind, detail: Detail, w: Words): string {
  const name = seg === 'data' ? w.data : seg === 'probe' ? w.probe : seg === 'window' ? 'ACK' : seg;
  switch (detail.kind) {
    case 'none':
      return name;
    case 'bytes':
      return `${w.data} ${detail.bytes >= 1024 ? `${Math.round(detail.bytes / 1024)} KiB` : `${detail.bytes} B`}`;
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

function tint(seg: SegmentKind, p: Paint): (s: string) => string {
  switch (seg) {
    case 'SYN':
    case 'SYN-ACK':
      return p.green;
    case 'FIN':
      return p.yellow;
    case 'RST':
      return p.red;
    case 'ACK':
    case 'window':
    case 'probe':
      return p.cyan;
    case 'data':
      return p.blue;
    default: {
      const never: never = seg;
      return never;
    }
  }
}

/** An arrow across the middle, its label centred on it. */
function arrow(text: string, from: Side, lost: boolean): string {
  const body = ` ${clip(text, ARROW - 8)} `;
  const span = lost ? Math.round(ARROW * 0.7) : ARROW;
  const dashes = span - 1 - displayWidth(body);
  const before = '-'.repeat(Math.floor(dashes / 2));
  const after = '-'.repeat(dashes - before.length);
  if (from === 'client') return padEnd(`${before}${body}${after}${lost ? 'x' : '>'}`, ARROW);
  return padStart(`${lost ? 'x' : '<'}${before}${body}${after}`, ARROW);
}

function aside(text: string, side: Side | undefined): string {
  const t = clip(text, ARROW);
  if (side === 'client') return padEnd(t, ARROW);
  if (side === 'server') return padStart(t, ARROW);
  const left = Math.floor((ARROW - displayWidth(t)) / 2);
  return padEnd(' '.repeat(left) + t, ARROW);
}

function middle(e: Exclude<LadderEvent, { kind: 'observed' }>, w: Words, p: Paint): string {
  if (e.kind === 'note') {
    const n = e.note;
    const text = n.kind === 'error' ? n.code : n.kind === 'fin-timeout' ? w.finTimeout : n.kind === 'time-wait-over' ? w.timeWaitOver : w.noConnection;
    return p.magenta(aside(`(${text})`, e.side));
  }
  if (e.fate === 'queued') return p.yellow(aside(`[${w.finQueued}]`, e.from));
  const text = arrow(label(e.segment, e.detail, w), e.from, e.fate === 'lost');
  return e.fate === 'lost' ? p.red(text) : tint(e.segment, p)(text);
}

function cell(shown: Shown | undefined, changed: boolean, p: Paint): string {
  if (!shown) return ' '.repeat(STATE);
  const text = padEnd(shown.implied ? `(${shown.state})` : shown.state, STATE);
  return changed ? p.bold(text) : p.dim(text);
}

function time(atMs: number, approx: boolean): string {
  return padStart(`${approx ? '~' : ''}${atMs.toFixed(1)}`, TIME);
}

/** Applies a segment to both sides' states (a side the observer never saw keeps no state). */
function step(model: Model, e: Extract<LadderEvent, { kind: 'segment' }>, cast: Cast): void {
  const to: Side = e.from === 'client' ? 'server' : 'client';
  const sent = afterSend(model[e.from]?.state, e.segment);
  if (sent && sent !== model[e.from]?.state && (cast[e.from].socket || cast[e.from].listener)) model[e.from] = { state: sent, implied: true };
  if (e.fate !== 'arrives') return;
  const got = afterReceive(model[to]?.state, e.segment, Boolean(cast[to].listener));
  if (got && got !== model[to]?.state) model[to] = { state: got, implied: true };
}

/** The ladder of a lab's most telling connection, as lines of at most 80 columns. */
export function formatLadder(r: LabResult, options: LadderOptions): string[] {
  const p = paint(options.color);
  const w = wordsFor(options.lang);
  const cast = castOf(r);
  if (!cast.client.label && !cast.server.label) return [`  ${w.nothingToDraw}`];
  const events = inferEvents(r, cast);
  const model: Model = { client: undefined, server: undefined };
  const lines = [p.dim(`  ${padStart('ms', TIME)}  ${padEnd(cast.client.label, STATE + 1 + ARROW + 1)}${cast.self ? w.sameSocket : cast.server.label}`)];
  let last: Model = { ...model };
  const line = (t: string, left: string, mid: string, right: string) => lines.push(`  ${t}  ${left} ${mid} ${right}`.trimEnd());
  for (let i = 0; i < events.length; ) {
    const at = events[i]!.atMs;
    let j = i;
    while (j < events.length && events[j]!.atMs === at) j++;
    const group = events.slice(i, j);
    i = j;
    for (const e of group) if (e.kind === 'observed') model[e.side] = { state: e.state, implied: false };
    const shown = group.filter((e): e is Exclude<LadderEvent, { kind: 'observed' }> => e.kind !== 'observed');
    const emit = (t: string, mid: string) => {
      const changed = (s: Side) => model[s]?.state !== last[s]?.state || model[s]?.implied !== last[s]?.implied;
      line(t, cell(model.client, changed('client'), p), mid, cell(model.server, changed('server'), p));
      last = { ...model };
    };
    if (shown.length === 0) {
      if (model.client !== last.client || model.server !== last.server) emit(time(at, false), ' '.repeat(ARROW));
      continue;
    }
    for (const e of shown) {
      if (e.kind === 'segment') step(model, e, cast);
      emit(time(at, e.approx), middle(e, w, p));
    }
  }
  lines.push('', ...wrap(w.legendImplied, 80, '  ').map((l) => p.dim(l)), ...wrap(w.legendInferred, 80, '  ').map((l) => p.dim(l)));
  if (cast.others.length > 0) {
    const list = cast.others.map((s) => `${s.name} ${s.states.map((st) => st.state).join(' -> ')}`).join(', ');
    lines.push(...wrap(w.alsoHere(list), 80, '  ').map((l) => p.dim(l)));
  }
  return lines;
}
