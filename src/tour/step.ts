// One step of the tour as text: the heading, the dialogue in plain words, the explanation, what
// the kernel did (the human reporter's state table), the ladder (and for the handshake the
// classic figure with the captured numbers), and what this step checked off.

import { formatStateTable } from '../report/human.js';
import type { LabResult } from '../runner/result.js';
import type { TcpState } from '../states.js';
import { formatHandshake } from './handshake.js';
import { formatLadder } from './ladder.js';
import { ladderOf } from '../ladder/ladder-events.js';
import { observe } from '../ladder/observed.js';
import { stepText, type DialogueLine } from './script.js';
import { COLUMNS, displayWidth, labelled, padStart, paint, stripAnsi, wrap, type Paint } from './text.js';
import { wordsFor, type Lang, type Words } from './words.js';

export interface StepContext {
  index: number;
  total: number;
  lang: Lang;
  color: boolean;
  /** States the lab is meant to show (its `shows` option). */
  shows: readonly TcpState[];
  /** States no earlier step had shown. */
  fresh: readonly TcpState[];
}

function heading(r: LabResult, ctx: StepContext, title: string, p: Paint, w: Words): string {
  const status = r.status === 'passed' ? p.green(w.passed) : r.status === 'failed' ? p.red(w.failed) : p.yellow(w.skipped);
  const left = `── ${ctx.index}/${ctx.total} ${r.name} · ${title} `;
  const right = ` ${stripAnsi(status)}`;
  const fill = Math.max(2, COLUMNS - displayWidth(left) - displayWidth(right));
  return `${p.bold(left)}${p.dim('─'.repeat(fill))} ${status}`;
}

function dialogueLines(lines: readonly DialogueLine[], p: Paint): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const who = l.who === '' ? '' : `${l.who}: `;
    const words = l.who === '' ? p.italic(l.says) : l.says;
    const tag = l.segments ? `(${l.segments})` : '';
    const text = `  ${who}${l.says}`;
    if (tag && displayWidth(text) + 2 + displayWidth(tag) <= COLUMNS) {
      out.push(`  ${p.bold(who)}${words}${' '.repeat(COLUMNS - displayWidth(text) - displayWidth(tag))}${p.cyan(tag)}`);
      continue;
    }
    out.push(...wrap(`${who}${l.says}`, COLUMNS, '  ', '     ').map((s, i) => (i === 0 && who ? s.replace(who, p.bold(who)) : s)));
    if (tag) out.push(...wrap(tag, COLUMNS - 4, '').map((s) => p.cyan(padStart(s, COLUMNS))));
  }
  return out;
}

/** What to do about a skipped step, from its reason. */
export function hintFor(reason: string, w: Words): string {
  if (/namespace/i.test(reason)) return w.hintNetns;
  const pkg = /apt-get install ([\w.-]+)/.exec(reason)?.[1];
  if (pkg) return w.hintInstall(pkg);
  if (/--family/.test(reason)) return w.hintFamily;
  return w.hintOther;
}

function stateList(states: readonly TcpState[], p: Paint, fresh: readonly TcpState[]): string {
  return states.map((s) => (fresh.includes(s) ? p.bold(p.green(s)) : s)).join(' ');
}

/** The lines of one step (at most 80 columns each). */
export function formatStep(r: LabResult, ctx: StepContext): string[] {
  const p = paint(ctx.color);
  const w = wordsFor(ctx.lang);
  const text = stepText(r.name, ctx.lang);
  const out = [heading(r, ctx, text?.title ?? r.name, p, w), ''];
  if (text) out.push(...dialogueLines(text.dialogue, p), '');
  const explain = text?.explain ?? r.explain;
  if (explain) out.push(...wrap(explain, COLUMNS, '  '), '');
  if (r.status === 'skipped') {
    out.push(...wrap(labelled(`${w.skipped}${w.colon}`, r.reason ?? ''), COLUMNS, '  ', '    ').map((l) => p.yellow(l)));
    out.push(...wrap(labelled(w.whatToDo, hintFor(r.reason ?? '', w)), COLUMNS, '  ', '    '));
    return out;
  }
  if (r.sockets.length > 0) {
    const table = formatStateTable(r).map((l) => (ctx.color ? l : stripAnsi(l)));
    out.push(p.bold(`  ${w.kernelDid(r.observer, r.resolutionMs > 0 ? r.resolutionMs.toFixed(1) : undefined)}`), ...table, '');
  }
  out.push(p.bold(`  ${w.ladder}`), ...formatLadder(r, { color: ctx.color, lang: ctx.lang }), '');
  const figure = r.name === 'handshake' ? formatHandshake(ladderOf(r)) : [];
  if (figure.length > 0) out.push(...wrap(w.handshakeNumbers, COLUMNS, '  ').map((l) => p.bold(l)), ...figure, '');
  const seen = observe([r]).seenIn;
  const here = (Object.keys(seen) as TcpState[]).filter((s) => seen[s].length > 0);
  if (here.length > 0) {
    const fresh = ctx.fresh.length > 0 ? `  (${w.newHere}: ${ctx.fresh.join(' ')})` : '';
    out.push(...wrap(labelled(w.seenHere, `${stateList(here, p, ctx.fresh)}${fresh}`), COLUMNS, '  ', '    '));
  }
  const missed = ctx.shows.filter((s) => s !== 'CLOSED' && !here.includes(s));
  if (missed.length > 0) out.push(...wrap(labelled(w.tooBrief, missed.join(' ')), COLUMNS, '  ', '    ').map((l) => p.dim(l)));
  if (r.failure) out.push('', ...wrap(r.failure, COLUMNS, '  ', '    ').map((l) => p.red(l)));
  return out;
}
