// The ladder is a stage of its own, before the reporters and the tour: it imports neither, and
// the reporters import nothing from the tour (which itself reuses the reporters' pieces).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

/** `file: import` for every relative import of the .ts files under `src/<folder>` that reaches into one of `banned`. */
function importsInto(folder: string, banned: string[]): string[] {
  const dir = path.join(ROOT, 'src', folder);
  const out: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (!name.endsWith('.ts')) continue;
    const text = readFileSync(path.join(dir, name), 'utf8');
    for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = path.relative(path.join(ROOT, 'src'), path.resolve(path.dirname(path.join(dir, name)), m[1]!));
      if (banned.some((b) => target.startsWith(`${b}/`))) out.push(`src/${folder}/${name}: ${m[1]}`);
    }
  }
  return out;
}

describe('stages', () => {
  it('src/ladder imports no later stage', () => {
    expect(importsInto('ladder', ['report', 'tour', 'cli'])).toEqual([]);
  });

  it('src/report imports nothing from src/tour', () => {
    expect(importsInto('report', ['tour', 'cli'])).toEqual([]);
  });
});
