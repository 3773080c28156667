// Drawing primitives shared by the report's two SVG figures (the ladder and the state diagram):
// arrows with explicit heads (no markers, so a head always takes its line's colour) and text.

import { esc } from './html-text.js';

/** A straight arrow from (x1, y1) to (x2, y2), its head a triangle at the end; `lost` ends in a cross. */
export function arrowLine(x1: number, y1: number, x2: number, y2: number, lost = false): string {
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  const [ux, uy] = [(x2 - x1) / len, (y2 - y1) / len];
  if (lost) {
    const c = 4;
    return `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" class="line lost"/>` +
      `<path d="M${f(x2 - c)},${f(y2 - c)}L${f(x2 + c)},${f(y2 + c)}M${f(x2 - c)},${f(y2 + c)}L${f(x2 + c)},${f(y2 - c)}" class="line"/>`;
  }
  return `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2 - ux * 6)}" y2="${f(y2 - uy * 6)}" class="line"/>${head(x2, y2, ux, uy)}`;
}

/** A polyline whose last point carries an arrow head. */
export function arrowPath(points: [number, number][]): string {
  const [x2, y2] = points[points.length - 1]!;
  const [x1, y1] = points[points.length - 2]!;
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  const [ux, uy] = [(x2 - x1) / len, (y2 - y1) / len];
  const body = [...points.slice(0, -1), [x2 - ux * 6, y2 - uy * 6]].map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f(x!)},${f(y!)}`).join('');
  return `<path d="${body}" class="line"/>${head(x2, y2, ux, uy)}`;
}

function head(x: number, y: number, ux: number, uy: number): string {
  const [bx, by] = [x - ux * 8, y - uy * 8];
  const [px, py] = [-uy * 4, ux * 4];
  return `<path d="M${f(x)},${f(y)}L${f(bx + px)},${f(by + py)}L${f(bx - px)},${f(by - py)}Z" class="head"/>`;
}

/** A text element; `raw` content is already markup (tspans), anything else is escaped. */
export function svgText(x: number, y: number, content: string | { raw: string }, cls = '', anchor: 'start' | 'middle' | 'end' = 'start'): string {
  const body = typeof content === 'string' ? esc(content) : content.raw;
  return `<text x="${f(x)}" y="${f(y)}"${cls ? ` class="${cls}"` : ''}${anchor === 'start' ? '' : ` text-anchor="${anchor}"`}>${body}</text>`;
}

/** A tooltip for the enclosing element. */
export function title(text: string): string {
  return `<title>${esc(text)}</title>`;
}

/** Coordinates with at most one decimal, to keep the document small. */
export function f(v: number): string {
  return String(Math.round(v * 10) / 10);
}
