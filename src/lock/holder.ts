// Starts a lock holder in a child process of the lab (see holder-main.ts) and follows it: the
// lines it printed, whether the kernel has it stopped, and signals recorded on the timeline.

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { LabContext, StartedProcess } from '../lab/define.js';

/** What the holder does; each scenario stops or waits at the point a lab needs. */
export type HolderScenario =
  /** The seed's recipe: SETNX, then (only on SIGUSR2) EXPIRE: a kill in between leaves no TTL. */
  | 'setnx-then-expire'
  /** SET NX PX in one command, then waits to be killed. */
  | 'set-nx-px'
  /** Acquires, updates the resource, stops itself before releasing (plain DEL or owner-checked). */
  | 'pause-before-release'
  /** Acquires, reads the resource, stops itself, then writes (with its fence when `fenced`) and releases. */
  | 'pause-in-critical-section';

export interface HolderOptions {
  scenario: HolderScenario;
  host: string;
  port: number;
  key: string;
  ttlMs: number;
  /** The value SETNX / SET stores (default `holder`). */
  value?: string;
  /** The shared resource's key (default `resource`). */
  resource?: string;
  release?: 'plain-del' | 'owner-checked';
  fenced?: boolean;
}

/** A running holder. */
export interface Holder {
  readonly pid: number;
  /** Everything it printed so far. */
  readonly output: string;
  /** Resolves with the first line matching `pattern`, waiting up to `ms` (default 5000). */
  line(pattern: RegExp, ms?: number): Promise<string>;
  /** Resolves once the kernel shows it stopped (state T), up to `ms`. */
  stopped(ms?: number): Promise<void>;
  /** Sends a signal (recorded on the timeline). */
  signal(signal: NodeJS.Signals): void;
  exited(): ReturnType<StartedProcess['exited']>;
}

const MAIN = new URL(import.meta.url.endsWith('.ts') ? './holder-main.ts' : './holder-main.js', import.meta.url);

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Starts a holder for `options.scenario`; resolves once it printed its first step. */
export async function startHolder(t: Pick<LabContext, 'start'>, options: HolderOptions, name = 'holder'): Promise<Holder> {
  const loader = MAIN.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const proc = await t.start(process.execPath, [...loader, fileURLToPath(MAIN), JSON.stringify(options)], {
    ready: /^(SETNX|SET|acquired|error)/m,
    name,
    timeoutMs: 10_000,
  });
  if (/^error/m.test(proc.output)) throw new Error(`${name} failed: ${proc.output.trim()}`);
  return {
    get pid() {
      return proc.pid;
    },
    get output() {
      return proc.output;
    },
    async line(pattern, ms = 5000) {
      const until = Date.now() + ms;
      for (;;) {
        const found = proc.output.split('\n').find((l) => pattern.test(l));
        if (found !== undefined) return found;
        if (Date.now() > until) throw new Error(`${name} printed no line matching ${pattern} within ${ms} ms; it printed: ${proc.output.trim().split('\n').join(' | ')}`);
        await sleep(2);
      }
    },
    async stopped(ms = 5000) {
      const until = Date.now() + ms;
      while (processState(proc.pid) !== 'T') {
        if (Date.now() > until) throw new Error(`${name} (pid ${proc.pid}) was not stopped within ${ms} ms (state ${processState(proc.pid) ?? 'gone'})`);
        await sleep(1);
      }
    },
    signal: (signal) => proc.signal(signal),
    exited: () => proc.exited(),
  };
}
