// The end of the tour: the state diagram with what this machine showed, the checklist of the
// eleven states (with the labs each was seen in), and the transitions outside the figure.

import type { LabResult } from '../runner/result.js';
import { countObserved, TOUR_STATES, type Observed, type TransitionKey } from '../ladder/observed.js';
import { EDGES } from '../ladder/state-diagram.js';
import { formatDiagram } from './diagram.js';
import { clip, COLUMNS, displayWidth, labelled, paint, trimEndStyled, wrap } from './text.js';
import { wordsFor, type Lang } from './words.js';

export interface SummaryOptions {
  lang: Lang;
  color: boolean;
  long: boolean;
}

/** Whether some socket was seen leaving TIME_WAIT (the 2MSL wait-out of the long lab). */
function waitedOut(observed: Observed): boolean {
  return observed.transitions.has('TIME_WAIT>CLOSED');
}

function arrow(key: TransitionKey): string {
  return key.replace('>', ' -> ');
}

/** `a, b, c, …`: as many names as fit in `room` columns. */
function labList(labs: readonly string[], room: number): string {
  let text = '';
  for (const [i, name] of labs.entries()) {
    const next = text ? `${text}, ${name}` : name;
    const tail = i < labs.length - 1 ? ', …' : '';
    if (displayWidth(next + tail) > room) return text ? `${text}, …` : clip(name, room);
    text = next;
  }
  return text;
}

/** The lines that end the tour (at most 80 columns each). */
export function formatSummary(results: readonly LabResult[], observed: Observed, wallMs: number, options: SummaryOptions): string[] {
  const p = paint(options.color);
  const w = wordsFor(options.lang);
  const n = countObserved(observed);
  const title = `── ${w.diagramTitle} `;
  const out = [p.bold(title) + p.dim('─'.repeat(Math.max(2, COLUMNS - displayWidth(title)))), ''];
  out.push(...formatDiagram(observed, { color: options.color }), '');
  out.push(...wrap(w.diagramLegend, COLUMNS, '  ').map((l) => p.dim(l)), '');
  for (const s of TOUR_STATES) {
    const labs = observed.seenIn[s];
    const mark = labs.length > 0 ? p.green('[x]') : p.red('[ ]');
    const name = s.padEnd(12);
    out.push(trimEndStyled(`  ${mark} ${labs.length > 0 ? p.bold(name) : name} ${p.dim(labList(labs, COLUMNS - 19))}`));
  }
  out.push('');
  const line = `${w.checklist(n, TOUR_STATES.length)}`;
  out.push(`  ${n === TOUR_STATES.length ? p.bold(p.green(line)) : p.bold(p.yellow(line))}`);
  out.push(...wrap(w.closedRule, COLUMNS, '  ').map((l) => p.dim(l)));
  out.push(...wrap(w.timeWaitWait(options.long, waitedOut(observed)), COLUMNS, '  ').map((l) => p.dim(l)));
  const figure = new Set<string>(EDGES.map((e) => e.key));
  const outside = [...observed.transitions.keys()].filter((k) => !figure.has(k));
  if (outside.length > 0) {
    out.push('', ...wrap(labelled(w.otherTransitions, outside.map(arrow).join(', ')), COLUMNS, '  ', '    ').map((l) => p.dim(l)));
  }
  const count = (s: LabResult['status']) => results.filter((r) => r.status === s).length;
  const tally = w.summary(count('passed'), count('failed'), count('skipped'));
  out.push('', `  ${count('failed') > 0 ? p.red(tally) : p.green(tally)} · ${w.totalTime((wallMs / 1000).toFixed(1))}`);
  return out;
}
