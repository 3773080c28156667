// `tcplab tour --report tour.html`: the whole tour as one self-contained page, from the run
// report's pieces (ladder, state table, state diagram, stylesheet): per step the dialogue, the
// explanation, the ladder (from the captured packets where there are some) and for the handshake
// the classic figure with the captured numbers; at the end the state diagram of the whole tour.

import { sourceLine } from '../ladder/label.js';
import { ladderOf } from '../ladder/ladder-events.js';
import { countObserved, observe, TOUR_STATES, type Observed } from '../ladder/observed.js';
import { ladderWords } from '../ladder/words.js';
import { tourDiagramSvg } from '../report/html-diagram.js';
import { ladderSvg } from '../report/html-ladder.js';
import { htmlPage } from '../report/html-page.js';
import { statesTable } from '../report/html-tables.js';
import { esc } from '../report/html-text.js';
import type { LabResult } from '../runner/result.js';
import { formatHandshake } from './handshake.js';
import { stepText } from './script.js';
import { hintFor } from './step.js';
import { wordsFor, type Lang, type Words } from './words.js';

export interface TourPageMeta {
  lang: Lang;
  version: string;
  wallMs: number;
  /** When the page was written, as the caller spells it (ISO 8601). */
  generatedAt: string;
  long: boolean;
}

function statusText(r: LabResult, w: Words): string {
  switch (r.status) {
    case 'passed':
      return w.passed;
    case 'failed':
      return w.failed;
    case 'skipped':
      return w.skipped;
    default: {
      const never: never = r.status;
      return never;
    }
  }
}

function anchor(r: LabResult, i: number): string {
  return `step-${i + 1}-${r.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function stepSection(r: LabResult, i: number, total: number, meta: TourPageMeta): string {
  const w = wordsFor(meta.lang);
  const text = stepText(r.name, meta.lang);
  const out = [
    `<section class="lab step ${r.status}" id="${anchor(r, i)}" data-lab="${esc(r.name)}" data-status="${r.status}">`,
    `<div class="lab-head"><span class="badge ${r.status}">${esc(statusText(r, w))}</span><h2>${esc(w.step(i + 1, total))} · ${esc(r.name)} · ${esc(text?.title ?? r.name)}</h2></div>`,
  ];
  if (text) {
    const lines = text.dialogue.map((l) =>
      `<li>${l.who ? `<strong>${esc(l.who)}</strong>${esc(w.colon)} ${esc(l.says)}` : `<em>${esc(l.says)}</em>`}${l.segments ? ` <span class="segments">(${esc(l.segments)})</span>` : ''}</li>`);
    out.push(`<ul class="dialogue">${lines.join('')}</ul>`);
  }
  const explain = text?.explain ?? r.explain;
  if (explain) out.push(`<p class="explain">${esc(explain)}</p>`);
  if (r.status === 'skipped') {
    out.push(`<p class="reason">${esc(w.skipped)}${esc(w.colon)} ${esc(r.reason ?? '')}</p>`, `<p>${esc(w.whatToDo)} ${esc(hintFor(r.reason ?? '', w))}</p></section>`);
    return out.join('\n');
  }
  if (r.failure) out.push(`<pre class="failure" role="alert">${esc(r.failure)}</pre>`);
  if (r.sockets.length > 0) {
    const ladder = ladderOf(r);
    out.push(`<h3>${esc(w.ladder)}</h3>`, `<div class="figure">${ladderSvg(r, { ladder, lang: meta.lang })}</div>`,
      `<p class="legend source ${ladder.source}" data-source="${ladder.source}"><strong>${esc(sourceLine(ladder, ladderWords(meta.lang)))}</strong></p>`);
    if (r.capture && r.capture.dropped !== 0) out.push(`<p class="warn">${esc(w.captureDropped(r.capture.dropped))}</p>`);
    const figure = r.name === 'handshake' ? formatHandshake(ladder) : [];
    if (figure.length > 0) out.push(`<h3>${esc(w.handshakeNumbers)}</h3>`, `<pre class="handshake">${esc(figure.map((l) => l.trim()).join('\n'))}</pre>`);
    out.push(`<h3>${esc(w.kernelDid(r.observer, r.resolutionMs > 0 ? r.resolutionMs.toFixed(1) : undefined))}</h3>`, statesTable(r));
  }
  const seen = observe([r]).seenIn;
  const here = TOUR_STATES.filter((s) => seen[s].length > 0);
  if (here.length > 0) out.push(`<p class="seen">${esc(w.seenHere)} ${here.map((s) => `<span class="state st-${s}">${s}</span>`).join(' ')}</p>`);
  out.push('</section>');
  return out.join('\n');
}

/** The diagram of the whole tour, the checklist of the eleven states, and the tally. */
function ending(results: LabResult[], observed: Observed, meta: TourPageMeta): string {
  const w = wordsFor(meta.lang);
  const diagram = tourDiagramSvg(observed);
  const n = countObserved(observed);
  const checklist = TOUR_STATES.map((s) => {
    const labs = observed.seenIn[s];
    return `<li class="check ${labs.length > 0 ? 'seen' : 'unseen'}" data-state="${s}"><span class="mark">${labs.length > 0 ? '✓' : '✗'}</span> <span class="state st-${s}">${s}</span> <span class="muted">${esc(labs.join(', '))}</span></li>`;
  });
  const off = diagram.offDiagram.map((t) => `<li><span class="mono">${t.key.replace('>', ' → ')}</span> (${esc(t.names.join(', '))})</li>`);
  const count = (s: LabResult['status']) => results.filter((r) => r.status === s).length;
  return `<section class="lab tour-end" id="diagram"><h2>${esc(w.diagramTitle)}</h2>` +
    `<div class="two"><div class="figure">${diagram.svg}</div><div>` +
    `<p class="checked"><strong>${esc(w.checklist(n, TOUR_STATES.length))}</strong></p><ul class="checklist">${checklist.join('')}</ul>` +
    `<p class="legend">${esc(w.closedRule)} ${esc(w.timeWaitWait(meta.long, observed.transitions.has('TIME_WAIT>CLOSED')))}</p>` +
    (off.length > 0 ? `<p class="legend">${esc(w.otherTransitions)}</p><ul class="keys">${off.join('')}</ul>` : '') +
    `<p>${esc(w.summary(count('passed'), count('failed'), count('skipped')))} · ${esc(w.totalTime((meta.wallMs / 1000).toFixed(1)))}</p>` +
    '</div></div></section>';
}

/** The tour's results as one HTML document. */
export function tourPage(results: LabResult[], meta: TourPageMeta): string {
  const w = wordsFor(meta.lang);
  const [title, ...intro] = w.intro(results.length);
  const observed = observe(results);
  const nav = results.map((r, i) => `<li><span class="badge ${r.status}">${esc(statusText(r, w))}</span> <a href="#${anchor(r, i)}">${esc(r.name)}</a></li>`);
  const header = `<header><h1>${esc(title)}</h1>${intro.map((t) => `<p class="explain">${esc(t)}</p>`).join('')}` +
    `<div class="summary"><span>${esc(w.checklist(countObserved(observed), TOUR_STATES.length))}</span><span>tcplab ${esc(meta.version)}</span><span class="muted">${esc(meta.generatedAt)}</span></div>` +
    `<nav><ul>${nav.join('')}<li><a href="#diagram">${esc(w.diagramTitle.replace(/[:：]$/, ''))}</a></li></ul></nav></header>`;
  return htmlPage({
    lang: meta.lang,
    title: title ?? 'tcplab tour',
    body: `${header}\n${results.map((r, i) => stepSection(r, i, results.length, meta)).join('\n')}\n${ending(results, observed, meta)}\n` +
      `<footer>tcplab ${esc(meta.version)} · this page loads nothing from the network</footer>`,
  });
}
