// The tour's route: the built-in labs in the order of the state machine, loaded from the
// catalog for their explanations and options. A lab missing from this installation becomes a
// stop that is skipped with the reason, never an error.

import { relativeFile } from '../actors/where.js';
import type { Family } from '../lab/define.js';
import { builtinLabs } from '../lab/catalog.js';
import { loadLabFile } from '../lab/load.js';
import type { ObserverName } from '../observe/observer.js';
import type { LabResult } from '../runner/result.js';
import type { LabToRun } from '../lab/resolve.js';
import type { TcpState } from '../states.js';
import type { Words } from './words.js';

/** Handshake first (and why it takes three), then the ways a connection closes, then the abrupt ends. */
export const TOUR_ORDER = [
  'handshake', 'syn-sent', 'syn-recv', 'stale-syn', 'self-connect',
  'half-close', 'close-wait-leak', 'fin-wait-1', 'last-ack', 'closing', 'active-close', 'orphan-fin-wait2',
  'reset', 'refused',
] as const;

/** Waits TIME_WAIT out (60 s): only with `--long`, and only where the lab exists. */
export const LONG_LAB = 'time-wait-2msl';

export type TourStop =
  | { kind: 'lab'; name: string; lab: LabToRun; shows: TcpState[] }
  | { kind: 'missing'; name: string; reason: string };

/** The stops of the tour, each lab loaded (for its explanation and options) or marked missing. */
export async function planTour(long: boolean, words: Words): Promise<TourStop[]> {
  const catalog = builtinLabs();
  const names: string[] = [...TOUR_ORDER];
  if (long && catalog.some((e) => e.name === LONG_LAB)) names.push(LONG_LAB);
  return Promise.all(names.map(async (name): Promise<TourStop> => {
    const entry = catalog.find((e) => e.name === name);
    if (!entry) return { kind: 'missing', name, reason: words.notInstalled(name) };
    try {
      const def = await loadLabFile(entry.file);
      const lab: LabToRun = {
        name: def.name, file: relativeFile(entry.file), explain: def.options.explain,
        ...(def.options.timeoutMs !== undefined ? { timeoutMs: def.options.timeoutMs } : {}),
        ...(def.options.ehashBuckets !== undefined ? { ehashBuckets: def.options.ehashBuckets } : {}),
      };
      return { kind: 'lab', name, lab, shows: def.options.shows ?? [] };
    } catch (err) {
      return { kind: 'missing', name, reason: err instanceof Error ? err.message : String(err) };
    }
  }));
}

/** The result a stop that cannot run stands for, so that `--json` lists every stop. */
export function missingResult(stop: Extract<TourStop, { kind: 'missing' }>, family: Family, observer: ObserverName, network: 'host' | 'netns'): LabResult {
  return {
    name: stop.name, file: '', status: 'skipped', reason: stop.reason, explain: '', family, network, observer,
    periodMs: 0, resolutionMs: 0, samples: 0, durationMs: 0, sockets: [], events: [], expectations: [],
  };
}
