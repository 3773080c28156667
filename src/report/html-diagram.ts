// The TCP state diagram of RFC 793 (figure 6) as inline SVG, in the layout of the tour's text
// diagram (src/tour/diagram.ts: its edges are reused, its character grid scaled to pixels), with
// the states and transitions this lab's sockets took highlighted: a dot per socket, a count per edge.

import type { LabResult, SocketJson } from '../runner/result.js';
import type { TcpState } from '../states.js';
import { isListener, portOf } from '../tour/cast.js';
import { BOX_WIDTH, BOXES, EDGES } from '../tour/diagram.js';
import { transitionsOf, type TransitionKey } from '../tour/observed.js';
import { arrowPath, f, svgText, title } from './html-svg.js';
import { esc, socketClass } from './html-text.js';

/** Pixels per character cell of the text diagram. */
const CW = 10;
const CH = 15;
const BOX_CELLS = BOX_WIDTH;

/** What this lab's sockets did, per state box and per transition. */
interface Taken {
  /** Sockets seen in each state; the starting CLOSED holds those whose first transition leaves it. */
  inState: Map<string, SocketJson[]>;
  byEdge: Map<TransitionKey, SocketJson[]>;
}

function boxKey(b: (typeof BOXES)[number]): string {
  return b.end ? 'CLOSED (end)' : b.state;
}

function takenBy(r: LabResult): Taken {
  const listening = new Set(r.sockets.filter(isListener).map((s) => portOf(s.local)));
  const inState = new Map<string, SocketJson[]>();
  const byEdge = new Map<TransitionKey, SocketJson[]>();
  const add = <K>(m: Map<K, SocketJson[]>, k: K, s: SocketJson) => {
    const list = m.get(k) ?? [];
    if (!list.includes(s)) m.set(k, [...list, s]);
  };
  for (const s of r.sockets) {
    s.states.forEach((st, i) => {
      // CLOSED is the absence of a row: a socket is in the final CLOSED once it left the table.
      if (st.state !== 'CLOSED') add(inState, st.state, s);
      else if (i > 0) add(inState, 'CLOSED (end)', s);
    });
    for (const t of transitionsOf(s, listening)) {
      add(byEdge, t, s);
      if (t.startsWith('CLOSED>')) add(inState, 'CLOSED', s);
    }
  }
  return { inState, byEdge };
}

/** Dots in the sockets' colours, one per socket. */
function dots(r: LabResult, sockets: SocketJson[], x: number, y: number): string {
  return sockets.map((s, i) => `<circle cx="${f(x + i * 10)}" cy="${f(y)}" r="4" class="dot ${socketClass(r.sockets.indexOf(s))}"/>`).join('');
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

/** The state diagram of one lab as `<svg class="state-diagram">`, and the transitions it has no edge for. */
export function stateDiagramSvg(r: LabResult): { svg: string; offDiagram: { key: TransitionKey; sockets: SocketJson[] }[] } {
  const taken = takenBy(r);
  const parts: string[] = [];
  EDGES.forEach((edge) => {
    const by = taken.byEdge.get(edge.key) ?? [];
    const names = by.map((s) => s.name).join(', ');
    const label = edge.labels[0]!;
    parts.push(`<g class="edge${by.length > 0 ? ' taken' : ''}" data-edge="${edge.key}" data-taken="${by.length}">` +
      title(`${edge.key.replace('>', ' -> ')}: ${by.length > 0 ? `taken by ${names}` : 'not taken in this lab'}`) +
      arrowPath(pathPixels(edge.path)) +
      edge.labels.map((l) => svgText(l.x * CW, (l.y + 0.75) * CH, l.text, 'edge-label')).join('') +
      (by.length > 0 ? `${svgText(label.x * CW + label.text.length * 6.6 + 6, (label.y + 0.75) * CH, `×${by.length}`, 'edge-count')}` : '') +
      '</g>');
  });
  for (const b of BOXES) {
    const by = taken.inState.get(boxKey(b)) ?? [];
    const [x, y] = [b.x * CW, b.y * CH];
    parts.push(`<g class="state-node${by.length > 0 ? ` visited st-${b.state}` : ''}" data-state="${b.state}"${b.end ? ' data-end="1"' : ''} data-visits="${by.length}">` +
      title(`${b.state}${b.end ? ' (after the connection)' : ''}: ${by.length > 0 ? by.map((s) => s.name).join(', ') : 'not seen in this lab'}`) +
      `<rect x="${f(x + 1)}" y="${f(y + 2)}" width="${BOX_CELLS * CW - 2}" height="${3 * CH - 4}" rx="6"/>` +
      svgText(x + 12, y + 1.5 * CH + 4, b.state, 'state-name') +
      dots(r, by, x + BOX_CELLS * CW - 12 - (by.length - 1) * 10, y + 1.5 * CH) +
      '</g>');
  }
  const keys = new Set<string>(EDGES.map((e) => e.key));
  const offDiagram = [...taken.byEdge].filter(([k]) => !keys.has(k)).map(([key, sockets]) => ({ key, sockets }));
  const [width, height] = [76 * CW, 38 * CH];
  const svg = `<svg class="state-diagram" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="RFC 793 state diagram for ${esc(r.name)}">${parts.join('')}</svg>`;
  return { svg, offDiagram };
}
