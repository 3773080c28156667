// The ladder's right-hand column: the lab's steps (with their script line), notes and Node's
// events at their time, a dot on the actor's lane; runs of `data` reads are folded into one line.

import type { EventJson, LabResult, SocketJson } from '../runner/result.js';
import { f, svgText, title } from './html-svg.js';
import type { TimeScale } from './html-timescale.js';
import { clip, esc, ms, shortWhere, socketClass } from './html-text.js';

/** Pixels between two lines of the column. */
const STEP_LINE = 13;

/** An event as the column lists it; `count` reads folded into one. */
export type ListedEvent = EventJson & { count?: number };

/** The events the side column lists: steps, notes and Node's events, runs of `data` folded into one line. */
export function sideEvents(events: EventJson[]): ListedEvent[] {
  const out: ListedEvent[] = [];
  for (const e of [...events].sort((a, b) => a.atMs - b.atMs)) {
    if (e.kind === 'kernel' || (e.kind === 'node' && e.what === 'drain')) continue;
    const last = out[out.length - 1];
    if (e.kind === 'node' && e.what === 'data' && last?.kind === 'node' && last.what === 'data' && last.actor === e.actor) {
      out[out.length - 1] = { ...last, count: (last.count ?? 1) + 1, bytes: (last.bytes ?? 0) + (e.bytes ?? 0) };
      continue;
    }
    out.push(e);
  }
  return out;
}

function eventText(e: ListedEvent): string {
  const data = e.what === 'data' ? ` ${e.bytes ?? 0} B${e.count ? ` in ${e.count} reads` : ''}` : '';
  const rest = `${e.code ? ` ${e.code}` : ''}${data}${e.detail ? ` ${e.detail}` : ''}`;
  switch (e.kind) {
    case 'step': return `${e.what}${rest}`;
    case 'node': return `← ${e.what}${rest}`;
    case 'note': return `note ${e.what}${rest}`;
    case 'kernel': return `kernel ${e.what}${rest}`;
    default: {
      const never: never = e.kind;
      return never;
    }
  }
}

/** The column of steps and events right of the lanes, each with a dot on its actor's lane (`laneX`); `bottom`: its last line's y. */
export function stepColumn(listed: ListedEvent[], r: LabResult, laneX: (s: SocketJson) => number | undefined, sideX: number, top: number, scale: TimeScale): { parts: string[]; bottom: number } {
  const out: string[] = [svgText(sideX, top - 6, 'steps and Node events', 'side-head')];
  let next = top + 14;
  for (const e of listed) {
    const y = scale.y(e.atMs);
    const ly = Math.max(y + 4, next);
    next = ly + STEP_LINE;
    const socket = r.sockets.find((s) => s.name === e.actor);
    const x = socket ? laneX(socket) : undefined;
    const cls = socket ? socketClass(r.sockets.indexOf(socket)) : '';
    const where = e.where ? ` ${shortWhere(e.where)}` : '';
    const text = clip(eventText(e), 62 - (e.actor ?? '').length - where.length);
    const raw = `<tspan class="t">${ms(e.atMs)}</tspan> <tspan class="actor">${esc(e.actor ?? '')}</tspan> ${esc(text)}<tspan class="where">${esc(where)}</tspan>`;
    out.push(`<g class="step ${cls}" data-kind="${e.kind}">${title(`${ms(e.atMs)} ms ${e.actor ?? ''} ${eventText(e)}${e.where ? ` (${e.where})` : ''}`)}` +
      (x === undefined ? '' : `<circle cx="${f(x)}" cy="${f(y)}" r="3" class="step-dot"/><line x1="${f(x + 14)}" y1="${f(y)}" x2="${f(sideX - 6)}" y2="${f(ly - 4)}" class="leader"/>`) +
      `${svgText(sideX, ly, { raw }, 'step-label')}</g>`);
  }
  return { parts: out, bottom: next - STEP_LINE };
}
