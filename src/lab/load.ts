// Loads a lab file (.lab.ts through tsx, .lab.js natively) and checks that its default export
// is a lab. Every way this can go wrong becomes one line that says what to do.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isLabDefinition, type LabDefinition } from './define.js';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAB_SOURCES = path.join(PACKAGE_ROOT, 'lab');
const LAB_COMPILED = path.join(PACKAGE_ROOT, 'dist', 'lab-js');

/**
 * The built-in labs are compiled with the package (`npm run build`): loading their JavaScript
 * skips tsx's start-up (over a second on a busy 2-core machine); source maps keep the lines.
 */
function compiledTwin(file: string): string | undefined {
  if (!file.startsWith(LAB_SOURCES + path.sep) || !file.endsWith('.ts')) return undefined;
  const twin = path.join(LAB_COMPILED, path.relative(LAB_SOURCES, file)).replace(/\.ts$/, '.js');
  try {
    return statSync(twin).mtimeMs >= statSync(file).mtimeMs ? twin : undefined;
  } catch {
    return undefined;
  }
}

/** A lab file that cannot be used; `message` is the one line the CLI prints. */
export class LabLoadError extends Error {
  override name = 'LabLoadError';
}

function nearestPackageType(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(d) === d) return undefined;
  }
}

/** Whether a TypeScript file is an ES module (tsImport) or CommonJS (tsx's require, which keeps line numbers). */
function isEsm(file: string): boolean {
  if (file.endsWith('.mts') || file.endsWith('.mjs')) return true;
  if (file.endsWith('.cts') || file.endsWith('.cjs')) return false;
  return nearestPackageType(path.dirname(file)) === 'module';
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  // Stack traces of TypeScript labs point at their source lines only with source maps on.
  process.setSourceMapsEnabled(true);
  const twin = compiledTwin(file);
  if (twin) return (await import(pathToFileURL(twin).href)) as Record<string, unknown>;
  if (/\.[mc]?ts$/.test(file)) {
    if (isEsm(file)) {
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    }
    const { require: tsxRequire } = await import('tsx/cjs/api');
    return tsxRequire(file, import.meta.url) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

/** Loads `file` and returns its lab; throws LabLoadError with a one-line reason. */
export async function loadLabFile(file: string): Promise<LabDefinition> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new LabLoadError(`lab file not found: ${file}; give a path to a .lab.ts or .lab.js file, or a lab name from \`tcplab list\``);
  if (!statSync(abs).isFile()) throw new LabLoadError(`not a file: ${file}; give a path to a .lab.ts or .lab.js file`);
  if (!/\.(m|c)?(t|j)s$/.test(abs)) throw new LabLoadError(`not a lab file: ${file}; lab files end in .lab.ts or .lab.js`);
  let mod: Record<string, unknown>;
  try {
    mod = await importFile(abs);
  } catch (err) {
    const where = err instanceof Error && /SyntaxError|TransformError/.test(err.name + err.message) ? 'does not parse' : 'failed to load';
    throw new LabLoadError(`${file} ${where}: ${firstLine(err)}; fix the file and run again`);
  }
  let candidate = mod.default;
  // A CommonJS-compiled module may wrap the ES default export once more.
  if (!isLabDefinition(candidate) && isLabDefinition((candidate as Record<string, unknown> | undefined)?.default)) {
    candidate = (candidate as Record<string, unknown>).default;
  }
  if (!isLabDefinition(candidate)) {
    throw new LabLoadError(`${file} has no lab as its default export; write \`export default lab('name', { explain: '...' }, async (t) => { ... })\` with lab from 'tcplab'`);
  }
  return candidate;
}
