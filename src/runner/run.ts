// Runs labs, each in a process of its own, so that a hung or crashed lab can be stopped and
// nothing it opened outlives it: hard timeout, SIGINT/SIGTERM forwarding, exit-code checks.

import { CLOSED_PIPE_EXIT, onStdoutClosed } from './closed-stdout.js';
import type { WaitUpdate } from '../expect/expectations.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Family } from '../lab/define.js';
import type { LabToRun } from '../lab/resolve.js';
import type { ObserverName } from '../observe/observer.js';
import { DEFAULT_TIMEOUT_MS, type ExecuteOptions } from './execute.js';
import type { LabResult } from './result.js';
import { inNetns, probeNetns } from './netns.js';
import { randomBytes } from 'node:crypto';
import { INSTANCE_PREFIX, removeInstanceFromOutside } from '../observe/tracefs.js';

export interface RunOptions {
  family: Family;
  observer: ObserverName;
  periodMs?: number;
  /** Per-lab timeout unless the lab sets its own. */
  timeoutMs?: number;
  /** Where the lab's own console output goes. */
  labOutput?: 'inherit' | 'stderr' | 'ignore';
  /** Run each lab in a private network namespace where possible (default true). */
  netns?: boolean;
  /** Progress of long waits (what the lab waits for, with a countdown from the kernel's timers). */
  onProgress?: (update: WaitUpdate) => void;
  /** Capture each lab's segments where it runs in its own namespace (default true). */
  capture?: boolean;
  /** Write each lab's capture to `DIR/<lab>.pcap`. */
  pcapDir?: string;
}

/** Where labs will run, and why not in a namespace when they cannot. */
export function networkPlan(wantNetns: boolean): { network: 'netns' | 'host'; reason?: string } {
  if (!wantNetns) return { network: 'host', reason: 'this run uses the host\'s loopback (--no-netns)' };
  const probe = probeNetns();
  return probe.mode ? { network: 'netns' } : { network: 'host', reason: `network namespaces are not available here: ${probe.reason}` };
}

/** Grace given to a child past its own timeout before it is killed. */
const HARD_GRACE_MS = 5_000;

const CHILD = new URL(import.meta.url.endsWith('.ts') ? './child.ts' : './child.js', import.meta.url);

function childArgv(options: ExecuteOptions): string[] {
  const loader = CHILD.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // Node 22 and 23 call their type stripping experimental, once per lab: not the user's concern.
  return [...loader, '--enable-source-maps', '--disable-warning=ExperimentalWarning', fileURLToPath(CHILD), JSON.stringify(options)];
}

const running = new Set<ChildProcess>();

/**
 * While labs run, SIGINT and SIGTERM stop them (stopAll) instead of this process; `signal()`
 * says which one came, `release()` restores the defaults. The exit code follows the signal.
 */
export function trapInterrupts(): { signal(): NodeJS.Signals | undefined; exitCode(): number | undefined; release(): void } {
  let received: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    received = sig;
    stopAll('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The reader of stdout went away (`| head`): the same stop, as SIGPIPE would have it.
  const forget = onStdoutClosed(() => onSignal('SIGPIPE'));
  return {
    signal: () => received,
    exitCode: () => (received === undefined ? undefined : received === 'SIGINT' ? 130 : received === 'SIGPIPE' ? CLOSED_PIPE_EXIT : 143),
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      forget();
    },
  };
}

/** Stops every running lab (SIGTERM to its process group, SIGKILL after a grace period). */
export function stopAll(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of running) {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 2_000).unref();
  }
}

function brokenResult(lab: LabToRun, options: RunOptions, why: string, durationMs: number): LabResult {
  return {
    name: lab.name, file: lab.file, status: 'failed', reason: why, failure: `${lab.file}: ${why}`,
    explain: lab.explain, family: options.family, network: networkPlan(options.netns ?? true).network, observer: options.observer,
    periodMs: options.periodMs ?? 0, resolutionMs: 0, samples: 0, durationMs, sockets: [], events: [], expectations: [],
  };
}

/** Runs one lab in a child process and resolves with its result, whatever happens to the child. */
export function runLab(lab: LabToRun, options: RunOptions): Promise<LabResult> {
  const timeoutMs = lab.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const plan = networkPlan(options.netns ?? true);
  const exec: ExecuteOptions = {
    file: lab.file, family: options.family, observer: options.observer, timeoutMs, network: plan.network,
    ...(plan.reason !== undefined ? { netnsReason: plan.reason } : {}),
    ...(options.periodMs !== undefined ? { periodMs: options.periodMs } : {}),
    capture: options.capture ?? true,
    ...(options.pcapDir !== undefined ? { pcapDir: options.pcapDir } : {}),
  };
  // The trace observer mounts tracefs, if it must, in a mount namespace of the lab's own.
  const tracing = options.observer === 'trace';
  if (tracing) exec.traceInstance = `${INSTANCE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  const mode = probeNetns().mode;
  const [command, args]: [string, string[]] = plan.network === 'netns' && mode
    ? inNetns(mode, [process.execPath, ...childArgv(exec)], lab.ehashBuckets, tracing)
    : tracing
      ? ['unshare', ['--mount', '--', process.execPath, ...childArgv(exec)]]
      : [process.execPath, childArgv(exec)];
  const out = options.labOutput ?? 'inherit';
  const started = Date.now();
  // The lab's temporary files (a redis-server's folder, a tracefs mount point) go in a folder
  // of its own, removed when it ends: also when it was killed before it could clean up.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tcplab-lab-'));
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['pipe', out === 'stderr' ? 'pipe' : out, 'inherit', 'pipe'],
      detached: true,
      env: { ...process.env, TMPDIR: tmp },
    });
    running.add(child);
    if (out === 'stderr') child.stdout!.pipe(process.stderr, { end: false });
    let text = '';
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    let seen = 0;
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: string) => {
      text += d;
      for (let nl = text.indexOf('\n', seen); nl !== -1; nl = text.indexOf('\n', seen)) {
        const line = text.slice(seen, nl);
        seen = nl + 1;
        if (line.startsWith('{"type":"progress"')) {
          const { text: what, doneMs, totalMs } = JSON.parse(line) as WaitUpdate;
          options.onProgress?.({ text: what, doneMs, totalMs });
        }
      }
    });
    child.stdin!.on('error', () => {});
    const hard = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs + HARD_GRACE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(hard);
      running.delete(child);
      // Whatever the lab started and did not stop (it was killed) goes with its process group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is empty: nothing was left
      }
      // A lab that died before removing its tracefs instance leaves it to us.
      if (exec.traceInstance) removeInstanceFromOutside(exec.traceInstance);
      rmSync(tmp, { recursive: true, force: true });
      const line = text.split('\n').find((l) => l.startsWith('{"type":"result"') || l.startsWith('{"type":"error"'));
      const message = line ? (JSON.parse(line) as { type: string; result?: LabResult; message?: string }) : undefined;
      if (message?.type === 'result' && message.result) return resolve(message.result);
      const why = message?.type === 'error'
        ? `the lab could not run: ${message.message}`
        : `the lab's process ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before reporting a result`;
      resolve(brokenResult(lab, options, why, Date.now() - started));
    });
  });
}
