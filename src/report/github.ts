// GitHub Actions annotations (`--reporter github`): a failed lab becomes
// `::error file=...,line=...,title=...::message` on its failing expectation's line, a skipped
// one a warning, and the run ends with one notice line of counts.

import type { LabResult } from '../runner/result.js';
import { captureDroppedText } from './human.js';
import { failurePoint } from './where.js';

/** A workflow command's message: `%`, CR and LF escaped. */
function data(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '').replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: also `:` and `,`. */
function property(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function githubAnnotations(results: LabResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.status === 'failed') {
      const at = failurePoint(r)!;
      lines.push(`::error file=${property(at.file)}${at.line ? `,line=${at.line}` : ''},title=${property(`tcplab ${r.name}`)}::${data(at.message)}`);
    } else if (r.status === 'skipped') {
      lines.push(`::warning file=${property(r.file)},title=${property(`tcplab ${r.name} skipped`)}::${data(r.reason ?? 'skipped')}`);
    }
    const dropped = captureDroppedText(r);
    if (dropped && r.status !== 'skipped') lines.push(`::warning file=${property(r.file)},title=${property(`tcplab ${r.name}: packets dropped`)}::${data(dropped)}`);
  }
  const count = (s: LabResult['status']) => results.filter((r) => r.status === s).length;
  lines.push(`::notice title=tcplab::${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`);
  return lines.join('\n') + '\n';
}
