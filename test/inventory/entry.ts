// Shared by the count and who tests: run a command's entry function in a child process the way
// main.ts does (exit code, `tcplab: message` and exit 2 on bad input), as this user or another,
// and read `ss` output with its `users:((...))` column.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { parseSs } from '../../src/observe/ss.js';
import { rowKey, type SocketRow } from '../../src/observe/row.js';
import { readableRoot, ROOT, type CliResult } from '../helpers.js';

const ENTRY = `
const [file, name, ...args] = process.argv.slice(1);
import(file).then(async (m) => { process.exitCode = await m[name](args); }).catch((err) => {
  process.stderr.write(err && err.name === 'UsageError' ? 'tcplab: ' + err.message + '\\n' : 'tcplab: internal error: ' + (err && err.stack) + '\\n');
  process.exitCode = err && err.name === 'UsageError' ? 2 : 70;
});`;

/**
 * `tcplab count|who ARGS` through the built entry function (dist/cli/count.js or who.js), as
 * main.ts will route them. Once main.ts routes them, helpers' `tcplab()` runs the same code.
 */
export function runCommand(command: 'count' | 'who', args: string[], options: { user?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawnCommand(command, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The same, left running: stdout and stderr piped. */
export function spawnCommand(command: 'count' | 'who', args: string[], options: { user?: string } = {}): ChildProcessWithoutNullStreams {
  const root = options.user ? readableRoot(options.user) : ROOT;
  const file = path.join(root, 'dist', 'cli', `${command}.js`);
  // The file comes first: Node takes every flag after it as the script's, not its own.
  const argv = ['-e', ENTRY, file, `${command}Command`, ...args];
  const [cmd, cmdArgs] = options.user ? ['runuser', ['-u', options.user, '--', process.execPath, ...argv]] : [process.execPath, argv];
  return spawn(cmd, cmdArgs, { cwd: root });
}

/** A row of `ss -tanpH` with the processes of its `users:((...))` column as `pid:fd`. */
export interface SsUsersRow extends SocketRow {
  users: string[];
}

export function parseSsUsers(text: string): SsUsersRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.map((line) => {
    const [row] = parseSs(line.replace(/\s+users:\(.*\)\s*$/, ''));
    const users = [...line.matchAll(/pid=(\d+),fd=(\d+)/g)].map((m) => `${m[1]}:${m[2]}`).sort();
    return { ...row!, users };
  });
}

/** `STATE local remote pid:fd,...` of each row of ss, sorted: what `who` must agree with. */
export function attribution(rows: SsUsersRow[]): string[] {
  return rows.map((r) => `${r.state} ${rowKey(r.local, r.remote)} ${r.users.join(',') || '-'}`).sort();
}
