// Matching an observed sequence of states against an expected path whose optional steps
// (`STATE?`) may be missing because they lived shorter than the observer's resolution.

import type { PathStep } from '../lab/define.js';
import type { TcpState } from '../states.js';

export interface PathMatch {
  /** The observed states that matched, in order. */
  seen: TcpState[];
  /** Optional steps that were not observed. */
  skipped: TcpState[];
}

function parse(step: PathStep): { state: TcpState; optional: boolean } {
  return step.endsWith('?') ? { state: step.slice(0, -1) as TcpState, optional: true } : { state: step as TcpState, optional: false };
}

/** The first contiguous run of `observed` that follows `path`, or undefined. */
export function matchPath(path: PathStep[], observed: TcpState[]): PathMatch | undefined {
  const steps = path.map(parse);
  const go = (j: number, i: number, skipped: TcpState[], seen: TcpState[]): PathMatch | undefined => {
    if (j === steps.length) return { seen, skipped };
    const step = steps[j]!;
    if (i < observed.length && observed[i] === step.state) {
      const m = go(j + 1, i + 1, skipped, [...seen, step.state]);
      if (m) return m;
    }
    return step.optional ? go(j + 1, i, [...skipped, step.state], seen) : undefined;
  };
  for (let start = 0; start < observed.length; start += 1) {
    const m = go(0, start, [], []);
    if (m && m.seen.length > 0) return m;
  }
  return undefined;
}
