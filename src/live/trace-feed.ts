// The kernel's transitions for a live observation: a `tcplab watch --observer trace` child (in a
// private mount namespace when tracefs must be mounted), read as JSON lines. SIGUSR1 asks it for
// everything so far; its `{"flushed":N}` answer says that all of it has arrived.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mountedTracefs } from '../observe/tracefs.js';
import type { Endpoint } from '../observe/row.js';
import type { TcpState } from '../states.js';
import { WATCH_FEED, WATCH_IN_MOUNT_NS, type Selection, type WatchSource } from '../watch/sources.js';
import type { WatchTransition } from '../watch/transitions.js';

const MAIN = new URL(import.meta.url.endsWith('.ts') ? '../cli/main.ts' : '../cli/main.js', import.meta.url);

/** How long the child may take to start watching. */
const START_TIMEOUT_MS = 10_000;

interface FeedLine {
  monoMs?: number;
  local?: Endpoint;
  remote?: Endpoint;
  from?: TcpState;
  to?: TcpState;
  pid?: number;
  comm?: string;
  msInFrom?: number;
  flushed?: number;
}

/** A WatchSource whose transitions come from a child tracing the kernel; `monoAtT0` maps its clock to the observation's. */
export function traceFeed(sel: Selection, periodMs: number, monoAtT0: number): WatchSource {
  let child: ChildProcess | undefined;
  let flushed = 0;
  const waiters = new Map<number, () => void>();
  let asked = 0;
  let exited: Promise<void> = Promise.resolve();
  // One flush at a time, so that every SIGUSR1 gets its own answer.
  let flushes: Promise<void> = Promise.resolve();
  const flushOnce = () => {
    if (!child || child.exitCode !== null) return Promise.resolve();
    const n = ++asked;
    const done = new Promise<void>((resolve) => waiters.set(n, resolve));
    child.kill('SIGUSR1');
    return Promise.race([done, exited]);
  };
  return {
    description: 'the kernel\'s trace (sock:inet_sock_set_state), every transition',
    start(onTransition) {
      const what = sel.kind === 'port' ? ['--port', String(sel.port)] : sel.kind === 'pid' ? ['--pid', String(sel.pid)] : ['--all'];
      const loader = MAIN.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
      const argv = [...loader, fileURLToPath(MAIN), 'watch', ...what, '--json', '--observer', 'trace', '--period', String(periodMs)];
      const env = { ...process.env, [WATCH_FEED]: '1', [WATCH_IN_MOUNT_NS]: '1' };
      const [cmd, args] = mountedTracefs() ? [process.execPath, argv] : ['unshare', ['--mount', '--', process.execPath, ...argv]];
      // Its stdin is a pipe from this process: when this process dies, the child sees the end and stops.
      const proc = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      child = proc;
      exited = new Promise((resolve) => proc.on('close', () => resolve()));
      createInterface({ input: proc.stdout! }).on('line', (text) => {
        const l = JSON.parse(text) as FeedLine;
        if (l.flushed !== undefined) {
          flushed = l.flushed;
          for (const [n, wake] of waiters) if (n <= flushed) (waiters.delete(n), wake());
          return;
        }
        const t: WatchTransition = {
          atMs: l.monoMs! - monoAtT0, local: l.local!, remote: l.remote!, from: l.from!, to: l.to!,
          ...(l.pid !== undefined ? { pid: l.pid } : {}), ...(l.comm !== undefined ? { comm: l.comm } : {}),
          ...(l.msInFrom !== undefined ? { msInFrom: l.msInFrom } : {}),
        };
        onTransition(t);
      });
      let stderr = '';
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => fail(new Error(`the trace did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
        const fail = (err: Error) => {
          clearTimeout(timer);
          proc.kill('SIGKILL');
          reject(err);
        };
        proc.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/^watching /m.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.on('close', (code) => fail(new Error(`the trace stopped before it started (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`)));
      });
    },
    flush() {
      return (flushes = flushes.then(flushOnce));
    },
    async stop() {
      if (child && child.exitCode === null) child.kill('SIGTERM');
      await exited;
      for (const wake of waiters.values()) wake();
      waiters.clear();
    },
  };
}
