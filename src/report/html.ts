// The HTML report (`tcplab run ... --report out.html`): one self-contained page, inline CSS and
// SVG only (no script, no URL of any kind), with a summary, then per lab its status, failure
// line, expectations, ladder diagram, RFC 793 state diagram and raw timeline.

import type { Family } from '../lab/define.js';
import type { LabResult } from '../runner/result.js';
import { sourceLine } from '../ladder/label.js';
import { ladderOf, type Ladder } from '../ladder/ladder-events.js';
import { ladderWords } from '../ladder/words.js';
import { stateDiagramSvg } from './html-diagram.js';
import { ladderSvg } from './html-ladder.js';
import { htmlPage } from './html-page.js';
import { eventsTable, expectationList, statesTable } from './html-tables.js';
import { captureDroppedText } from './human.js';
import { esc, ms, socketClass } from './html-text.js';

export interface HtmlReportMeta {
  version: string;
  durationMs: number;
  /** When the report was written, as the caller spells it (ISO 8601). */
  generatedAt: string;
}

const FAMILY_TEXT: Record<Family, string> = { '4': 'IPv4', '6': 'IPv6', mapped: 'v4-mapped IPv6' };

function statusWord(status: LabResult['status']): string {
  switch (status) {
    case 'passed':
      return 'PASS';
    case 'failed':
      return 'FAIL';
    case 'skipped':
      return 'SKIP';
    default: {
      const never: never = status;
      return never;
    }
  }
}

/** A stable fragment id for a lab's section. */
function anchor(r: LabResult, i: number): string {
  return `lab-${i + 1}-${r.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function metaLine(r: LabResult): string {
  const parts = [
    `${Math.round(r.durationMs)} ms`,
    `observer ${r.observer}${r.resolutionMs > 0 ? `, every ${ms(r.resolutionMs)} ms` : ''} (${r.samples} samples)`,
    `family ${FAMILY_TEXT[r.family]}`,
    r.network === 'netns' ? 'private netns' : 'host loopback',
    ...(r.resources ?? []).map((p) => `${p.name} (pid ${p.pid}): CPU ${p.cpuMs + p.childrenCpuMs} ms, peak ${mib(p.peakRssBytes)}`),
    ...(r.trace ? [`${r.trace.events} trace events`] : []),
    r.capture ? `captured ${r.capture.packets} packets${r.capture.dropped === null ? ', drops unknown' : r.capture.dropped > 0 ? `, ${r.capture.dropped} dropped` : ''}` : `no capture${r.noCapture ? `: ${r.noCapture}` : ''}`,
  ];
  return `<p class="meta"><code>${esc(r.file)}</code> · ${parts.map(esc).join(' · ')}</p>`;
}

/** Each socket's path through the states, in its colour: the key to the diagram's dots. */
function pathsList(r: LabResult): string {
  const items = r.sockets.map((s, i) =>
    `<li><span class="chip ${socketClass(i)}">● ${esc(s.name)}</span> ${s.states.map((st) => `<span class="state st-${st.state}">${st.state}</span>`).join(' → ')}</li>`);
  return `<ul class="keys">${items.join('')}</ul>`;
}

/** What the ladder shows, and where its arrows come from (one line of it says so, as under the tour's ladder). */
function ladderLegend(ladder: Ladder): string {
  const cast = ladder.cast;
  const pair = [cast.client.socket?.name, cast.server.socket?.name].filter(Boolean).map((n) => esc(n)).join(' and ');
  const arrows = ladder.source === 'captured'
    ? `Arrows are the segments captured${pair ? ` between ${pair}` : ''}, one each (a run of data and the ACKs of it folded into two), at the capture's times; hover for absolute numbers, window and options.`
    : `Arrows are segments inferred from the state changes, steps and Node's events${pair ? `, drawn between ${pair}` : ''}; ~ marks an estimated time.`;
  return `<p class="legend">One lane per socket, time flowing down (ms on the left; quiet stretches shortened, marked ≈). ` +
    `Bands are the states the observer saw (hover for times and timers). ${arrows}</p>` +
    `<p class="legend source ${ladder.source}" data-source="${ladder.source}"><strong>${esc(sourceLine(ladder, ladderWords('en')))}</strong></p>`;
}

/** A warning where the capture lost packets (or could not say): the ladder may miss segments. */
function droppedWarning(r: LabResult): string {
  const text = captureDroppedText(r);
  return text ? `<p class="warn">${esc(`${text[0]!.toUpperCase()}${text.slice(1)}.`)}</p>` : '';
}

function labSection(r: LabResult, i: number): string {
  const out = [
    `<section class="lab ${r.status}" id="${anchor(r, i)}" data-lab="${esc(r.name)}" data-status="${r.status}">`,
    `<div class="lab-head"><span class="badge ${r.status}">${statusWord(r.status)}</span><h2>${esc(r.name)}</h2></div>`,
    metaLine(r),
    `<p class="explain">${esc(r.explain)}</p>`,
  ];
  if (r.failure) out.push(`<pre class="failure" role="alert">${esc(r.failure)}</pre>`);
  if (r.status === 'skipped') {
    out.push(`<p class="reason">skipped: ${esc(r.reason ?? '')}</p></section>`);
    return out.join('\n');
  }
  if (r.trace && r.trace.lost > 0) out.push(`<p class="warn">The kernel dropped ${r.trace.lost} trace events (ring buffer full): transitions may be missing.</p>`);
  const dropped = droppedWarning(r);
  if (dropped) out.push(dropped);
  out.push('<h3>Expectations</h3>', expectationList(r));
  if (r.sockets.length > 0) {
    const ladder = ladderOf(r);
    out.push('<h3>Ladder</h3>', `<div class="figure">${ladderSvg(r, { ladder })}</div>`, ladderLegend(ladder));
    const diagram = stateDiagramSvg(r);
    const off = diagram.offDiagram.map((t) => `<li><span class="mono">${t.key.replace('>', ' → ')}</span> (${esc(t.names.join(', '))})</li>`);
    out.push('<h3>State diagram (RFC 793, figure 6)</h3>',
      `<div class="two"><div class="figure">${diagram.svg}</div><div><p class="legend">States and transitions this lab's sockets took are highlighted; ` +
        `a dot per socket in its colour, ×N on an edge: N sockets took it.</p>${pathsList(r)}` +
        (off.length > 0 ? `<p class="legend">Also taken, with no edge in figure 6:</p><ul class="keys">${off.join('')}</ul>` : '') +
        '</div></div>');
  }
  out.push('<h3>Timeline</h3>',
    `<details open><summary>States of every socket</summary>${statesTable(r)}</details>`,
    // A long list of events (a bulk transfer's reads) starts folded.
    `<details${r.events.length <= 40 ? ' open' : ''}><summary>Events (${r.events.length})</summary>${eventsTable(r)}</details>`,
    '</section>');
  return out.join('\n');
}

function summary(results: LabResult[], meta: HtmlReportMeta): string {
  const count = (s: LabResult['status']) => results.filter((r) => r.status === s).length;
  const counts = (['passed', 'failed', 'skipped'] as const).map((s) => `<span class="count ${s}">${count(s)} ${s}</span>`).join(' ');
  const failures = results.flatMap((r, i) => (r.failure ? [`<li><a href="#${anchor(r, i)}">${esc(r.name)}</a><pre class="failure">${esc(r.failure)}</pre></li>`] : []));
  const nav = results.map((r, i) => `<li><span class="badge ${r.status}">${statusWord(r.status)}</span> <a href="#${anchor(r, i)}">${esc(r.name)}</a></li>`);
  return `<header><h1>tcplab report</h1><div class="summary">${counts}` +
    `<span>${(meta.durationMs / 1000).toFixed(1)} s</span><span>tcplab ${esc(meta.version)}</span><span class="muted">generated ${esc(meta.generatedAt)}</span></div>` +
    (failures.length > 0 ? `<ul class="failures">${failures.join('')}</ul>` : '') +
    `<nav><ul>${nav.join('')}</ul></nav></header>`;
}

/** The whole report as one HTML document. */
export function htmlReport(results: LabResult[], meta: HtmlReportMeta): string {
  const failed = results.some((r) => r.status === 'failed');
  return htmlPage({
    lang: 'en',
    title: `tcplab report: ${failed ? 'FAILED' : 'passed'} (${results.length} lab${results.length === 1 ? '' : 's'})`,
    body: `${summary(results, meta)}
${results.map(labSection).join('\n')}
<footer>tcplab ${esc(meta.version)} · states as the kernel's own names (include/net/tcp_states.h) · arrows from captured segments where the lab had a capture, inferred elsewhere · this page loads nothing from the network</footer>`,
  });
}
