// Shared by the tests: run the built CLI as a child and read what it printed; strict mode.

import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

/** Under TCPLAB_STRICT=1 (CI) a test that would be skipped fails instead. */
export const STRICT = process.env.TCPLAB_STRICT === '1';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let copyForOthers: string | undefined;

/**
 * A checkout another user can read: this one if `nobody` can reach it, else a copy in a fresh
 * temporary folder (removed when the test process exits).
 */
export function readableRoot(user: string): string {
  if (spawnSync('runuser', ['-u', user, '--', 'test', '-r', CLI]).status === 0) return ROOT;
  if (!copyForOthers) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-as-user-'));
    chmodSync(dir, 0o755);
    for (const part of ['package.json', 'dist', 'lab', 'scripts', 'node_modules', 'test/fixtures']) {
      cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
    }
    spawnSync('chmod', ['-R', 'a+rX', dir]);
    copyForOthers = dir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return copyForOthers;
}

export function tcplab(args: string[], options: SpawnOptions & { user?: string } = {}): Promise<CliResult> {
  const root = options.user ? readableRoot(options.user) : ROOT;
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  const [cmd, argv] = options.user
    ? ['runuser', ['-u', options.user, '--', process.execPath, cli, ...args]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function hasProgram(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** Processes whose command line contains `needle`, other than this test's own. */
/** Processes started by a run given `TCPLAB_TEST_MARK=mark` (they inherit its environment), whatever else the machine runs. */
export function processesMarked(mark: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`TCPLAB_TEST_MARK=${mark}\0`)) found.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

export function processesMatching(needle: string): string[] {
  const out = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

/** Rows of `ss -tanH` whose local or remote port is `port`, other than TIME-WAIT. */
export function liveSocketsOnPort(port: number): string[] {
  const out = spawnSync('ss', ['-tanH', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('TIME-WAIT'));
}

/** Polls `check` every 20 ms until it returns true or `ms` pass; says whether it did. */
export async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Marks a block that cannot run here: a failing test in strict mode (CI), a skipped one elsewhere. */
export function cannotRun(title: string, strictMessage: string): void {
  if (STRICT) it(title, () => expect.fail(strictMessage));
  else it.skip(title, () => {});
}

/** Runs `block` (which defines tests as nobody) where this process can switch users; says why not elsewhere. */
export function asNobody(block: () => void): void {
  if (!isRoot()) return cannotRun('needs root to switch to nobody', 'strict mode: run the suite as root so it can also run labs as nobody');
  block();
}
