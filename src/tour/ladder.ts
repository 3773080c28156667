// The ladder diagram of one lab: client on the left, server on the right, the segments between
// them (captured, or inferred without a capture) and each side's state on every line. States are
// the observer's; a state in parentheses is implied by the segments where the observer was too
// slow to see it.

import type { LabResult } from '../runner/result.js';
import { castOf, type Cast } from '../ladder/cast.js';
import { otherSide, type LadderEvent, type SegmentKind, type Side } from '../ladder/events.js';
import { noteText, segmentLabel, segmentTint, sourceLine } from '../ladder/label.js';
import { ladderOf } from '../ladder/ladder-events.js';
import { receive, send, type Model, type Shown } from './model.js';
import { clip, displayWidth, padEnd, padStart, paint, trimEndStyled, wrap, type Paint } from './text.js';
import { wordsFor, type Lang, type Words } from './words.js';

export interface LadderOptions {
  color: boolean;
  lang: Lang;
}

const TIME = 8;
const STATE = 13;
const ARROW = 38;

/** Where the columns of a ladder line lie, [start, end) in characters of the plain text. */
export const LADDER_COLUMNS = {
  time: [2, 2 + TIME],
  client: [4 + TIME, 4 + TIME + STATE],
  middle: [5 + TIME + STATE, 5 + TIME + STATE + ARROW],
  server: [6 + TIME + STATE + ARROW, 6 + TIME + 2 * STATE + ARROW],
} as const;

function tint(seg: SegmentKind, p: Paint): (s: string) => string {
  const t = segmentTint(seg);
  switch (t) {
    case 'syn':
      return p.green;
    case 'fin':
      return p.yellow;
    case 'rst':
      return p.red;
    case 'ack':
      return p.cyan;
    case 'data':
      return p.blue;
    default: {
      const never: never = t;
      return never;
    }
  }
}

/** Columns a lost segment's arrow spans (it stops short, at an x). */
const span = (width: number, lost: boolean) => (lost ? Math.round(width * 0.7) : width);

/** The widest label an arrow holds: room for two dashes each side. */
const labelRoom = (lost: boolean, width = ARROW) => span(width, lost) - 8;

/** An arrow across `width` columns, its label centred on it. */
function arrow(text: string, from: Side, lost: boolean, width = ARROW): string {
  const body = ` ${clip(text, labelRoom(lost, width))} `;
  const dashes = span(width, lost) - 1 - displayWidth(body);
  const before = '-'.repeat(Math.floor(dashes / 2));
  const after = '-'.repeat(dashes - before.length);
  if (from === 'client') return padEnd(`${before}${body}${after}${lost ? 'x' : '>'}`, width);
  return padStart(`${lost ? 'x' : '<'}${before}${body}${after}`, width);
}

function aside(text: string, side: Side | undefined): string {
  const t = clip(text, ARROW);
  if (side === 'client') return padEnd(t, ARROW);
  if (side === 'server') return padStart(t, ARROW);
  const left = Math.floor((ARROW - displayWidth(t)) / 2);
  return padEnd(' '.repeat(left) + t, ARROW);
}

type Drawn = Exclude<LadderEvent, { kind: 'observed' }>;

function middle(e: Drawn, w: Words, p: Paint): string {
  if (e.kind === 'crossing') {
    const half = (ARROW - 2) / 2;
    return tint(e.segment, p)(`${arrow(e.segment, 'client', false, half)}  ${arrow(e.segment, 'server', false, half)}`);
  }
  if (e.kind === 'note') {
    return p.magenta(aside(`(${noteText(e.note, w)})`, e.side));
  }
  if (e.fate === 'queued') return p.yellow(aside(`[${w.finQueued}]`, e.from));
  const lost = e.fate === 'lost';
  const text = arrow(segmentLabel(e.segment, e.detail, w, (l) => displayWidth(l) <= labelRoom(lost)), e.from, lost);
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

/**
 * What a segment's arrival does to the receiver. A captured ACK moves it only where it is the
 * first to acknowledge the receiver's SYN or FIN (others carry data's acknowledgements); a
 * captured SYN-ACK, FIN or data segment that does so also acts as that ACK, before itself.
 */
function arrive(model: Model, cast: Cast, e: Extract<LadderEvent, { kind: 'segment' }>): void {
  const to = otherSide(e.from);
  const acked = e.detail.kind === 'wire' ? e.detail.wire.acked : undefined;
  // The acknowledgement is taken first, as the kernel does: FIN_WAIT1 and a FIN that acknowledges its FIN is TIME_WAIT.
  if (acked && e.segment !== 'ACK') receive(model, cast, to, 'ACK');
  if (e.segment !== 'ACK' || e.detail.kind !== 'wire' || acked) receive(model, cast, to, e.segment);
}

/** One drawn line before rendering: its time, its middle, and both sides' states after it. */
interface Line {
  time: string;
  middle: string;
  after: Model;
}

/**
 * The lines of a ladder. Within one moment the segments are drawn first. An observation then
 * confirms a state the segments implied, on the lines since that side's previous observation
 * (its parentheses go), even when the segments have already moved past it; an observation the
 * segments did not foresee sets the state and gets a line of its own.
 */
function ladderLines(events: LadderEvent[], cast: Cast, w: Words, p: Paint): Line[] {
  // A listener exists before any connection to it: the server side starts (implied) in LISTEN.
  const model: Model = { client: undefined, server: cast.server.listener ? { state: 'LISTEN', implied: true } : undefined };
  /** Arrivals of crossing segments, applied when the next line is drawn (they were in flight). */
  let inFlight: (() => void)[] = [];
  /** Per side, the lines drawn since its last observation. */
  const since: Record<Side, Line[]> = { client: [], server: [] };
  const lines: Line[] = [];
  for (let i = 0; i < events.length; ) {
    const at = events[i]!.atMs;
    let j = i;
    while (j < events.length && events[j]!.atMs === at) j++;
    const group = events.slice(i, j);
    i = j;
    const land = () => {
      inFlight.forEach((arrive) => arrive());
      inFlight = [];
    };
    for (const e of group) {
      if (e.kind === 'observed') continue;
      land();
      if (e.kind === 'segment') {
        send(model, cast, e.from, e.segment);
        // One socket at both ends (a self-connect): what it sends it receives, in one state.
        if (cast.self) model[otherSide(e.from)] = model[e.from];
        if (e.fate === 'arrives') arrive(model, cast, e);
        if (cast.self) model[e.from] = model[otherSide(e.from)];
      } else if (e.kind === 'crossing') {
        send(model, cast, 'client', e.segment);
        send(model, cast, 'server', e.segment);
        inFlight.push(() => receive(model, cast, 'client', e.segment), () => receive(model, cast, 'server', e.segment));
      } else if (e.side && (e.note.kind === 'fin-timeout' || e.note.kind === 'time-wait-over')) {
        model[e.side] = { state: 'CLOSED', implied: true };
      }
      const line = { time: time(at, e.approx), middle: middle(e, w, p), after: { ...model } };
      lines.push(line);
      since.client.push(line);
      since.server.push(line);
    }
    let own = false;
    if (group.some((e) => e.kind === 'observed')) land();
    for (const e of group) {
      if (e.kind !== 'observed') continue;
      const seen: Shown = { state: e.state, implied: false };
      const first = since[e.side].findIndex((l) => l.after[e.side]?.state === e.state);
      if (first === -1) {
        model[e.side] = seen;
        own = true;
        since[e.side] = [];
        continue;
      }
      let k = first;
      for (; k < since[e.side].length && since[e.side][k]!.after[e.side]?.state === e.state; k++) {
        const l = since[e.side][k]!;
        l.after = { ...l.after, [e.side]: seen };
      }
      since[e.side] = since[e.side].slice(k);
      if (model[e.side]?.state === e.state) model[e.side] = seen;
    }
    const last = lines[lines.length - 1]?.after;
    const moved = (s: Side) => model[s]?.state !== last?.[s]?.state || model[s]?.implied !== last?.[s]?.implied;
    if (own && (!last || moved('client') || moved('server'))) lines.push({ time: time(at, false), middle: ' '.repeat(ARROW), after: { ...model } });
  }
  return lines;
}

/** The ladder of a lab's most telling connection, as lines of at most 80 columns. */
export function formatLadder(r: LabResult, options: LadderOptions): string[] {
  const p = paint(options.color);
  const w = wordsFor(options.lang);
  const cast = castOf(r);
  if (!cast.client.label && !cast.server.label) return [`  ${w.nothingToDraw}`];
  const header = `  ${padStart('ms', TIME)}  ${padEnd(cast.client.label, STATE + 1 + ARROW + 1)}${cast.self ? w.sameSocket : cast.server.label}`;
  const out = [p.dim(header)];
  let before: Model = { client: undefined, server: undefined };
  const ladder = ladderOf(r, cast);
  for (const l of ladderLines(ladder.events, cast, w, p)) {
    const changed = (s: Side) => l.after[s]?.state !== before[s]?.state || l.after[s]?.implied !== before[s]?.implied;
    out.push(trimEndStyled(`  ${l.time}  ${cell(l.after.client, changed('client'), p)} ${l.middle} ${cell(l.after.server, changed('server'), p)}`));
    before = l.after;
  }
  const legend = [w.legendImplied(ladder.events.some((e) => e.approx)), sourceLine(ladder, w)];
  out.push('', ...legend.flatMap((t) => wrap(t, 80, '  ')).map((l) => p.dim(l)));
  if (cast.others.length > 0) {
    const list = cast.others.map((s) => `${s.name} ${s.states.map((st) => st.state).join(' -> ')}`).join(', ');
    out.push(...wrap(w.alsoHere(list), 80, '  ').map((l) => p.dim(l)));
  }
  return out;
}
