// Running labs from a program (the library's `runLabs`): the same runner as `tcplab run`, one
// child process per lab, each result as the JSON contract states it.

import type { Family } from '../lab/define.js';
import { resolveLabs } from '../lab/resolve.js';
import { chooseObserver } from '../observe/create.js';
import type { ObserverName } from '../observe/observer.js';
import type { LabResult } from './result.js';
import { runLab } from './run.js';

export interface RunLabsOptions {
  /** `4` (default), `6` or `mapped`. */
  family?: Family;
  /** `auto` (default): the kernel's trace where this process may trace, /proc elsewhere. */
  observer?: 'auto' | ObserverName;
  /** A private network namespace per lab where the machine allows (default true). */
  netns?: boolean;
  /** Include labs marked long when running every built-in lab. */
  long?: boolean;
  periodMs?: number;
  timeoutMs?: number;
  /** Where the labs' own console output goes (default: this process's stderr). */
  labOutput?: 'inherit' | 'stderr' | 'ignore';
  /** Called as each lab ends, before the next starts. */
  onResult?: (result: LabResult) => void;
}

/**
 * Runs labs by name or file (`'all'`: every built-in lab) one after another and returns their
 * results. Every lab is loaded and checked first: a bad name or file rejects before any runs.
 */
export async function runLabs(labs: string[] | 'all', options: RunLabsOptions = {}): Promise<LabResult[]> {
  const observer = chooseObserver(options.observer ?? 'auto');
  const toRun = await resolveLabs(labs === 'all' ? [] : labs, labs === 'all', options.long ?? false);
  const netns = options.netns ?? true;
  const results: LabResult[] = [];
  for (const lab of toRun) {
    const result = await runLab(lab, {
      family: options.family ?? '4', observer, netns, labOutput: options.labOutput ?? 'stderr',
      ...(options.periodMs !== undefined ? { periodMs: options.periodMs } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

