// Observing the sockets of a running server (the library's `observe()`): by port or pid, from
// the kernel's trace where this process may trace and from polls of /proc elsewhere, into a
// history of states per socket that tests and programs read or wait on.

import { observerUnavailable } from '../observe/create.js';
import { formatEndpoint, rowKey, type Endpoint, type SocketRow } from '../observe/row.js';
import { monotonicMs } from '../observe/trace.js';
import type { TcpState } from '../states.js';
import { pollSource, readSelected, type Selection, type WatchSource } from '../watch/sources.js';
import type { WatchTransition } from '../watch/transitions.js';
import { traceFeed } from './trace-feed.js';

export interface ObserveOptions {
  /** The server's port: its listener, the connections it accepted, and clients connecting to it. */
  port?: number;
  /** A process: the sockets it holds (its own processes only, unless root). */
  pid?: number;
  /** `auto` (default): the kernel's trace where this process may trace (root), /proc polls elsewhere. */
  observer?: 'auto' | 'trace' | 'proc';
  /** Time between two polls of /proc, or between two reads of the trace (default 5 ms). */
  periodMs?: number;
}

/** `listener`, `server` (accepted by the port), `client` (connected to it), or `socket` (by pid). */
export type SocketSide = 'listener' | 'server' | 'client' | 'socket';

/** A time in a state, in ms since the observation began; `untilMs` is absent while it lasts. */
export interface LiveSpan {
  state: TcpState;
  atMs: number;
  untilMs?: number;
}

export interface LiveSocket {
  side: SocketSide;
  local: Endpoint;
  remote: Endpoint;
  states: LiveSpan[];
  /** There when the observation began: its earlier states (and its peer's) are unknown. */
  seeded?: true;
}

/** `server 127.0.0.1:8080<-127.0.0.1:40000` */
export function socketLabel(s: LiveSocket): string {
  const arrow = s.side === 'client' ? '->' : '<-';
  return s.side === 'listener' ? `listener ${formatEndpoint(s.local)}` : `${s.side} ${formatEndpoint(s.local)}${arrow}${formatEndpoint(s.remote)}`;
}

function selectionOf(options: ObserveOptions): Selection {
  const { port, pid } = options;
  if ((port === undefined) === (pid === undefined)) throw new TypeError('Expected observe() to get exactly one of `port` or `pid`');
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new TypeError(`Expected the \`port\` option to be an integer from 1 to 65535, got \`${String(port)}\``);
  }
  if (pid !== undefined && !(Number.isInteger(pid) && pid >= 1)) throw new TypeError(`Expected the \`pid\` option to be a positive integer, got \`${String(pid)}\``);
  return port !== undefined ? { kind: 'port', port } : { kind: 'pid', pid: pid! };
}

export class Observation {
  private readonly live = new Map<string, LiveSocket>();
  private readonly all: LiveSocket[] = [];
  private readonly listeners = new Set<() => void>();
  private stopped: Promise<void> | undefined;

  private constructor(
    private readonly selection: Selection,
    private readonly source: WatchSource,
    /** `trace` or `proc`. */
    readonly observer: 'trace' | 'proc',
    readonly periodMs: number,
    private readonly t0: number,
  ) {}

  /** Starts observing; resolves once every transition from now on will be seen. */
  static async start(options: ObserveOptions): Promise<Observation> {
    const selection = selectionOf(options);
    const wanted = options.observer ?? 'auto';
    if (!['auto', 'trace', 'proc'].includes(wanted)) throw new TypeError(`Expected the \`observer\` option to be auto, trace or proc, got \`${wanted}\``);
    const traceMissing = wanted === 'proc' ? undefined : observerUnavailable('trace');
    if (wanted === 'trace' && traceMissing) throw new TypeError(traceMissing);
    const periodMs = options.periodMs ?? 5;
    if (!(Number.isFinite(periodMs) && periodMs >= 1)) throw new TypeError(`Expected the \`periodMs\` option to be a number of ms >= 1, got \`${String(options.periodMs)}\``);
    const t0 = performance.now();
    const useTrace = wanted !== 'proc' && !traceMissing;
    const source = useTrace ? traceFeed(selection, periodMs, monotonicMs() - (performance.now() - t0)) : pollSource(selection, periodMs, t0);
    const obs = new Observation(selection, source, useTrace ? 'trace' : 'proc', periodMs, t0);
    await source.start((t) => obs.apply(t));
    // Sockets that were there before: their state as of now (earlier states are unknown).
    for (const row of await readSelected(selection)) obs.seed(row);
    return obs;
  }

  /** What it reads, for messages: `trace` or `proc every 5 ms`. */
  get observerText(): string {
    return this.observer === 'trace' ? 'trace' : `proc every ${this.periodMs} ms`;
  }

  /** `port 8080` or `process 1234`. */
  get target(): string {
    return this.selection.kind === 'port' ? `port ${this.selection.port}` : this.selection.kind === 'pid' ? `process ${this.selection.pid}` : 'every socket';
  }

  /** ms since the observation began. */
  now(): number {
    return performance.now() - this.t0;
  }

  /** Every socket seen so far, with its states (a copy). */
  sockets(): LiveSocket[] {
    return this.all.map((s) => ({ ...s, states: s.states.map((x) => ({ ...x })) }));
  }

  /** The same records, not copied: for checks that run on every change; never to be changed. */
  records(): readonly Readonly<LiveSocket>[] {
    return this.all;
  }

  /** Calls `fn` after every change; returns the function that stops calling it. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves once everything that happened before the call has been recorded. */
  async flush(): Promise<void> {
    await this.source.flush();
    if (this.observer === 'trace') await this.settleTimeWait();
  }

  /** The selected sockets in `state` in the kernel's table now (a fresh read). */
  async countIn(state: TcpState): Promise<number> {
    return (await readSelected(this.selection)).filter((r) => r.state === state).length;
  }

  /** Stops observing (idempotent); what was still in flight is recorded first. */
  stop(): Promise<void> {
    this.stopped ??= this.source.stop().then(() => this.notify());
    return this.stopped;
  }

  private sideOf(local: Endpoint, remote: Endpoint): SocketSide {
    if (this.selection.kind !== 'port') return 'socket';
    if (remote.port === 0) return 'listener';
    return local.port === this.selection.port ? 'server' : 'client';
  }

  private notify(): void {
    for (const fn of [...this.listeners]) fn();
  }

  private enter(local: Endpoint, remote: Endpoint, from: TcpState | undefined, to: TcpState, atMs: number, fromAtMs = atMs): void {
    const key = rowKey(local, remote);
    let s = this.live.get(key);
    if (!s) {
      if (to === 'CLOSED' && from === undefined) return;
      // An accepted socket is born a copy of its listener: its first traced change is LISTEN -> SYN_RECV.
      if (from === 'LISTEN' && remote.port !== 0) from = undefined;
      s = { side: this.sideOf(local, remote), local, remote, states: [] };
      if (from && from !== 'CLOSED') s.states.push({ state: from, atMs: Math.min(fromAtMs, atMs) });
      this.live.set(key, s);
      this.all.push(s);
    }
    const last = s.states.at(-1);
    if (last?.state === to) return;
    if (last) last.untilMs = Math.max(last.atMs, atMs);
    s.states.push(to === 'CLOSED' ? { state: to, atMs, untilMs: atMs } : { state: to, atMs });
    if (to === 'CLOSED') this.live.delete(key);
  }

  private apply(t: WatchTransition): void {
    // A connecting socket before its port is bound: its next transition names it.
    if (t.local.port === 0) return;
    this.enter(t.local, t.remote, t.from, t.to, t.atMs, t.msInFrom === undefined ? t.atMs : t.atMs - t.msInFrom);
    this.notify();
  }

  private seed(row: SocketRow): void {
    if (this.live.has(rowKey(row.local, row.remote))) return;
    this.enter(row.local, row.remote, undefined, row.state, this.now());
    const s = this.live.get(rowKey(row.local, row.remote));
    if (s) s.seeded = true;
    this.notify();
  }

  /** The trace does not report a timewait socket's end: a socket gone from the table has ended. */
  private async settleTimeWait(): Promise<void> {
    const waiting = [...this.live].filter(([, s]) => s.states.at(-1)?.state === 'TIME_WAIT');
    if (waiting.length === 0) return;
    const present = new Set((await readSelected(this.selection)).map((r) => rowKey(r.local, r.remote)));
    const at = this.now();
    for (const [key, s] of waiting) if (!present.has(key)) this.enter(s.local, s.remote, 'TIME_WAIT', 'CLOSED', at);
    this.notify();
  }
}

/** Starts observing the sockets of a port or a process; call `stop()` when done. */
export function observe(options: ObserveOptions): Promise<Observation> {
  return Observation.start(options);
}

/** Observes for the length of `block` and stops, also when it throws; resolves to what `block` returned. */
export async function observing<T>(options: ObserveOptions, block: (obs: Observation) => Promise<T>): Promise<T> {
  const obs = await observe(options);
  try {
    return await block(obs);
  } finally {
    await obs.stop();
  }
}
