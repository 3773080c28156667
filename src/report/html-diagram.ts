// The TCP state diagram of RFC 793 (figure 6) as inline SVG, in the layout of the tour's text
// diagram (src/ladder/state-diagram.ts: its edges, its character grid scaled to pixels), with
// the states and transitions taken highlighted: by one lab's sockets (a dot per socket, a count
// per edge), or by a whole tour's labs (a count of labs per state and edge).

import type { LabResult } from '../runner/result.js';
import { isListener, portOf } from '../ladder/cast.js';
import { transitionsOf, type Observed, type TransitionKey } from '../ladder/observed.js';
import { BOX_WIDTH, BOXES, EDGES } from '../ladder/state-diagram.js';
import { arrowPath, f, svgText, title } from './html-svg.js';
import { esc, socketClass } from './html-text.js';

/** Pixels per character cell of the text diagram. */
const CW = 10;
const CH = 15;
const BOX_CELLS = BOX_WIDTH;

/** Who took a state or a transition: a name for the tooltip, and the class of its dot (none: no dot). */
interface Taker {
  name: string;
  dot?: string;
}

/** What was taken, per state box and per transition. */
interface Taken {
  /** Takers seen in each state; the starting CLOSED holds those whose first transition leaves it. */
  inState: Map<string, Taker[]>;
  byEdge: Map<TransitionKey, Taker[]>;
}

function boxKey(b: (typeof BOXES)[number]): string {
  return b.end ? 'CLOSED (end)' : b.state;
}

function add<K>(m: Map<K, Taker[]>, k: K, t: Taker): void {
  const list = m.get(k) ?? [];
  if (!list.some((x) => x.name === t.name)) m.set(k, [...list, t]);
}

/** What one lab's sockets did, a dot per socket in its colour. */
function takenBySockets(r: LabResult): Taken {
  const listening = new Set(r.sockets.filter(isListener).map((s) => portOf(s.local)));
  const taken: Taken = { inState: new Map(), byEdge: new Map() };
  r.sockets.forEach((s, i) => {
    const t: Taker = { name: s.name, dot: socketClass(i) };
    s.states.forEach((st, k) => {
      // CLOSED is the absence of a row: a socket is in the final CLOSED once it left the table.
      if (st.state !== 'CLOSED') add(taken.inState, st.state, t);
      else if (k > 0) add(taken.inState, 'CLOSED (end)', t);
    });
    for (const key of transitionsOf(s, listening)) {
      add(taken.byEdge, key, t);
      if (key.startsWith('CLOSED>')) add(taken.inState, 'CLOSED', t);
    }
  });
  return taken;
}

/** What the labs of a tour showed, by lab name. */
function takenByLabs(observed: Observed): Taken {
  const taken: Taken = { inState: new Map(), byEdge: new Map() };
  for (const [state, labs] of Object.entries(observed.seenIn)) {
    for (const name of labs) add(taken.inState, state === 'CLOSED' ? 'CLOSED (end)' : state, { name });
  }
  for (const [key, labs] of observed.transitions) {
    for (const name of labs) {
      add(taken.byEdge, key, { name });
      if (key.startsWith('CLOSED>')) add(taken.inState, 'CLOSED', { name });
    }
  }
  return taken;
}

/** Dots in the takers' colours, one per taker that has one. */
function dots(takers: Taker[], x: number, y: number): string {
  const coloured = takers.filter((t) => t.dot);
  const x0 = x - (coloured.length - 1) * 10;
  return coloured.map((t, i) => `<circle cx="${f(x0 + i * 10)}" cy="${f(y)}" r="4" class="dot ${t.dot}"/>`).join('');
}

/** A cell's centre in pixels, pushed half a cell back (`start`) or on (`end`) along a run so lines meet the boxes. */
function pathPixels(path: [number, number][]): [number, number][] {
  const px = path.map(([x, y]): [number, number] => [(x + 0.5) * CW, (y + 0.5) * CH]);
  const nudge = (i: number, j: number, sign: number) => {
    const [dx, dy] = [Math.sign(px[j]![0] - px[i]![0]), Math.sign(px[j]![1] - px[i]![1])];
    px[i] = [px[i]![0] + sign * dx * CW / 2, px[i]![1] + sign * dy * CH / 2];
  };
  nudge(0, 1, -1);
  nudge(px.length - 1, px.length - 2, -1);
  return px;
}

/** A transition figure 6 has no edge for, and who took it. */
export interface OffDiagram {
  key: TransitionKey;
  names: string[];
}

/** The figure as `<svg class="state-diagram">`, `taken` highlighted; `what` names it (`this lab`, `the tour`). */
function diagramSvg(taken: Taken, what: string, aria: string): { svg: string; offDiagram: OffDiagram[] } {
  const parts: string[] = [];
  EDGES.forEach((edge) => {
    const by = taken.byEdge.get(edge.key) ?? [];
    const names = by.map((t) => t.name).join(', ');
    const label = edge.labels[0]!;
    parts.push(`<g class="edge${by.length > 0 ? ' taken' : ''}" data-edge="${edge.key}" data-taken="${by.length}">` +
      title(`${edge.key.replace('>', ' -> ')}: ${by.length > 0 ? `taken by ${names}` : `not taken in ${what}`}`) +
      arrowPath(pathPixels(edge.path)) +
      edge.labels.map((l) => svgText(l.x * CW, (l.y + 0.75) * CH, l.text, 'edge-label')).join('') +
      (by.length > 0 ? `${svgText(label.x * CW + label.text.length * 6.6 + 6, (label.y + 0.75) * CH, `×${by.length}`, 'edge-count')}` : '') +
      '</g>');
  });
  for (const b of BOXES) {
    const by = taken.inState.get(boxKey(b)) ?? [];
    const [x, y] = [b.x * CW, b.y * CH];
    parts.push(`<g class="state-node${by.length > 0 ? ` visited st-${b.state}` : ''}" data-state="${b.state}"${b.end ? ' data-end="1"' : ''} data-visits="${by.length}">` +
      title(`${b.state}${b.end ? ' (after the connection)' : ''}: ${by.length > 0 ? by.map((t) => t.name).join(', ') : `not seen in ${what}`}`) +
      `<rect x="${f(x + 1)}" y="${f(y + 2)}" width="${BOX_CELLS * CW - 2}" height="${3 * CH - 4}" rx="6"/>` +
      svgText(x + 12, y + 1.5 * CH + 4, b.state, 'state-name') +
      dots(by, x + BOX_CELLS * CW - 12, y + 1.5 * CH) +
      '</g>');
  }
  const keys = new Set<string>(EDGES.map((e) => e.key));
  const offDiagram = [...taken.byEdge].filter(([k]) => !keys.has(k)).map(([key, by]) => ({ key, names: by.map((t) => t.name) }));
  const [width, height] = [76 * CW, 38 * CH];
  const svg = `<svg class="state-diagram" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="RFC 793 state diagram for ${esc(aria)}">${parts.join('')}</svg>`;
  return { svg, offDiagram };
}

/** The state diagram of one lab, a dot per socket, and the transitions it has no edge for. */
export function stateDiagramSvg(r: LabResult): { svg: string; offDiagram: OffDiagram[] } {
  return diagramSvg(takenBySockets(r), 'this lab', r.name);
}

/** The state diagram of a whole tour: each state and transition with the labs it was seen in. */
export function tourDiagramSvg(observed: Observed): { svg: string; offDiagram: OffDiagram[] } {
  return diagramSvg(takenByLabs(observed), 'the tour', 'the tour');
}
