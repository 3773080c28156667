// The one place a ladder is built: from the lab's captured segments between the two columns
// whenever the result holds any, from the inference (infer.ts) otherwise, saying which and why.

import type { LabResult } from '../runner/result.js';
import { senderOf } from './between.js';
import { capturedEvents } from './captured.js';
import { castOf, type Cast } from './cast.js';
import type { LadderEvent } from './events.js';
import { inferEvents } from './infer.js';

/** Why a ladder's arrows are inferred. */
export type InferredBecause =
  /** The runner's reason: `--no-capture`, the host's loopback, dumpcap missing. */
  | { kind: 'no-capture'; reason: string }
  /** A result from before captures, or written without one and without a reason. */
  | { kind: 'not-recorded' }
  /** The capture has none of the two columns' segments (no socket of them ever sent one). */
  | { kind: 'none-between' };

/** A ladder's events in time order, and where its arrows come from. */
export type Ladder =
  /** `dropped`: packets the capture lost, null where dumpcap died before it could say. */
  | { source: 'captured'; cast: Cast; events: LadderEvent[]; segments: number; dropped: number | null }
  | { source: 'inferred'; cast: Cast; events: LadderEvent[]; because: InferredBecause };

/** The ladder of `r` between the two columns of `cast` (by default the connection castOf picks). */
export function ladderOf(r: LabResult, cast: Cast = castOf(r)): Ladder {
  const inferred = (because: InferredBecause): Ladder => ({ source: 'inferred', cast, events: inferEvents(r, cast), because });
  if (!r.segments) return inferred(r.noCapture !== undefined ? { kind: 'no-capture', reason: r.noCapture } : { kind: 'not-recorded' });
  const sender = senderOf(cast);
  const between = r.segments.flatMap((segment) => {
    const from = sender(segment);
    return from ? [{ from, segment }] : [];
  });
  if (between.length === 0) return inferred({ kind: 'none-between' });
  return { source: 'captured', cast, events: capturedEvents(r, cast, between), segments: between.length, dropped: r.capture ? r.capture.dropped : 0 };
}
