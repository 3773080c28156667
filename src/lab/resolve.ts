// Turns lab names and files (the command line's, or runLabs' arguments) into labs, loaded and
// checked before any runs, so that bad input stops everything with one line and nothing half-done.

import path from 'node:path';
import { builtinLabs, findBuiltinLab } from './catalog.js';
import { LabLoadError, loadLabFile } from './load.js';
import { relativeFile } from '../actors/where.js';

/** A lab, loaded and checked, as the runner needs it. */
export interface LabToRun {
  name: string;
  file: string;
  explain: string;
  timeoutMs?: number;
  ehashBuckets?: number;
}

function looksLikeFile(arg: string): boolean {
  return arg.includes('/') || /\.(m|c)?(t|j)s$/.test(arg);
}

async function load(file: string): Promise<LabToRun & { long: boolean }> {
  const def = await loadLabFile(file);
  return {
    name: def.name, file: relativeFile(path.resolve(file)), explain: def.options.explain, long: def.options.long ?? false,
    ...(def.options.timeoutMs !== undefined ? { timeoutMs: def.options.timeoutMs } : {}),
    ...(def.options.ehashBuckets !== undefined ? { ehashBuckets: def.options.ehashBuckets } : {}),
  };
}

/** The labs to run: `names` (built-in names or files), or every built-in one (`long` ones only when asked). Throws LabLoadError. */
export async function resolveLabs(names: string[], all: boolean, long: boolean): Promise<LabToRun[]> {
  if (all) {
    const labs = await Promise.all(builtinLabs().map((e) => load(e.file)));
    return labs.filter((l) => long || !l.long);
  }
  const out: LabToRun[] = [];
  for (const arg of names) {
    if (looksLikeFile(arg)) {
      out.push(await load(arg));
      continue;
    }
    const entry = findBuiltinLab(arg);
    if (!entry) {
      const known = builtinLabs().map((e) => e.name);
      const near = known.find((k) => k.startsWith(arg.slice(0, 3)));
      throw new LabLoadError(`unknown lab \`${arg}\`${near ? ` (did you mean \`${near}\`?)` : ''}; \`tcplab list\` shows the built-in labs, or give the path of a .lab.ts file`);
    }
    out.push(await load(entry.file));
  }
  return out;
}
