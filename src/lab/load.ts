// Loads a lab file (.lab.ts through tsx, .lab.js natively) and checks that its default export
// is a lab. Every way this can go wrong becomes one line that says what to do.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isLabDefinition, type LabDefinition } from './define.js';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAB_SOURCES = path.join(PACKAGE_ROOT, 'lab');
const LAB_COMPILED = path.join(PACKAGE_ROOT, 'dist', 'lab-js');
const INSTALLED = PACKAGE_ROOT.split(path.sep).includes('node_modules');

/**
 * The built-in labs are compiled with the package (`npm run build`): loading their JavaScript
 * skips tsx's start-up (over a second on a busy 2-core machine); source maps keep the lines.
 */
function compiledTwin(file: string): string | undefined {
  if (!file.startsWith(LAB_SOURCES + path.sep) || !file.endsWith('.ts')) return undefined;
  const twin = path.join(LAB_COMPILED, path.relative(LAB_SOURCES, file)).replace(/\.ts$/, '.js');
  try {
    // Installed, the package never changes (npm's unpacking gives its files arbitrary times);
    // in a checkout, a source edited since the last build is loaded itself.
    if (INSTALLED) return statSync(twin).isFile() ? twin : undefined;
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

/** Node strips TypeScript's types itself (22.18 and later, 24, 26): no loader to install. */
const NATIVE_TYPESCRIPT = Boolean((process.features as { typescript?: string | false }).typescript);

/** tsx, for Node without type stripping (20) and for syntax Node cannot strip (enums ...); an optional peer. */
async function importWithTsx(file: string): Promise<Record<string, unknown>> {
  let api: { esm: typeof import('tsx/esm/api'); cjs: typeof import('tsx/cjs/api') };
  try {
    api = { esm: await import('tsx/esm/api'), cjs: await import('tsx/cjs/api') };
  } catch {
    throw new LabLoadError(NATIVE_TYPESCRIPT
      ? `${path.basename(file)} uses TypeScript that Node cannot strip (an enum, a namespace, parameter properties); write it without, or \`npm install --save-dev tsx\``
      : `Node ${process.versions.node} cannot run TypeScript labs by itself; \`npm install --save-dev tsx\`, or use Node 22.18 or later`);
  }
  if (isEsm(file)) return (await api.esm.tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  return api.cjs.require(file, import.meta.url) as Record<string, unknown>;
}

async function tsxInstalled(): Promise<boolean> {
  return import('tsx/esm/api').then(() => true, () => false);
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  // Stack traces of TypeScript labs point at their source lines only with source maps on.
  process.setSourceMapsEnabled(true);
  const twin = compiledTwin(file);
  if (twin) return (await import(pathToFileURL(twin).href)) as Record<string, unknown>;
  if (/\.[mc]?ts$/.test(file)) {
    if (!NATIVE_TYPESCRIPT) return importWithTsx(file);
    try {
      // Types are replaced by blanks: the lab's line numbers stay as written.
      return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') return importWithTsx(file);
      // A type imported without `import type` is still imported once stripped: tsx, where installed, drops it.
      if (err instanceof SyntaxError && /does not provide an export named/.test(err.message) && (await tsxInstalled())) return importWithTsx(file);
      throw err;
    }
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
    if (err instanceof LabLoadError) throw err;
    const invalid = (err as NodeJS.ErrnoException).code === 'ERR_INVALID_TYPESCRIPT_SYNTAX';
    const where = invalid || (err instanceof Error && /SyntaxError|TransformError/.test(err.name + err.message)) ? 'does not parse' : 'failed to load';
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
