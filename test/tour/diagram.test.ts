// The state diagram and the checklist on real lab results (test/fixtures/tour/, captured with
// `tcplab run --all --json` and `tcplab run half-close --json`): what is marked, what is drawn
// solid, and that it all fits 80 columns. What was observed: test/ladder/observed.test.ts.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { observe, TOUR_STATES } from '../../src/ladder/observed.js';
import { EDGES } from '../../src/ladder/state-diagram.js';
import { formatDiagram } from '../../src/tour/diagram.js';
import { formatSummary } from '../../src/tour/summary.js';
import { displayWidth, stripAnsi } from '../../src/tour/text.js';

function labs(file: string): LabResult[] {
  return (JSON.parse(readFileSync(new URL(`../fixtures/tour/${file}.json`, import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
}

const all = labs('all');
const halfClose = labs('half-close');
const INDENT = 2;

/** The character drawn at the first cell of an edge's line. */
function firstCell(lines: string[], key: string): string {
  const edge = EDGES.find((e) => e.key === key)!;
  const [x, y] = edge.path[0]!;
  return lines[y]![INDENT + x]!;
}

describe('formatDiagram', () => {
  it('marks every state [x] after a full run, and draws no unmarked box', () => {
    const lines = formatDiagram(observe(all), { color: false });
    const text = lines.join('\n');
    for (const s of TOUR_STATES) expect(text).toContain(`[x] ${s}`);
    expect(text).not.toContain('[ ]');
    expect(text.match(/\[x\] CLOSED/g)).toHaveLength(2);
  });

  it('after half-close alone: its states marked, the handshake states not', () => {
    const text = formatDiagram(observe(halfClose), { color: false }).join('\n');
    for (const s of ['LISTEN', 'ESTABLISHED', 'FIN_WAIT2', 'CLOSE_WAIT', 'TIME_WAIT', 'CLOSED']) expect(text).toContain(`[x] ${s}`);
    for (const s of ['SYN_SENT', 'SYN_RECV', 'CLOSING']) expect(text).toContain(`[ ] ${s}`);
  });

  it('draws the transitions seen solid and the others dashed', () => {
    const full = formatDiagram(observe(all), { color: false });
    const half = formatDiagram(observe(halfClose), { color: false });
    // FIN_WAIT2 -> TIME_WAIT is seen in both; CLOSING -> TIME_WAIT only in the full run.
    expect(firstCell(full, 'FIN_WAIT2>TIME_WAIT')).toBe('|');
    expect(firstCell(half, 'FIN_WAIT2>TIME_WAIT')).toBe('|');
    expect(firstCell(full, 'CLOSING>TIME_WAIT')).toBe('|');
    expect(firstCell(half, 'CLOSING>TIME_WAIT')).toBe(':');
    // Simultaneous open is too brief for any polling observer.
    expect(firstCell(full, 'SYN_SENT>SYN_RECV')).toBe('-');
    expect(full[12]!.slice(INDENT + 19, INDENT + 56)).toMatch(/^<( -)+$/);
  });

  it('keeps every line within 80 columns; colour changes nothing but the colours', () => {
    const plain = formatDiagram(observe(all), { color: false });
    const coloured = formatDiagram(observe(all), { color: true });
    for (const l of plain) expect(displayWidth(l)).toBeLessThanOrEqual(80);
    expect(plain.join('\n')).not.toContain('\x1b[');
    expect(coloured.join('\n')).toContain('\x1b[');
    expect(coloured.map(stripAnsi)).toEqual(plain);
  });
});

describe('the long run', () => {
  const long = [...all, ...labs('time-wait-2msl')];

  it('draws TIME_WAIT -> CLOSED solid once a socket was seen leaving TIME_WAIT', () => {
    expect(firstCell(formatDiagram(observe(all), { color: false }), 'TIME_WAIT>CLOSED')).toBe('-');
    expect(formatDiagram(observe(all), { color: false })[36]).toMatch(/\|- - - - - - - >\|/);
    expect(formatDiagram(observe(long), { color: false })[36]).toMatch(/\|-------------->\|/);
  });

  it('says TIME_WAIT was waited out', () => {
    const text = formatSummary(long, observe(long), 70_000, { lang: 'en', color: false, long: true }).join('\n');
    expect(text).toContain('TIME_WAIT was waited out to the end (2MSL).');
  });
});

describe('formatSummary', () => {
  it('checks off 11 of 11 after a full run, with the labs each state was seen in', () => {
    const o = observe(all);
    const text = formatSummary(all, o, 12_345, { lang: 'en', color: false, long: false }).join('\n');
    expect(text).toContain('11 of 11 states observed on this machine');
    expect(text).toMatch(/\[x\] CLOSING\s+closing$/m);
    expect(text).toMatch(/\[x\] SYN_RECV\s+syn-recv$/m);
    expect(text).toContain('run `tcplab tour --long`');
    expect(text).toContain('14 passed, 0 failed, 0 skipped · The tour took 12.3 s.');
  });

  it('leaves unseen states unchecked after half-close alone', () => {
    const text = formatSummary(halfClose, observe(halfClose), 1000, { lang: 'en', color: false, long: false }).join('\n');
    expect(text).toMatch(/\[ \] SYN_SENT$/m);
    expect(text).toMatch(/\[x\] TIME_WAIT\s+half-close$/m);
    expect(text).toMatch(/\d+ of 11 states observed/);
  });

  it('fits 80 columns in English and Chinese, with and without colour', () => {
    for (const lang of ['en', 'zh'] as const) {
      for (const color of [false, true]) {
        const lines = formatSummary(all, observe(all), 9_000, { lang, color, long: false });
        for (const l of lines) expect(displayWidth(l), l).toBeLessThanOrEqual(80);
        if (!color) expect(lines.join('\n')).not.toContain('\x1b[');
      }
    }
    expect(formatSummary(all, observe(all), 9_000, { lang: 'zh', color: false, long: false }).join('\n')).toContain('本机观察到 11 / 11 个状态');
  });
});
