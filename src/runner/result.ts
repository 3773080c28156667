// The result of one lab as the JSON contract states it (`run --json`); field names are stable.

import type { Family } from '../lab/define.js';
import type { KernelTimer } from '../observe/row.js';
import type { TcpState } from '../states.js';
import type { ExpectationRecord } from '../expect/record.js';
import type { Analysis, TcpOptions } from '../capture/segment.js';

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

/** One captured segment, named by the lab's sockets. */
export interface SegmentJson {
  atMs: number;
  /** The lab's name of the sending and the receiving socket, where the segment is one of theirs. */
  from?: string;
  to?: string;
  src: string;
  dst: string;
  /** `SYN`, `SYN|ACK`, `FIN|ACK`, `RST`, `PSH|ACK`. */
  flags: string;
  seq: number;
  ack: number;
  relSeq: number;
  relAck: number;
  /** The window in bytes, scaled. */
  win: number;
  len: number;
  options: TcpOptions;
  analysis: Analysis[];
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
  /** The capture's own counts, where the lab's segments were captured. */
  capture?: { packets: number; dropped: number | null };
  /** Why they were not (`--no-capture`, the host's loopback, a program missing); the ladder is inferred then. */
  noCapture?: string;
  /** Every captured TCP segment, in capture order. */
  segments?: SegmentJson[];
  sockets: SocketJson[];
  events: EventJson[];
  expectations: ExpectationRecord[];
}
