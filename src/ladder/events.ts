// What a ladder is made of, whether its arrows were captured or inferred: segments between the
// two sides, notes where no segment explains what happened, and the states the observer saw.

import type { Analysis, TcpOptions } from '../capture/segment.js';
import type { TcpState } from '../states.js';

export type Side = 'client' | 'server';
export type SegmentKind = 'SYN' | 'SYN-ACK' | 'ACK' | 'FIN' | 'RST' | 'data' | 'window' | 'probe';
/** `queued`: the segment waits in the sender's queue (behind unsent bytes) and does not leave. */
export type Fate = 'arrives' | 'lost' | 'queued';

/** What the label says besides the segment's kind. */
export type Detail =
  | { kind: 'none' }
  | { kind: 'bytes'; bytes: number }
  | { kind: 'fills-window' }
  | { kind: 'rest' }
  | { kind: 'window-zero' }
  | { kind: 'window-opens' }
  | { kind: 'retry'; n: number }
  | { kind: 'forged' }
  | { kind: 'no-socket' }
  | { kind: 'auto' }
  /** A captured segment, or a run of them folded into one arrow. */
  | { kind: 'wire'; wire: Wire };

/** What the capture says of a segment, with its numbers as Wireshark shows them. */
export interface Wire {
  /** As captured: `SYN|ACK`, `FIN|ACK`, `PSH|ACK`. */
  flags: string;
  /** Relative to the sender's initial sequence number (and the receiver's, for `ack`); no `ack` without the ACK flag. */
  seq: number;
  ack?: number;
  /** The same, absolute. */
  rawSeq: number;
  rawAck?: number;
  /** Payload bytes (of the whole run, for a folded one). */
  len: number;
  /** The window in bytes, scaled. */
  win: number;
  options: TcpOptions;
  analysis: Analysis[];
  /** The receiver's SYN or FIN this segment is the first to acknowledge (what moves the receiver on). */
  acked?: 'SYN' | 'FIN';
  /** A folded run: how many segments the arrow stands for, and when the last of them was captured. */
  run?: { segments: number; untilMs: number };
}

/** A remark on the ladder where no segment explains what happened. */
export type Note =
  | { kind: 'error'; code: string }
  | { kind: 'fin-timeout' }
  | { kind: 'time-wait-over' }
  | { kind: 'no-connection' };

/** One thing on the ladder's clock; `approx` times are estimates (retransmit timers). */
export type LadderEvent =
  | { kind: 'segment'; atMs: number; approx: boolean; from: Side; segment: SegmentKind; fate: Fate; detail: Detail }
  | { kind: 'note'; atMs: number; approx: boolean; side?: Side; note: Note }
  /** Both ends send the same kind of segment at once; they cross on the way (simultaneous open). */
  | { kind: 'crossing'; atMs: number; approx: false; segment: SegmentKind }
  | { kind: 'observed'; atMs: number; approx: false; side: Side; state: TcpState };

export const otherSide = (s: Side): Side => (s === 'client' ? 'server' : 'client');
