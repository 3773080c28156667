// `tcplab tour`: runs the built-in labs in the order of the state machine, each in a process of
// its own, and tells each step as a dialogue, a state table and a ladder; ends with the state
// diagram and the eleven states checked off as observed here (or one JSON document), and with
// `--report`, writes it all as one HTML page too.

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Family } from '../lab/define.js';
import { OBSERVER_NAMES, type ObserverName } from '../observe/observer.js';
import type { LabResult } from '../runner/result.js';
import { networkPlan, runLab, trapInterrupts } from '../runner/run.js';
import type { TcpState } from '../states.js';
import { countObserved, observe, stateFlags, TOUR_STATES } from '../ladder/observed.js';
import { LONG_LAB, missingResult, planTour, type TourStop } from './order.js';
import { formatStep } from './step.js';
import { formatSummary } from './summary.js';
import { tourPage } from './html.js';
import { ProgressBar } from '../report/progress.js';
import { clip, COLUMNS, displayWidth, wrap } from './text.js';
import { wordsFor, type Words } from './words.js';

export interface TourOptions {
  json: boolean;
  lang: 'en' | 'zh';
  /** Also wait TIME_WAIT out (the `time-wait-2msl` lab, where it exists). */
  long: boolean;
  /** The CLI passes true when stdout is a TTY and NO_COLOR is unset. */
  color: boolean;
  observer: ObserverName;
  family: Family;
  /** Run each lab in a private network namespace where possible. */
  netns: boolean;
  /** Capture each lab's segments, for ladders drawn from packets (default true; labs in a namespace only). */
  capture?: boolean;
  /** Also write the whole tour as one HTML page to `file` (its folder checked by the caller). */
  report?: { file: string; version: string };
  out: NodeJS.WritableStream;
}

/** The `--json` document: the labs as `run --json` lists them, and the tour's checklist. */
export interface TourJson {
  labs: LabResult[];
  tour: { states: Record<TcpState, boolean>; observed: number; of: number };
}

/**
 * Labs run two at a time (one on a single core): most of a lab's wall time is its process
 * starting (tsx loading the lab) or a kernel timer running out, so two overlap well on two
 * cores. Each lab has its own namespace, so they cannot see each other; output stays in order.
 */
const CONCURRENCY = Math.min(2, os.availableParallelism());

function describeValue(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

function validate(o: TourOptions): void {
  if (o.lang !== 'en' && o.lang !== 'zh') throw new TypeError(`Expected the \`lang\` option to be 'en' or 'zh', got ${describeValue(o.lang)}`);
  if (!OBSERVER_NAMES.includes(o.observer)) throw new TypeError(`Expected the \`observer\` option to be one of ${OBSERVER_NAMES.join(', ')}, got ${describeValue(o.observer)}`);
  if (o.family !== '4' && o.family !== '6' && o.family !== 'mapped') throw new TypeError(`Expected the \`family\` option to be '4', '6' or 'mapped', got ${describeValue(o.family)}`);
  for (const key of ['json', 'long', 'color', 'netns'] as const) {
    if (typeof o[key] !== 'boolean') throw new TypeError(`Expected the \`${key}\` option to be a boolean, got ${describeValue(o[key])}`);
  }
  if (o.capture !== undefined && typeof o.capture !== 'boolean') throw new TypeError(`Expected the \`capture\` option to be a boolean, got ${describeValue(o.capture)}`);
  if (o.report !== undefined && (typeof o.report?.file !== 'string' || typeof o.report?.version !== 'string')) {
    throw new TypeError(`Expected the \`report\` option to be { file, version } (strings), got ${describeValue(o.report)}`);
  }
  if (typeof o.out?.write !== 'function') throw new TypeError(`Expected the \`out\` option to be a writable stream, got ${describeValue(o.out)}`);
}

/** The labs running, as a progress bar of stops done on a terminal (cli-progress draws it). */
function progressLine(out: NodeJS.WritableStream, enabled: boolean, w: Words, total: number) {
  const bar = enabled ? new ProgressBar(out as NodeJS.WriteStream, 'labs') : undefined;
  return {
    /** The labs running, how many are done, and the latest progress text of one of them (a countdown), if any. */
    show(names: string[], done: number, detail?: { name: string; text: string }) {
      if (!bar || names.length === 0) return;
      const room = Math.min(COLUMNS, bar.textRoom(total));
      let text = w.running(names.join(', '));
      if (detail) {
        // The end of a progress text is its news (`timewait timer 42s`): cut its start when short of room.
        const left = room - displayWidth(text) - displayWidth(` · ${detail.name}: `);
        const tail = displayWidth(detail.text) <= left ? detail.text : `…${[...detail.text].slice(-(left - 1)).join('')}`;
        if (left > 10) text = `${text} · ${detail.name}: ${tail}`;
      }
      bar.update(done, total, clip(text, room));
    },
    clear() {
      bar?.stop();
    },
  };
}

/** Runs the tour; resolves with the exit code (0 unless a lab FAILED; skipped steps never fail the tour). */
export async function runTour(options: TourOptions): Promise<number> {
  validate(options);
  const w = wordsFor(options.lang);
  const { out } = options;
  const started = Date.now();
  const plan = networkPlan(options.netns);
  const stops = await planTour(options.long, w);
  const human = !options.json;
  if (human) {
    const [title, ...intro] = w.intro(stops.length);
    out.write(`${title}\n${intro.flatMap((t) => wrap(t, COLUMNS, '')).join('\n')}\n`);
    if (plan.network === 'host' && options.netns) out.write(`${wrap(w.onHost(plan.reason ?? ''), COLUMNS, '').join('\n')}\n`);
    out.write('\n');
  } else if (plan.network === 'host' && options.netns) {
    process.stderr.write(`tcplab: ${plan.reason}; labs run on the host's loopback\n`);
  }
  const progress = progressLine(out, human && (out as { isTTY?: boolean }).isTTY === true, w, stops.length);
  const results: (LabResult | undefined)[] = stops.map(() => undefined);
  /** Running labs and their latest progress line (`timewait timer 42s` ...). */
  const running = new Map<string, string>();
  const showProgress = () => {
    const detail = [...running].find(([, text]) => text !== '');
    progress.show([...running.keys()], results.filter(Boolean).length, detail ? { name: detail[0], text: detail[1] } : undefined);
  };
  const seenSoFar = new Set<TcpState>();
  let printed = 0;

  const flush = () => {
    progress.clear();
    while (printed < stops.length && results[printed]) {
      const r = results[printed]!;
      const stop = stops[printed]!;
      const seen = observe([r]).seenIn;
      const fresh = TOUR_STATES.filter((s) => seen[s].length > 0 && !seenSoFar.has(s));
      fresh.forEach((s) => seenSoFar.add(s));
      printed++;
      if (human) {
        const shows = stop.kind === 'lab' ? stop.shows : [];
        out.write(`${formatStep(r, { index: printed, total: stops.length, lang: options.lang, color: options.color, shows, fresh }).join('\n')}\n\n`);
      }
    }
    showProgress();
  };
  const runStop = async (stop: TourStop): Promise<LabResult> => {
    if (stop.kind === 'missing') return missingResult(stop, options.family, options.observer, plan.network);
    return runLab(stop.lab, {
      family: options.family, observer: options.observer, netns: options.netns, labOutput: options.json ? 'stderr' : 'ignore',
      capture: options.capture ?? true,
      onProgress: ({ text }) => {
        running.set(stop.name, text.trim());
        showProgress();
      },
    });
  };

  const interrupts = trapInterrupts();
  try {
    // The 60 s wait-out starts first, so that the other labs run beside it; output keeps the tour's order.
    const queue = stops.map((_, i) => i).sort((a, b) => Number(stops[b]!.name === LONG_LAB) - Number(stops[a]!.name === LONG_LAB));
    const worker = async () => {
      while (queue.length > 0 && !interrupts.signal()) {
        const i = queue.shift()!;
        const stop = stops[i]!;
        running.set(stop.name, '');
        showProgress();
        results[i] = await runStop(stop);
        running.delete(stop.name);
        flush();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    interrupts.release();
    progress.clear();
  }

  const done = results.filter((r): r is LabResult => r !== undefined);
  const observed = observe(done);
  const wallMs = Date.now() - started;
  if (options.report) {
    const meta = { lang: options.lang, version: options.report.version, wallMs, generatedAt: new Date().toISOString(), long: options.long };
    writeFileSync(options.report.file, tourPage(done, meta));
  }
  if (options.json) {
    const doc: TourJson = { labs: done, tour: { states: stateFlags(observed), observed: countObserved(observed), of: TOUR_STATES.length } };
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    out.write(`${formatSummary(done, observed, wallMs, { lang: options.lang, color: options.color, long: options.long }).join('\n')}\n`);
  }
  return interrupts.exitCode() ?? (done.some((r) => r.status === 'failed') ? 1 : 0);
}
