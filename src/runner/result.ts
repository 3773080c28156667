// The result of one lab as the JSON contract states it (`run --json`); field names are stable.

import type { Family } from '../lab/define.js';
import type { KernelTimer } from '../observe/row.js';
import type { TcpState } from '../states.js';
import type { ExpectationRecord } from '../expect/record.js';

export type LabStatus = 'passed' | 'failed' | 'skipped';

export interface StateJson {
  state: TcpState;
  atMs: number;
  untilMs: number;
  timer?: KernelTimer;
  lastTimer?: KernelTimer;
  /** `trace` when the start is the kernel's own transition time, `sample` when a sample's. */
  source?: 'trace' | 'sample';
}

export interface SocketJson {
  name: string;
  local: string;
  remote: string;
  states: StateJson[];
}

export interface EventJson {
  atMs: number;
  kind: 'step' | 'node' | 'note' | 'kernel';
  actor?: string;
  /** The step (`end`, `write` ...) or Node event (`connect`, `error` ...). */
  what: string;
  detail?: string;
  code?: string;
  bytes?: number;
  where?: string;
}

export interface LabResult {
  name: string;
  file: string;
  status: LabStatus;
  reason?: string;
  /** The failure line, `file:line: expected ...; observed ...`. */
  failure?: string;
  explain: string;
  family: Family;
  /** `netns` (a private network namespace) or `host` (the host's loopback). */
  network: 'host' | 'netns';
  observer: string;
  periodMs: number;
  /** Median time between samples actually achieved. */
  resolutionMs: number;
  samples: number;
  /**
   * CPU and peak memory of the processes the lab ran: the lab's own process (its exited
   * children's CPU under childrenCpuMs) and each program still running at its end.
   */
  resources?: { name: string; pid: number; cpuMs: number; childrenCpuMs: number; peakRssBytes: number }[];
  /** Trace observer only: kernel events read, and events the kernel dropped (buffer full). */
  trace?: { events: number; lost: number };
  durationMs: number;
  sockets: SocketJson[];
  events: EventJson[];
  expectations: ExpectationRecord[];
}
