// Where a lab step was written: the first stack frame outside tcplab's own code.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// tcplab's own code, compiled or (through source maps) as source.
const OWN = [path.join(ROOT, 'src'), path.join(ROOT, 'dist')];

/** `file:line` relative to the working directory, or `<unknown>`. */
export type Where = string;

function frameLocation(line: string): { file: string; line: number } | undefined {
  const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?\s*$/.exec(line);
  if (!m) return undefined;
  const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
  return { file, line: Number(m[2]) };
}

function isOwn(file: string): boolean {
  return OWN.some((dir) => file.startsWith(dir + path.sep)) || file.includes(`${path.sep}node_modules${path.sep}`);
}

export function relativeFile(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** Location of the caller's caller outside tcplab, from a stack (defaults to the current one). */
export function callSite(stack: string | undefined = new Error().stack): Where {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    if (line.includes('(node:') || /^\s*at node:/.test(line)) continue;
    const loc = frameLocation(line);
    if (loc && !isOwn(loc.file)) return `${relativeFile(loc.file)}:${loc.line}`;
  }
  return '<unknown>';
}
