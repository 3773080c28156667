// The trace observer: the kernel's own transition stream from a private tracefs instance,
// plus /proc samples for what the trace cannot show (TIME_WAIT, request sockets, timers).
// Kernel timestamps (CLOCK_MONOTONIC, µs) are put on the lab's clock.

import type { KernelEvent, Observer } from './observer.js';
import { createProcObserver } from './proc.js';
import type { SocketRow } from './row.js';
import { parseTraceLine } from './trace-parse.js';
import { closeTracefs, openTracefs, TraceInstance } from './tracefs.js';

export interface TraceObserver extends Observer {
  /** Kernel events since the last call, in order, on the lab's clock. */
  drainKernel(): KernelEvent[];
  /** Narrows the kernel's filter to these ports. */
  setPorts(ports: ReadonlySet<number>): void;
  /** Stops tracing and removes the instance. */
  close(): void;
  /** Lines read from trace_pipe so far. */
  readonly lines: number;
  /** Events the kernel dropped (ring buffer full); final after close(). */
  readonly lost: number;
}

/** Current CLOCK_MONOTONIC in ms (the clock of process.hrtime and of trace_clock `mono`). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function createTraceObserver(instanceName: string, monoAtLabStartMs: number, periodMs = 1, bufferKb?: number): TraceObserver {
  const proc = createProcObserver(periodMs);
  const fs = openTracefs(instanceName);
  let instance: TraceInstance;
  try {
    instance = new TraceInstance(fs.root, instanceName, bufferKb);
  } catch (err) {
    closeTracefs(fs);
    throw err;
  }
  let lines = 0;
  return {
    name: 'trace',
    periodMs,
    sample: (ports: ReadonlySet<number>): Promise<SocketRow[]> => proc.sample(ports),
    drainKernel(): KernelEvent[] {
      const out: KernelEvent[] = [];
      for (const line of instance.drain()) {
        lines += 1;
        const e = parseTraceLine(line);
        if (!e) continue;
        const atMs = e.tsUs / 1000 - monoAtLabStartMs;
        if (e.kind === 'transition') out.push({ kind: 'transition', atMs, local: e.local, remote: e.remote, from: e.from, to: e.to });
        else out.push({ kind: e.kind, atMs, local: e.local, remote: e.remote, ...(e.state ? { state: e.state } : {}), ...(e.reason ? { reason: e.reason } : {}) });
      }
      return out;
    },
    setPorts: (ports) => instance.setPorts(ports),
    close() {
      instance.remove();
      closeTracefs(fs);
    },
    get lines() {
      return lines;
    },
    get lost() {
      return instance.overruns;
    },
  };
}
