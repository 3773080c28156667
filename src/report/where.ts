// Where a lab's failure points: the file and line of the failed expectation or step, for the
// reporters that annotate a file (JUnit's attributes, GitHub's `::error file=,line=`).

import type { LabResult } from '../runner/result.js';

export interface FailurePoint {
  file: string;
  line?: number;
  /** The failure without its `file:line: ` prefix. */
  message: string;
}

/** The point of a failed lab (its failed expectation, else its failure line, else its file). */
export function failurePoint(r: LabResult): FailurePoint | undefined {
  if (r.status !== 'failed') return undefined;
  const text = r.failure ?? 'failed';
  const m = /^(.+?):(\d+): ([\s\S]*)$/.exec(text);
  if (m && m[1] !== '<unknown>') return { file: m[1]!, line: Number(m[2]), message: m[3]! };
  const failed = r.expectations.find((x) => !x.ok);
  const w = failed && /^(.+):(\d+)$/.exec(failed.where);
  if (w) return { file: w[1]!, line: Number(w[2]), message: m ? m[3]! : text };
  return { file: r.file, message: m ? m[3]! : text };
}
