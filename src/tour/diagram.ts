// The TCP state diagram of RFC 793 (figure 6) laid out in text, with the states this machine
// was observed in marked [x] and the transitions seen drawn solid (dashed when not seen).
// Boxes and edges are data (src/ladder/state-diagram.ts); the drawing, and which cell belongs to
// which edge, follow from it.

import type { TcpState } from '../states.js';
import type { Observed } from '../ladder/observed.js';
import { BOX_WIDTH, BOXES, EDGES, type Edge, type Point } from '../ladder/state-diagram.js';
import { paint, trimEndStyled } from './text.js';

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
