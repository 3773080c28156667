// Entry point of the process that runs one lab: loads the file, runs it, writes the result as
// one JSON line on fd 3, exits. It stops when told (SIGTERM, SIGINT) or when its parent dies.

import { rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WaitUpdate } from '../expect/expectations.js';
import { loadLabFile } from '../lab/load.js';
import { onStdoutClosed, watchStdout } from './closed-stdout.js';
import { executeLab, type ExecuteOptions } from './execute.js';
import type { LabResult } from './result.js';

const RESULT_FD = 3;

// The temporary folder the runner made for this lab goes with it, also when the runner is gone.
const tmp = os.tmpdir();
if (path.basename(tmp).startsWith('tcplab-lab-')) process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as Omit<ExecuteOptions, 'signal'>;
  const abort = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => abort.abort(sig));
  // The parent holds the other end of stdin: when it goes, so does this lab.
  process.stdin.on('end', () => abort.abort('parent gone'));
  process.stdin.on('error', () => abort.abort('parent gone'));
  process.stdin.resume();
  // The lab's own output goes to the user's stdout: if its reader is gone, the lab stops quietly.
  watchStdout();
  onStdoutClosed(() => abort.abort('the reader of stdout went away'));
  const def = await loadLabFile(options.file);
  const progress = (update: WaitUpdate) => {
    try {
      writeSync(RESULT_FD, JSON.stringify({ type: 'progress', ...update }) + '\n');
    } catch {
      // the parent is gone; the lab stops on stdin's end
    }
  };
  const result: LabResult = await executeLab(def, { ...options, signal: abort.signal, progress });
  writeSync(RESULT_FD, JSON.stringify({ type: 'result', result }) + '\n');
  process.stdin.destroy();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    try {
      writeSync(RESULT_FD, JSON.stringify({ type: 'error', message: err instanceof Error ? err.message : String(err) }) + '\n');
    } catch {
      // the parent is gone
    }
    process.exit(3);
  },
);
