// The JUnit XML report (`--reporter junit`): one testsuite per topic folder of labs, one
// testcase per lab, its failure with file and line, the explanation and steps as system-out.

import type { LabResult } from '../runner/result.js';
import { captureDroppedText, formatStateTable, formatSteps } from './human.js';
import { failurePoint } from './where.js';

/** Text fit for XML 1.0: markup escaped, characters XML cannot hold dropped (ANSI escapes included). */
export function xmlText(s: string): string {
  return s
    .replace(/\x1b\[[0-9;]*m/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** `close` for lab/close/half-close.lab.ts; `labs` for a lab elsewhere. */
function suiteOf(r: LabResult): string {
  return /(?:^|\/)lab\/([^/]+)\/[^/]+$/.exec(r.file)?.[1] ?? 'labs';
}

function testcase(r: LabResult): string {
  const at = failurePoint(r);
  const attrs = `name="${xmlText(r.name)}" classname="tcplab.${xmlText(suiteOf(r))}" file="${xmlText(at?.file ?? r.file)}"${at?.line ? ` line="${at.line}"` : ''} time="${seconds(r.durationMs)}"`;
  const body: string[] = [];
  if (r.status === 'failed') {
    body.push(`      <failure message="${xmlText(at!.message)}" type="${r.expectations.some((x) => !x.ok) ? 'expectation' : 'error'}">${xmlText(r.failure ?? '')}</failure>`);
  } else if (r.status === 'skipped') {
    body.push(`      <skipped message="${xmlText(r.reason ?? '')}"/>`);
  }
  const out = [
    r.explain, '', `observer ${r.observer}${r.resolutionMs > 0 ? ` every ${r.resolutionMs.toFixed(1)} ms` : ''}, IPv${r.family === '4' ? '4' : r.family === '6' ? '6' : '4-mapped IPv6'}, ${r.network}`,
    '', ...formatStateTable(r), '', ...formatSteps(r), '', ...r.expectations.map((x) => `${x.notChecked ? '-   ' : x.ok ? 'ok  ' : 'FAIL'} ${x.text} (${x.notChecked ? `not checked: ${x.notChecked}` : x.observed}) ${x.where}`),
    ...(captureDroppedText(r) ? ['', captureDroppedText(r)!] : []),
  ];
  body.push(`      <system-out>${xmlText(out.join('\n'))}</system-out>`);
  return `    <testcase ${attrs}>\n${body.join('\n')}\n    </testcase>`;
}

export function junitReport(results: LabResult[], durationMs: number, timestamp = new Date().toISOString()): string {
  const count = (rs: LabResult[], s: LabResult['status']) => rs.filter((r) => r.status === s).length;
  const suites = new Map<string, LabResult[]>();
  for (const r of results) suites.set(suiteOf(r), [...(suites.get(suiteOf(r)) ?? []), r]);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tcplab" tests="${results.length}" failures="${count(results, 'failed')}" errors="0" skipped="${count(results, 'skipped')}" time="${seconds(durationMs)}" timestamp="${timestamp}">`,
  ];
  for (const [name, rs] of suites) {
    const time = rs.reduce((sum, r) => sum + r.durationMs, 0);
    lines.push(`  <testsuite name="${xmlText(name)}" tests="${rs.length}" failures="${count(rs, 'failed')}" errors="0" skipped="${count(rs, 'skipped')}" time="${seconds(time)}" timestamp="${timestamp}">`);
    lines.push(...rs.map(testcase));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
