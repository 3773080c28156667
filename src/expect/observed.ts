// Plain-words summaries of what a socket was observed doing, for failure messages.

import type { StateSpan, Timeline } from '../timeline/timeline.js';
import type { ActorRef } from '../actors/events.js';
import { ms } from './failure.js';

/**
 * The actor's spans from the one current at `fromMs` (the last that began by then) to those
 * that began by `toMs`, in time order.
 */
export function spansBetween(timeline: Timeline, actor: ActorRef, fromMs: number, toMs = Infinity): StateSpan[] {
  return timeline
    .historiesOf(actor)
    .flatMap((h) => h.states.filter((s, i) => s.atMs <= toMs && (s.untilMs >= fromMs || (h.states[i + 1]?.atMs ?? Infinity) > fromMs)))
    .sort((a, b) => a.atMs - b.atMs);
}

export function describeSpans(spans: StateSpan[]): string {
  if (spans.length === 0) return 'no row of this socket in the table';
  return spans
    .map((s) => (s.state === 'CLOSED' ? `gone from the table at ${ms(s.atMs)} ms` : `${s.state} from ${ms(s.atMs)} to ${ms(s.untilMs)} ms`))
    .join(', then ');
}
