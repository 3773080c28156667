// The ladder of one lab as inline SVG: a lane per socket (listeners included), time flowing
// down, each lane's observed states as coloured bands, the segments between the client and the
// server as arrows (captured, or inferred without a capture: src/ladder/ladder-events.ts), and
// the lab's steps and Node's events in a column on the right.

import type { LabResult, SocketJson } from '../runner/result.js';
import { isListener, type Cast } from '../ladder/cast.js';
import type { LadderEvent, SegmentKind, Side, Wire } from '../ladder/events.js';
import { noteText, segmentLabel, segmentTint } from '../ladder/label.js';
import { ladderOf, type Ladder } from '../ladder/ladder-events.js';
import { ladderWords, type Lang, type LadderWords } from '../ladder/words.js';
import { arrowLine, f, svgText, title } from './html-svg.js';
import { sideEvents, stepColumn } from './html-steps.js';
import { timeScale, type TimeScale } from './html-timescale.js';
import { esc, ms, shortEndpoint, socketClass } from './html-text.js';
import { timerText } from './human.js';

const AXIS = 64;
/** x of the first lane: room left of it for notes. */
const FIRST_LANE = AXIS + 70;
const TOP = 64;
const LANES_WIDTH = 540;
const LANE_MIN = 150;
const SIDE_GAP = 110;
const SIDE_WIDTH = 390;
const BAND = 10;
/** Room right of a lane for its state labels (`ESTABLISHED`, about 6.6 px a character, bold). */
const STATE_LABEL = 92;
/** How far an arrow drops on its way: a hint of travel time, not a measure of it. */
const SLOPE = 4;

/** Lanes left to right: the drawn connection's client, the listeners, its server, then the rest. */
function laneOrder(r: LabResult, cast: Cast): SocketJson[] {
  const out: SocketJson[] = [];
  for (const s of [cast.client.socket, ...r.sockets.filter(isListener), cast.server.socket, ...r.sockets]) {
    if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

export interface LadderSvgOptions {
  /** The lab's ladder, when the caller has it already. */
  ladder?: Ladder;
  /** The language of the arrows' labels (English by default). */
  lang?: Lang;
}

/** The ladder of a lab as one `<svg class="ladder">`. */
export function ladderSvg(r: LabResult, options: LadderSvgOptions = {}): string {
  const ladder = options.ladder ?? ladderOf(r);
  const w = ladderWords(options.lang ?? 'en');
  const cast = ladder.cast;
  const lanes = laneOrder(r, cast);
  const color = (s: SocketJson) => socketClass(r.sockets.indexOf(s));
  const spacing = lanes.length > 1 ? Math.max(LANE_MIN, LANES_WIDTH / (lanes.length - 1)) : 0;
  const laneX = new Map(lanes.map((s, i) => [s, FIRST_LANE + i * spacing]));
  const sideX = FIRST_LANE + (lanes.length - 1) * spacing + SIDE_GAP;
  const drawn = stagger(ladder.events.filter((e): e is Drawn => e.kind !== 'observed'));
  const listed = sideEvents(r.events);
  const scale = timeScale([
    ...r.sockets.flatMap((s) => s.states.flatMap((st) => [st.atMs, st.untilMs])),
    ...drawn.map((e) => e.atMs),
    ...listed.map((e) => e.atMs),
  ], TOP + 14);
  const parts: string[] = [];
  // Lanes: a header and a line; then the segments; then a band per state span, its label over the arrows.
  for (const s of lanes) {
    const x = laneX.get(s)!;
    parts.push(`<g class="lane ${color(s)}" data-socket="${esc(s.name)}">${title(`${s.name} ${s.local} -> ${s.remote}`)}`,
      svgText(x, 22, s.name, 'lane-name', 'middle'),
      svgText(x, 38, `${shortEndpoint(s.local)} → ${shortEndpoint(s.remote)}`, 'lane-addr', 'middle'),
      `<line x1="${f(x)}" y1="${TOP}" x2="${f(x)}" y2="${f(scale.bottom + 20)}" class="lane-line"/></g>`);
  }
  parts.push(...drawn.map((e) => segmentSvg(e, cast, laneX, scale, w)));
  for (const s of lanes) {
    const x = laneX.get(s)!;
    parts.push(...s.states.map((st) => {
      const y0 = scale.y(st.atMs);
      const h = Math.max(3, scale.y(st.untilMs) - y0);
      const tip = `${s.name}: ${st.state} at ${ms(st.atMs)} ms for ${ms(st.untilMs - st.atMs)} ms${st.timer ? `, ${timerText(st.timer)}` : ''}${st.source ? ` (${st.source})` : ''}`;
      return `<g class="state-mark st-${st.state}" data-state="${st.state}" data-socket="${esc(s.name)}">${title(tip)}` +
        `<rect x="${f(x - BAND / 2)}" y="${f(y0)}" width="${BAND}" height="${f(h)}" rx="2"/>` +
        `${svgText(x + BAND, y0 + 13, st.state, 'state-label')}</g>`;
    }));
  }
  const steps = stepColumn(listed, r, (socket) => laneX.get(socket), sideX, TOP, scale);
  parts.push(...steps.parts);
  parts.push(...axis(scale, sideX));
  const bottom = Math.max(scale.bottom + 30, steps.bottom + 12);
  const width = sideX + SIDE_WIDTH;
  return `<svg class="ladder" viewBox="0 0 ${f(width)} ${f(bottom)}" width="${f(width)}" height="${f(bottom)}" role="img" aria-label="ladder diagram of ${esc(r.name)}" data-source="${ladder.source}">${parts.join('')}</svg>`;
}

type Drawn = Exclude<LadderEvent, { kind: 'observed' }>;

/** Segments dated to the same moment get a row each: the later ones 1 µs apart, in their order (drawing only). */
function stagger(drawn: Drawn[]): Drawn[] {
  return drawn.map((e, i) => {
    let k = 0;
    while (k < i && drawn[i - k - 1]!.atMs === e.atMs) k++;
    return k === 0 ? e : { ...e, atMs: e.atMs + k * 0.001 };
  });
}

/** The lane of one end of a segment: a SYN reaches the listener, anything else the connection's socket. */
function laneOf(cast: Cast, side: Side, seg: SegmentKind, receiving: boolean): SocketJson | undefined {
  const party = cast[side];
  if (receiving && seg === 'SYN' && party.listener) return party.listener;
  return party.socket ?? party.listener;
}

/** A captured segment's tooltip: flags, absolute and relative numbers, window, length, options, and when. */
function wireTitle(wire: Wire, atMs: number): string {
  const o = wire.options;
  const options = [
    o.mss !== undefined && `mss ${o.mss}`, o.wscale !== undefined && `wscale ${o.wscale}`, o.sackPermitted && 'sack permitted',
    o.sack && `sack ${o.sack.map(([a, b]) => `${a}-${b}`).join(' ')}`, o.ts && `ts ${o.ts.val} ecr ${o.ts.ecr}`,
  ].filter(Boolean).join(', ');
  const numbers = `seq ${wire.rawSeq}${wire.rawAck !== undefined ? ` ack ${wire.rawAck}` : ''} (relative ${wire.seq}${wire.ack !== undefined ? `, ${wire.ack}` : ''})`;
  const when = wire.run ? `${wire.run.segments} segments, captured ${ms(atMs)} to ${ms(wire.run.untilMs)} ms` : `captured at ${ms(atMs)} ms`;
  return `${wire.flags} ${numbers}, win ${wire.win}, len ${wire.len}${options ? `, ${options}` : ''}${wire.analysis.length > 0 ? `; ${wire.analysis.join(', ')}` : ''}; ${when}`;
}

function segmentSvg(e: Drawn, cast: Cast, laneX: Map<SocketJson, number>, scale: TimeScale, w: LadderWords): string {
  const y = scale.y(e.atMs);
  const approx = e.approx ? '~' : '';
  switch (e.kind) {
    case 'note': {
      const at = e.side ? laneOf(cast, e.side, 'ACK', false) : undefined;
      const x = at ? laneX.get(at) : undefined;
      const text = noteText(e.note, w);
      if (x === undefined) return '';
      // Left of the lane where the margin holds it (about 6 px a character), else right of it.
      const left = x - AXIS > text.length * 6 + 24;
      return `<g class="note">${svgText(left ? x - BAND : x + BAND, y + 4, `(${text})`, 'note-label', left ? 'end' : 'start')}</g>`;
    }
    case 'crossing': {
      const x = laneX.get(cast.client.socket!);
      if (x === undefined) return '';
      // One socket is both ends (a self-connect): its segment comes back to it.
      return `<g class="segment tint-${segmentTint(e.segment)}" data-segment="${e.segment}"><path d="M${f(x + BAND)},${f(y)}c40,0 40,${SLOPE * 2} 0,${SLOPE * 2}" class="line"/>${svgText(x + BAND + STATE_LABEL, y + 8, e.segment, 'seg-label')}</g>`;
    }
    case 'segment': {
      const from = laneOf(cast, e.from, e.segment, false);
      const to = laneOf(cast, e.from === 'client' ? 'server' : 'client', e.segment, true);
      const [x1, x2] = [from && laneX.get(from), to && laneX.get(to)];
      const label = `${approx}${segmentLabel(e.segment, e.detail, w)}`;
      const cls = `segment ${e.fate === 'lost' ? 'tint-rst' : `tint-${segmentTint(e.segment)}`}`;
      const tip = e.detail.kind === 'wire' ? wireTitle(e.detail.wire, e.atMs) : `${label} (inferred, ${ms(e.atMs)} ms)`;
      const data = `data-segment="${e.segment}" data-fate="${e.fate}" data-label="${esc(label)}"`;
      if (x1 !== undefined && x1 === x2) {
        // One socket is both ends (a self-connect): its segment comes back to it.
        return `<g class="${cls}" ${data}>${title(tip)}<path d="M${f(x1 + BAND)},${f(y)}c40,0 40,${SLOPE * 2} 0,${SLOPE * 2}" class="line"/>${svgText(x1 + BAND + STATE_LABEL, y + 8, label, 'seg-label')}</g>`;
      }
      if (x1 === undefined || x2 === undefined) return '';
      const dir = Math.sign(x2 - x1);
      if (e.fate === 'queued') {
        return `<g class="${cls} queued" data-segment="${e.segment}">${svgText(x1 + dir * (BAND + 4), y + 4, `[${w.finQueued}]`, 'seg-label', dir > 0 ? 'start' : 'end')}</g>`;
      }
      const end = e.fate === 'lost' ? x1 + (x2 - x1) * 0.7 : x2 - dir * (BAND / 2 + 1);
      // Beside the sender, clear of the state labels right of each lane: after the sender's own going right, before its lane going left.
      const [lx, anchor] = dir > 0 ? [x1 + BAND + STATE_LABEL, 'start' as const] : [x1 - BAND, 'end' as const];
      return `<g class="${cls}" ${data}>${title(tip)}` +
        arrowLine(x1 + dir * (BAND / 2 + 1), y - SLOPE / 2, end, y + SLOPE / 2, e.fate === 'lost') +
        `${svgText(lx, y - 5, label, 'seg-label', anchor)}</g>`;
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** The ms of each row on the left (skipping labels that would collide), and the breaks. */
function axis(scale: TimeScale, sideX: number): string[] {
  const out = [svgText(AXIS - 8, TOP - 6, 'ms', 'axis-head', 'end')];
  let last = -Infinity;
  let lastText = '';
  for (const row of scale.rows) {
    const text = ms(row.atMs);
    if (row.y - last < 12 || text === lastText) continue;
    out.push(svgText(AXIS - 8, row.y + 4, text, 'axis-label', 'end'));
    last = row.y;
    lastText = text;
  }
  out.push(...scale.breaks.map((y) => `<g class="break">${title('a quiet stretch, shortened')}${svgText(AXIS - 8, y + 4, '≈', 'axis-break', 'end')}<line x1="${AXIS}" y1="${f(y)}" x2="${f(sideX - 20)}" y2="${f(y)}" class="break-line"/></g>`));
  return out;
}
