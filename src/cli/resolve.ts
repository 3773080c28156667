// Turns the labs named on the command line into lab files, loaded and checked before any runs,
// so that bad input stops everything with one line and nothing half-done.

import path from 'node:path';
import { builtinLabs, findBuiltinLab } from '../lab/catalog.js';
import { LabLoadError, loadLabFile } from '../lab/load.js';
import { relativeFile } from '../actors/where.js';
import type { LabToRun } from '../runner/run.js';
import { UsageError } from './args.js';

function looksLikeFile(arg: string): boolean {
  return arg.includes('/') || /\.(m|c)?(t|j)s$/.test(arg);
}

async function load(file: string): Promise<LabToRun & { long: boolean }> {
  try {
    const def = await loadLabFile(file);
    return {
      name: def.name, file: relativeFile(path.resolve(file)), explain: def.options.explain, long: def.options.long ?? false,
      ...(def.options.timeoutMs !== undefined ? { timeoutMs: def.options.timeoutMs } : {}),
      ...(def.options.ehashBuckets !== undefined ? { ehashBuckets: def.options.ehashBuckets } : {}),
    };
  } catch (err) {
    if (err instanceof LabLoadError) throw new UsageError(err.message);
    throw err;
  }
}

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
      throw new UsageError(`unknown lab \`${arg}\`${near ? ` (did you mean \`${near}\`?)` : ''}; \`tcplab list\` shows the built-in labs, or give the path of a .lab.ts file`);
    }
    out.push(await load(entry.file));
  }
  return out;
}
