// The contract every observer of the kernel's socket table fulfils: one call, one sample.

import type { Endpoint, SocketRow } from './row.js';
import type { TcpState } from '../states.js';

export type ObserverName = 'proc' | 'ss' | 'netstat' | 'trace';

export const OBSERVER_NAMES: readonly ObserverName[] = ['proc', 'ss', 'netstat', 'trace'];

/** Reads the socket table once per call. */
export interface Observer {
  readonly name: ObserverName;
  /** Target time between the starts of two samples, in ms. */
  readonly periodMs: number;
  /**
   * One sample of the TCP sockets (IPv4 and IPv6). `ports` narrows it to sockets whose local or
   * remote port is in the set, in the kernel where the tool allows (ss), in-process otherwise;
   * an empty set means every socket.
   */
  sample(ports: ReadonlySet<number>): Promise<SocketRow[]>;
  /** Kernel events (transitions, resets ...) since the last call: the trace observer only. */
  drainKernel?(): KernelEvent[];
}

export type KernelEventKind = 'send_reset' | 'receive_reset' | 'retransmit' | 'retransmit_synack' | 'destroy';

/** A kernel event (trace observer) on the lab's clock: a transition, or a reset, retransmission ... */
export type KernelEvent =
  | { kind: 'transition'; atMs: number; local: Endpoint; remote: Endpoint; from: TcpState; to: TcpState }
  | { kind: KernelEventKind; atMs: number; local: Endpoint; remote: Endpoint; state?: TcpState; reason?: string };
