// The TCP state diagram of RFC 793 (figure 6) laid out in text, with the states this machine
// was observed in marked [x] and the transitions seen drawn solid (dashed when not seen).
// Boxes and edges are data; the drawing, and which cell belongs to which edge, follow from it.

import type { TcpState } from '../states.js';
import type { Observed, TransitionKey } from './observed.js';
import { paint, trimEndStyled } from './text.js';

/** Width of a state's box, in characters. */
export const BOX_WIDTH = 19;

/** Top-left corners; CLOSED is drawn twice, as in the RFC (where it starts and, `end`, where it ends). */
export const BOXES: readonly { state: TcpState; x: number; y: number; end?: true }[] = [
  { state: 'CLOSED', x: 29, y: 0 },
  { state: 'LISTEN', x: 29, y: 5 },
  { state: 'SYN_RECV', x: 0, y: 11 },
  { state: 'SYN_SENT', x: 56, y: 11 },
  { state: 'ESTABLISHED', x: 29, y: 17 },
  { state: 'FIN_WAIT1', x: 0, y: 23 },
  { state: 'CLOSE_WAIT', x: 56, y: 23 },
  { state: 'FIN_WAIT2', x: 0, y: 29 },
  { state: 'CLOSING', x: 22, y: 29 },
  { state: 'LAST_ACK', x: 56, y: 29 },
  { state: 'TIME_WAIT', x: 22, y: 35 },
  { state: 'CLOSED', x: 56, y: 35, end: true },
];

type Point = [x: number, y: number];

interface Edge {
  key: TransitionKey;
  /** Corners of the line, ending on the cell of the arrowhead. */
  path: Point[];
  labels: { x: number; y: number; text: string }[];
}

/** The transitions of figure 6 (RFC 793), minus the CLOSE from LISTEN and SYN_SENT. */
export const EDGES: Edge[] = [
  { key: 'CLOSED>LISTEN', path: [[34, 3], [34, 4]], labels: [{ x: 21, y: 3, text: 'passive open' }] },
  { key: 'CLOSED>SYN_SENT', path: [[42, 3], [42, 4], [70, 4], [70, 10]], labels: [{ x: 44, y: 3, text: 'active open, snd SYN' }] },
  { key: 'LISTEN>SYN_RECV', path: [[34, 8], [34, 9], [5, 9], [5, 10]], labels: [{ x: 13, y: 8, text: 'rcv SYN, snd SYN,ACK' }] },
  { key: 'LISTEN>SYN_SENT', path: [[42, 8], [42, 9], [62, 9], [62, 10]], labels: [{ x: 44, y: 8, text: 'send, snd SYN' }] },
  {
    key: 'SYN_SENT>SYN_RECV', path: [[55, 12], [19, 12]],
    labels: [{ x: 29, y: 11, text: 'rcv SYN, snd ACK' }, { x: 27, y: 13, text: '(simultaneous open)' }],
  },
  { key: 'SYN_RECV>ESTABLISHED', path: [[9, 14], [9, 15], [33, 15], [33, 16]], labels: [{ x: 11, y: 14, text: 'rcv ACK of SYN' }] },
  { key: 'SYN_SENT>ESTABLISHED', path: [[65, 14], [65, 15], [43, 15], [43, 16]], labels: [{ x: 43, y: 14, text: 'rcv SYN,ACK, snd ACK' }] },
  { key: 'SYN_RECV>FIN_WAIT1', path: [[3, 14], [3, 22]], labels: [{ x: 5, y: 18, text: 'close, snd FIN' }] },
  { key: 'ESTABLISHED>FIN_WAIT1', path: [[33, 20], [33, 21], [9, 21], [9, 22]], labels: [{ x: 17, y: 20, text: 'close, snd FIN' }] },
  { key: 'ESTABLISHED>CLOSE_WAIT', path: [[43, 20], [43, 21], [65, 21], [65, 22]], labels: [{ x: 45, y: 20, text: 'rcv FIN, snd ACK' }] },
  { key: 'FIN_WAIT1>FIN_WAIT2', path: [[3, 26], [3, 28]], labels: [{ x: 5, y: 28, text: 'rcv ACK of FIN' }] },
  { key: 'FIN_WAIT1>CLOSING', path: [[9, 26], [9, 27], [28, 27], [28, 28]], labels: [{ x: 12, y: 26, text: 'rcv FIN, snd ACK' }] },
  { key: 'CLOSE_WAIT>LAST_ACK', path: [[65, 26], [65, 28]], labels: [{ x: 50, y: 27, text: 'close, snd FIN' }] },
  { key: 'FIN_WAIT2>TIME_WAIT', path: [[3, 32], [3, 36], [21, 36]], labels: [{ x: 5, y: 33, text: 'rcv FIN, snd ACK' }] },
  { key: 'CLOSING>TIME_WAIT', path: [[31, 32], [31, 34]], labels: [{ x: 33, y: 32, text: 'rcv ACK of FIN' }] },
  { key: 'LAST_ACK>CLOSED', path: [[65, 32], [65, 34]], labels: [{ x: 50, y: 33, text: 'rcv ACK of FIN' }] },
  { key: 'TIME_WAIT>CLOSED', path: [[41, 36], [55, 36]], labels: [{ x: 42, y: 35, text: '2MSL timeout' }] },
];

const HEIGHT = 38;
const WIDTH = 75;

/** Who a cell belongs to: a state's box, an edge (index into EDGES), or nobody. */
type Owner = { kind: 'box'; state: TcpState } | { kind: 'edge'; index: number } | { kind: 'none' };

function head(from: Point, to: Point): string {
  if (to[0] > from[0]) return '>';
  if (to[0] < from[0]) return '<';
  return to[1] > from[1] ? 'v' : '^';
}

function drawEdge(grid: string[][], owner: Owner[][], edge: Edge, index: number, seen: boolean): void {
  const put = (x: number, y: number, ch: string) => {
    grid[y]![x] = ch;
    owner[y]![x] = { kind: 'edge', index };
  };
  const pts = edge.path;
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1]!;
    const [x1, y1] = pts[i]!;
    const dx = Math.sign(x1 - x0);
    const dy = Math.sign(y1 - y0);
    for (let x = x0, y = y0; x !== x1 || y !== y1; x += dx, y += dy) {
      // Solid when seen; dashed (every other cell, or ':') when not.
      put(x, y, dx !== 0 ? (seen || (x - x0) % 2 === 0 ? '-' : ' ') : seen ? '|' : ':');
    }
  }
  // Corners: `.` where the line turns down out of a horizontal run, `'` where it turns up into one.
  for (let i = 1; i < pts.length - 1; i++) {
    const [x, y] = pts[i]!;
    const above = pts[i - 1]![1] < y || pts[i + 1]![1] < y;
    put(x, y, above ? "'" : '.');
  }
  const last = pts[pts.length - 1]!;
  put(last[0], last[1], head(pts[pts.length - 2]!, last));
  for (const l of edge.labels) [...l.text].forEach((ch, k) => put(l.x + k, l.y, ch));
}

function drawBox(grid: string[][], owner: Owner[][], box: (typeof BOXES)[number], observed: boolean): void {
  const border = `+${'-'.repeat(BOX_WIDTH - 2)}+`;
  const inner = `| [${observed ? 'x' : ' '}] ${box.state.padEnd(BOX_WIDTH - 8)} |`;
  [border, inner, border].forEach((text, dy) => {
    [...text].forEach((ch, dx) => {
      grid[box.y + dy]![box.x + dx] = ch;
      owner[box.y + dy]![box.x + dx] = { kind: 'box', state: box.state };
    });
  });
}

function sameOwner(a: Owner, b: Owner): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'box':
      return a.state === (b as typeof a).state;
    case 'edge':
      return a.index === (b as typeof a).index;
    case 'none':
      return true;
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** The diagram's lines (each at most 77 columns with the indent), coloured when `color`. */
export function formatDiagram(observed: Observed, options: { color: boolean; indent?: string }): string[] {
  const p = paint(options.color);
  const grid = Array.from({ length: HEIGHT }, () => Array.from({ length: WIDTH }, () => ' '));
  const owner: Owner[][] = Array.from({ length: HEIGHT }, () => Array.from({ length: WIDTH }, (): Owner => ({ kind: 'none' })));
  const isSeen = (s: TcpState) => observed.seenIn[s].length > 0;
  const edgeSeen = EDGES.map((e) => observed.transitions.has(e.key));
  EDGES.forEach((e, i) => drawEdge(grid, owner, e, i, edgeSeen[i]!));
  for (const b of BOXES) drawBox(grid, owner, b, isSeen(b.state));
  const style = (o: Owner, text: string): string => {
    switch (o.kind) {
      case 'box':
        return isSeen(o.state) ? p.bold(p.green(text)) : p.dim(text);
      case 'edge':
        return edgeSeen[o.index] ? p.green(text) : p.dim(text);
      case 'none':
        return text;
      default: {
        const never: never = o;
        return never;
      }
    }
  };
  return grid.map((row, y) => {
    let out = '';
    let start = 0;
    for (let x = 1; x <= row.length; x++) {
      if (x === row.length || !sameOwner(owner[y]![x]!, owner[y]![start]!)) {
        out += style(owner[y]![start]!, row.slice(start, x).join(''));
        start = x;
      }
    }
    return trimEndStyled(`${options.indent ?? '  '}${out}`);
  });
}
