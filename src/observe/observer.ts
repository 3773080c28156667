// The contract every observer of the kernel's socket table fulfils: one call, one sample.

import type { SocketRow } from './row.js';

export type ObserverName = 'proc' | 'ss' | 'netstat';

export const OBSERVER_NAMES: readonly ObserverName[] = ['proc', 'ss', 'netstat'];

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
}
