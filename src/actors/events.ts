// What actors tell the timeline: the steps a lab took and what Node reported back.

import type { Where } from './where.js';

/** A named actor; the name may change once (an accepted socket named at `accepted()`). */
export interface ActorRef {
  name: string;
  role: 'listener' | 'client' | 'accepted';
}

export type ActorEvent =
  | { kind: 'step'; atMs: number; actor: ActorRef; action: string; detail?: string; where: Where }
  | { kind: 'node'; atMs: number; actor: ActorRef; event: 'listening' | 'connect' | 'connection' | 'data' | 'end' | 'close' | 'error' | 'drain'; bytes?: number; code?: string; detail?: string }
  | { kind: 'note'; atMs: number; text: string; where: Where };

/** How actors reach the rest of the lab without importing it. */
export interface ActorHooks {
  now(): number;
  record(event: ActorEvent): void;
  /** An actor learned its endpoints (local, remote; remote absent for a listener). */
  bind(actor: ActorRef, local: { address: string; port: number }, remote?: { address: string; port: number }): void;
  /** A client started connecting to `target` before it knows its own port. */
  dialing(actor: ActorRef, target: { address: string; port: number }): void;
  /** That client could not even bind a port (EADDRNOTAVAIL ...): it owns no row of the table. */
  dialFailed?(actor: ActorRef): void;
}
