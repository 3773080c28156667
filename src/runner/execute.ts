// Runs one lab in this process: sets the stage, starts the observer, runs the script under its
// timeout, checks deferred expectations, tears everything down and returns the result.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ActorEvent } from '../actors/events.js';
import { Stage } from '../actors/stage.js';
import { callSite } from '../actors/where.js';
import { Expectations, type WaitUpdate } from '../expect/expectations.js';
import { LabFailure, LabSkip, ms } from '../expect/failure.js';
import type { Family, LabContext, LabDefinition } from '../lab/define.js';
import { createObserver } from '../observe/create.js';
import { createTraceObserver, monotonicMs } from '../observe/trace.js';
import { readCounters, readCountersNow } from '../observe/counters.js';
import type { ObserverName } from '../observe/observer.js';
import { formatEndpoint } from '../observe/row.js';
import { Sampler } from '../observe/sampler.js';
import { Timeline, type KernelEventRecord } from '../timeline/timeline.js';
import type { EventJson, LabResult, SegmentJson, SocketJson } from './result.js';
import { locateError } from './locate.js';
import { missingNeed, prepareNamespace } from './prepare.js';
import { processUsage } from '../inventory/usage.js';
import { analyzeSegments } from '../capture/analysis.js';
import { Capture, captureUnavailable, type CaptureCounts } from '../capture/capture.js';
import { flagText, type Segment } from '../capture/segment.js';
import type { CaptureView } from '../expect/packets.js';
import { pairKey } from '../expect/packets.js';

export interface ExecuteOptions {
  file: string;
  family: Family;
  observer: ObserverName;
  periodMs?: number;
  timeoutMs: number;
  network: 'host' | 'netns';
  /** Why no namespace could be made, when `network` is host for that reason. */
  netnsReason?: string;
  /** Aborts the lab from outside (SIGTERM, parent gone). */
  signal?: AbortSignal;
  /** The tracefs instance name, for the trace observer. */
  traceInstance?: string;
  /** Receives the progress of long waits. */
  progress?: (update: WaitUpdate) => void;
  /** Capture the lab's segments (in its own namespace only; default true). */
  capture?: boolean;
  /** Write the capture to `DIR/<lab>.pcap`. */
  pcapDir?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export async function executeLab(def: LabDefinition, options: ExecuteOptions): Promise<LabResult> {
  const missing = missingNeed(def, options.network, options.netnsReason, options.capture !== false);
  if (missing) return skippedResult(def, options, missing);
  if (options.network === 'netns') prepareNamespace(def);
  const countersAtStart = await readCounters();
  // The capture starts before the lab's clock: its first packets are the script's first steps'.
  let t0 = Number.NaN;
  const toLabMs = (tsUs: number) => tsUs / 1000 - (performance.timeOrigin + t0);
  const { capture, noCapture } = await startCapture(options, toLabMs, def.options.noCapture);
  // One read before the clock starts: the first one pays for the thread pool and the JIT.
  const warm = options.observer === 'trace' ? 'proc' : options.observer;
  await createObserver(warm, options.periodMs).sample(new Set([1])).catch(() => undefined);
  // The trace's clock (CLOCK_MONOTONIC) on the lab's: read between two reads of the lab's clock,
  // once warmed up, so that a transition made by a step is never placed before that step.
  monotonicMs();
  t0 = performance.now();
  const mono = monotonicMs();
  const monoAtT0 = mono - (performance.now() - t0) / 2;
  const now = () => performance.now() - t0;
  const timeline = new Timeline();
  const stage = new Stage(options.family, {
    now,
    record: (e) => timeline.record(e),
    bind: (actor, local, remote) => timeline.bind(actor, local, remote),
    dialing: (actor, target) => timeline.dialing(actor, target),
    dialFailed: (actor) => timeline.dialFailed(actor),
  });
  const trace = options.observer === 'trace' ? createTraceObserver(options.traceInstance ?? `tcplab-${process.pid}`, monoAtT0, options.periodMs) : undefined;
  const observer = trace ?? createObserver(options.observer, options.periodMs);
  if (trace) stage.onPorts = (ports) => trace.setPorts(ports);
  const sampler = new Sampler(observer, stage.ports, now, (s) => timeline.ingest(s));
  // What the observer achieved: its median period once it has one; never a `?`.
  const observerText = () => {
    const r = timeline.resolutionMs();
    const every = Number.isFinite(r) ? `every ${ms(r)} ms` : undefined;
    return trace ? (every ? `trace, with proc ${every}` : 'trace') : every ? `${observer.name}, ${every}` : observer.name;
  };
  const expectations = new Expectations({
    timeline,
    now,
    observerText,
    resolutionMs: () => timeline.resolutionMs(),
    exact: trace !== undefined,
    lastStepMs: () => {
      for (let i = timeline.events.length - 1; i >= 0; i -= 1) if (timeline.events[i]!.kind === 'step') return timeline.events[i]!.atMs;
      return 0;
    },
    observerFailure: () => sampler.failure,
    counters: readCounters,
    countersNow: readCountersNow,
    countersAtStart,
    capture: capture ? captureView(capture) : { unavailable: noCapture ?? 'no capture' },
    ...(options.progress ? { progress: options.progress } : {}),
  });

  const context: LabContext = {
    family: options.family,
    host: stage.host,
    listen: (o) => stage.listen(o),
    connect: (target, o) => stage.connect(target, o),
    dial: (target, o) => stage.dial(target, o),
    unusedPort: () => stage.unusedPort(),
    expect: (target) => expectations.for(target),
    expectCounter: (name, o) => expectations.counter(name, o),
    check: (ok, text, observed) => expectations.check(ok, text, observed),
    statesOf: (target) => expectations.statesOf(target),
    segmentsOf: (target) => expectations.segmentsOf(target),
    checkDeferred: async () => {
      await sampler.next();
      await capture?.sync();
      expectations.finish();
    },
    network: options.network,
    drop: (rule, o) => {
      if (options.network !== 'netns') throw new LabSkip('drops packets, which tcplab only does inside its own network namespace');
      return stage.firewall.drop(rule, o);
    },
    stopDropping: () => stage.firewall.clear(),
    exec: (program, args) => stage.commands.run(program, args),
    start: (program, args, o) => stage.commands.start(program, args, o),
    blockedListener: ({ backlog }) => stage.commands.blockedListener(stage.host, backlog),
    note: (text) => timeline.record({ kind: 'note', atMs: now(), text, where: callSite() }),
    skip: (reason) => {
      throw new LabSkip(reason);
    },
  };

  let status: LabResult['status'] = 'passed';
  let reason: string | undefined;
  let failure: string | undefined;
  const fail = (err: unknown) => {
    status = 'failed';
    const f = err instanceof LabFailure ? err : locateError(err, options.file);
    failure = f.message;
    reason = f.detail;
  };

  sampler.start();
  const timeoutMs = def.options.timeoutMs ?? options.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const last = [...timeline.events].reverse().find((e): e is Extract<ActorEvent, { kind: 'step' }> => e.kind === 'step');
      reject(new LabFailure(last?.where ?? options.file, 'timeout', `lab '${def.name}' exceeded its timeout of ${timeoutMs} ms; last step: ${last ? `${last.actor.name} ${last.action}` : 'none'}`));
    }, timeoutMs);
    options.signal?.addEventListener('abort', () => reject(new LabFailure(options.file, 'runtime', `lab '${def.name}' interrupted (${String(options.signal?.reason ?? 'aborted')})`)), { once: true });
  });
  try {
    await Promise.race([def.script(context), timedOut]);
    await sampler.next();
    await capture?.sync();
    expectations.finish();
  } catch (err) {
    if (err instanceof LabSkip) {
      status = 'skipped';
      reason = err.reason;
    } else {
      fail(err);
    }
  } finally {
    clearTimeout(timer);
  }
  await sampler.stop();
  // Read before teardown kills the lab's programs, and before the capture stops.
  const programs = [{ name: 'lab', pid: process.pid }, ...(capture ? [{ name: 'dumpcap', pid: capture.pid }] : []), ...stage.commands.running()];
  const usage = programs.map(({ name, pid }) => ({ name, pid, usage: processUsage(pid) }));
  let counts: CaptureCounts | undefined;
  if (capture) counts = await capture.stop();
  timeline.freeze();
  trace?.close();
  const resources = usage.flatMap(({ name, pid, usage: u }) => {
    return u ? [{ name, pid, cpuMs: u.cpuMs, childrenCpuMs: u.childrenCpuMs, peakRssBytes: u.peakRssBytes }] : [];
  });
  if (sampler.failure && status === 'passed') fail(new LabFailure(options.file, 'observer', `the ${observer.name} observer failed: ${sampler.failure.message}`));
  await stage.teardown();
  const segments = capture ? analyzeSegments(capture.packets) : undefined;
  if (capture && options.pcapDir) writeFileSync(path.join(options.pcapDir, `${fileName(def.name)}.pcap`), capture.pcap());

  return {
    name: def.name,
    file: options.file,
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(failure !== undefined ? { failure } : {}),
    explain: def.options.explain,
    family: options.family,
    network: options.network,
    observer: observer.name,
    periodMs: observer.periodMs,
    resolutionMs: round(timeline.resolutionMs()),
    samples: timeline.sampleTimes.length,
    resources,
    ...(trace ? { trace: { events: trace.lines, lost: trace.lost } } : {}),
    durationMs: round(now()),
    ...(counts ? { capture: counts } : {}),
    ...(noCapture !== undefined ? { noCapture } : {}),
    ...(segments ? { segments: segmentsJson(segments, timeline) } : {}),
    sockets: socketsJson(timeline),
    events: [...timeline.events.map(eventJson), ...timeline.kernelEvents.map(kernelEventJson)].sort((a, b) => a.atMs - b.atMs),
    expectations: expectations.records,
  };
}

function skippedResult(def: LabDefinition, options: ExecuteOptions, reason: string): LabResult {
  return {
    name: def.name, file: options.file, status: 'skipped', reason, explain: def.options.explain, family: options.family,
    network: options.network, observer: options.observer, periodMs: options.periodMs ?? 0, resolutionMs: 0, samples: 0,
    durationMs: 0, sockets: [], events: [], expectations: [],
  };
}

/** The capture, where the lab runs in a namespace of its own and nobody turned it off; else why not. */
async function startCapture(options: ExecuteOptions, toLabMs: (tsUs: number) => number, labReason?: string): Promise<{ capture?: Capture; noCapture?: string }> {
  if (labReason !== undefined) return { noCapture: `the lab captures nothing: ${labReason}` };
  if (options.capture === false) return { noCapture: 'turned off (--no-capture)' };
  if (options.network !== 'netns') return { noCapture: 'the lab runs on the host\'s loopback, and tcplab captures only in a namespace of its own' };
  const missing = captureUnavailable();
  if (missing) return { noCapture: missing };
  try {
    return { capture: await Capture.start(toLabMs) };
  } catch (err) {
    return { noCapture: (err as Error).message };
  }
}

/** What the expectations see of the capture; the analysis is redone only when packets came in. */
function captureView(capture: Capture): CaptureView {
  let cached: { n: number; segments: Segment[] } = { n: -1, segments: [] };
  return {
    segments: () => {
      if (cached.n !== capture.packets.length) cached = { n: capture.packets.length, segments: analyzeSegments(capture.packets) };
      return cached.segments;
    },
    onPacket: (fn) => capture.onPacket(fn),
    sync: () => capture.sync(),
    text: () => `capture, ${capture.packets.length} packets`,
  };
}

/** A lab's name as a file name. */
function fileName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

function segmentsJson(segments: readonly Segment[], timeline: Timeline): SegmentJson[] {
  const names = new Map<string, string>();
  for (const h of timeline.allHistories()) if (h.owner) names.set(pairKey(h.local, h.remote), h.owner.name);
  return segments.map((s) => {
    const from = names.get(pairKey(s.src, s.dst));
    const to = names.get(pairKey(s.dst, s.src));
    return {
      atMs: round(s.atMs), ...(from ? { from } : {}), ...(to ? { to } : {}), src: formatEndpoint(s.src), dst: formatEndpoint(s.dst),
      flags: flagText(s.flags), seq: s.seq, ack: s.ack, relSeq: s.relSeq, relAck: s.relAck, win: s.win, len: s.len, options: s.options, analysis: s.analysis,
    };
  });
}

function round(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0;
}

function socketsJson(timeline: Timeline): SocketJson[] {
  return timeline.allHistories().map((h) => ({
    name: h.owner?.name ?? 'unnamed',
    local: formatEndpoint(h.local),
    remote: formatEndpoint(h.remote),
    states: h.states.map((s) => ({
      state: s.state, atMs: round(s.atMs), untilMs: round(s.untilMs),
      ...(s.timer ? { timer: s.timer } : {}), ...(s.lastTimer ? { lastTimer: s.lastTimer } : {}), ...(s.source ? { source: s.source } : {}),
    })),
  }));
}

function kernelEventJson(e: KernelEventRecord): EventJson {
  const detail = `${formatEndpoint(e.local)} -> ${formatEndpoint(e.remote)}${e.state ? ` in ${e.state}` : ''}${e.reason ? ` (${e.reason})` : ''}`;
  return { atMs: round(e.atMs), kind: 'kernel', ...(e.owner ? { actor: e.owner.name } : {}), what: e.kind, detail };
}

function eventJson(e: ActorEvent): EventJson {
  switch (e.kind) {
    case 'step':
      return { atMs: round(e.atMs), kind: 'step', actor: e.actor.name, what: e.action, ...(e.detail ? { detail: e.detail } : {}), where: e.where };
    case 'node':
      return {
        atMs: round(e.atMs), kind: 'node', actor: e.actor.name, what: e.event,
        ...(e.detail ? { detail: e.detail } : {}), ...(e.code ? { code: e.code } : {}), ...(e.bytes !== undefined ? { bytes: e.bytes } : {}),
      };
    case 'note':
      return { atMs: round(e.atMs), kind: 'note', what: 'note', detail: e.text, where: e.where };
    default: {
      const never: never = e;
      return never;
    }
  }
}
