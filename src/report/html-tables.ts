// The report's lists and tables for one lab: its expectations with their outcome, and the raw
// timeline (every socket's states in the column order of the human report, then every event).

import type { LabResult } from '../runner/result.js';
import { timerText } from './human.js';
import { esc, ms, socketClass } from './html-text.js';

/** One `<li>` per expectation: ✓ or ✗, what was expected, what was observed, and where. */
export function expectationList(r: LabResult): string {
  if (r.expectations.length === 0) return '<p class="muted">No expectations.</p>';
  const items = r.expectations.map((x) => x.notChecked
    ? `<li class="expectation unchecked" data-ok="unchecked"><span class="mark" aria-label="not checked">–</span> ` +
      `<span class="text">${esc(x.text)}</span> <span class="observed">not checked: ${esc(x.notChecked)}</span> <code class="where">${esc(x.where)}</code></li>`
    : `<li class="expectation ${x.ok ? 'ok' : 'fail'}" data-ok="${x.ok}"><span class="mark" aria-label="${x.ok ? 'passed' : 'failed'}">${x.ok ? '✓' : '✗'}</span> ` +
      `<span class="text">${esc(x.text)}</span> <span class="observed">observed: ${esc(x.observed)}</span> <code class="where">${esc(x.where)}</code></li>`);
  return `<ul class="expectations">${items.join('')}</ul>`;
}

function socketCell(r: LabResult, name: string | undefined): string {
  const i = r.sockets.findIndex((s) => s.name === name);
  return i === -1 ? esc(name ?? '') : `<span class="chip ${socketClass(i)}">${esc(name)}</span>`;
}

/** Every socket's states: socket, local, remote, state, at ms, for ms, timer, source. */
export function statesTable(r: LabResult): string {
  const rows = r.sockets.flatMap((s) =>
    s.states.map((st, i) => {
      const head = i === 0
        ? `<td rowspan="${s.states.length}">${socketCell(r, s.name)}</td><td rowspan="${s.states.length}"><code>${esc(s.local)}</code></td><td rowspan="${s.states.length}"><code>${esc(s.remote)}</code></td>`
        : '';
      const timer = [st.timer && timerText(st.timer), st.lastTimer && `last ${timerText(st.lastTimer)}`].filter(Boolean).join(', ');
      return `<tr>${head}<td><span class="state st-${st.state}">${st.state}</span></td><td class="num">${ms(st.atMs)}</td>` +
        `<td class="num">${st.state === 'CLOSED' ? '' : ms(st.untilMs - st.atMs)}</td><td>${esc(timer)}</td><td>${esc(st.source ?? '')}</td></tr>`;
    }));
  if (rows.length === 0) return '<p class="muted">No socket was observed.</p>';
  return '<table class="states"><thead><tr><th>socket</th><th>local</th><th>remote</th><th>state</th><th class="num">at ms</th><th class="num">for ms</th><th>timer</th><th>source</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
}

/** Every event of the lab: at ms, actor, kind, what, detail, where. */
export function eventsTable(r: LabResult): string {
  if (r.events.length === 0) return '<p class="muted">No events.</p>';
  const rows = [...r.events].sort((a, b) => a.atMs - b.atMs).map((e) => {
    const detail = [e.code, e.bytes !== undefined ? `${e.bytes} bytes` : undefined, e.detail].filter((d) => d !== undefined && d !== '').join(' · ');
    return `<tr class="ev-${e.kind}"><td class="num">${ms(e.atMs)}</td><td>${socketCell(r, e.actor)}</td><td>${e.kind}</td><td>${esc(e.what)}</td><td>${esc(detail)}</td><td><code>${esc(e.where ?? '')}</code></td></tr>`;
  });
  return '<table class="events"><thead><tr><th class="num">at ms</th><th>actor</th><th>kind</th><th>what</th><th>detail</th><th>where</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
}
