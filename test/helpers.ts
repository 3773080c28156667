// Shared by the tests: run the built CLI as a child and read what it printed; strict mode.

import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

export function tcplab(args: string[], options: SpawnOptions & { user?: string } = {}): Promise<CliResult> {
  const [cmd, argv] = options.user
    ? ['runuser', ['-u', options.user, '--', process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: ROOT, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
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
export function processesMatching(needle: string): string[] {
  const out = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

/** Rows of `ss -tanH` whose local or remote port is `port`, other than TIME-WAIT. */
export function liveSocketsOnPort(port: number): string[] {
  const out = spawnSync('ss', ['-tanH', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('TIME-WAIT'));
}
