// One clock for everything a lab produced: the states each of its sockets was observed in
// (first and last sample), the actors' steps and Node's events, and the samples themselves.

import type { ActorEvent, ActorRef } from '../actors/events.js';
import type { KernelEvent } from '../observe/observer.js';
import type { Endpoint, SocketRow } from '../observe/row.js';
import { formatEndpoint, rowKey, sameEndpoint } from '../observe/row.js';
import type { TcpState } from '../states.js';
import { addMark, buildSpans, type Mark, type StateSpan } from './spans.js';

export type { StateSpan } from './spans.js';

type KernelTransition = Extract<KernelEvent, { kind: 'transition' }>;
type KernelNotice = Exclude<KernelEvent, { kind: 'transition' }>;

/** A kernel notice that belongs to one of the lab's sockets. */
export type KernelEventRecord = KernelNotice & { owner: ActorRef | undefined };

/** The observed life of one connection (local, remote) in the socket table. */
export interface SocketHistory {
  key: string;
  local: Endpoint;
  remote: Endpoint;
  owner: ActorRef | undefined;
  states: StateSpan[];
  present: boolean;
  marks: Mark[];
}

/** One read of the table: started at `startedMs`, the table as of `atMs`; kernel events first. */
export interface Sample {
  startedMs: number;
  atMs: number;
  rows: SocketRow[];
  kernel?: KernelEvent[];
}

interface Binding {
  actor: ActorRef;
  local: Endpoint;
  remote: Endpoint | undefined;
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export class Timeline {
  readonly events: ActorEvent[] = [];
  readonly sockets = new Map<string, SocketHistory>();
  private bindings: Binding[] = [];
  private dialers: { actor: ActorRef; target: Endpoint; key?: string }[] = [];
  private sampleListeners = new Set<(s: Sample) => void>();
  private eventListeners = new Set<(e: ActorEvent) => void>();
  readonly sampleTimes: number[] = [];

  private frozen = false;

  /** From now on (the lab's teardown), nothing more is recorded. */
  freeze(): void {
    this.frozen = true;
  }

  record(event: ActorEvent): void {
    if (this.frozen) return;
    this.events.push(event);
    for (const fn of this.eventListeners) fn(event);
  }

  bind(actor: ActorRef, local: Endpoint, remote?: Endpoint): void {
    this.bindings.push({ actor, local, remote });
    if (remote) {
      const key = rowKey(local, remote);
      for (const d of this.dialers) if (d.actor === actor) d.key = key;
      const history = this.sockets.get(key);
      if (history) history.owner = actor;
      // A key that an earlier guess gave this dialer but that is not its own goes back unowned.
      for (const h of this.sockets.values()) if (h.owner === actor && h.key !== key && h.remote.port === remote.port) h.owner = undefined;
    }
  }

  dialing(actor: ActorRef, target: Endpoint): void {
    this.dialers.push({ actor, target });
  }

  /** The actor a row belongs to; `null` when the row is none of the lab's. */
  private ownerOf(row: Pick<SocketRow, 'local' | 'remote' | 'state'>, key: string): ActorRef | undefined | null {
    for (const b of this.bindings) {
      if (b.remote && sameEndpoint(b.local, row.local) && sameEndpoint(b.remote, row.remote)) return b.actor;
    }
    for (const b of this.bindings) {
      if (b.remote || b.actor.role !== 'listener') continue;
      const mine = b.local.port === row.local.port && (isWildcard(b.local.address) || b.local.address === row.local.address);
      if (!mine) continue;
      return row.remote.port === 0 ? b.actor : undefined; // an accepted connection not yet taken
    }
    for (const d of this.dialers) {
      if (d.target.port !== row.remote.port || (d.target.address !== row.remote.address && !isWildcard(d.target.address))) continue;
      if (d.key === undefined) {
        d.key = key;
        return d.actor;
      }
      if (d.key === key) return d.actor;
    }
    for (const d of this.dialers) if (d.target.port === row.remote.port) return undefined;
    return null;
  }

  private history(local: Endpoint, remote: Endpoint, state: TcpState): SocketHistory | undefined {
    const key = rowKey(local, remote);
    let history = this.sockets.get(key);
    if (!history) {
      const owner = this.ownerOf({ local, remote, state }, key);
      if (owner === null) return undefined;
      history = { key, local, remote, owner, states: [], present: false, marks: [] };
      this.sockets.set(key, history);
    }
    return history;
  }

  private mark(history: SocketHistory, mark: Mark): void {
    addMark(history.marks, mark);
    history.states = buildSpans(history.marks);
    const last = history.states.at(-1);
    history.present = last !== undefined && last.state !== 'CLOSED';
  }

  /** SYN_SENT transitions not yet tied to a local port (the kernel traces them with sport 0). */
  private pendingSynSent: KernelTransition[] = [];
  readonly kernelEvents: KernelEventRecord[] = [];

  private transition(t: KernelTransition): void {
    if (t.to === 'SYN_SENT' && t.local.port === 0) {
      this.pendingSynSent.push(t);
      return;
    }
    const history = this.history(t.local, t.remote, t.to);
    if (!history) return;
    if (history.marks.length === 0 && (t.from === 'SYN_SENT' || t.to === 'SYN_SENT' || t.from === 'CLOSED')) {
      const i = this.pendingSynSent.findIndex((p) => p.remote.port === t.remote.port && p.remote.address === t.remote.address);
      if (i !== -1) {
        const [syn] = this.pendingSynSent.splice(i, 1);
        if (t.from === 'SYN_SENT') this.mark(history, { kind: 'transition', atMs: syn!.atMs, from: 'CLOSED', to: 'SYN_SENT' });
      }
    }
    this.mark(history, { kind: 'transition', atMs: t.atMs, from: t.from, to: t.to });
  }

  ingest(sample: Sample): void {
    this.sampleTimes.push(sample.atMs);
    for (const e of sample.kernel ?? []) {
      if (e.kind === 'transition') {
        this.transition(e);
        continue;
      }
      const key = rowKey(e.local, e.remote);
      const owner = this.sockets.get(key)?.owner ?? this.ownerOf({ local: e.local, remote: e.remote, state: e.state ?? 'CLOSED' }, key);
      if (owner !== null) this.kernelEvents.push({ ...e, owner });
    }
    const seen = new Set<string>();
    for (const row of sample.rows) {
      const history = this.history(row.local, row.remote, row.state);
      if (!history) continue;
      seen.add(history.key);
      this.mark(history, { kind: 'seen', atMs: sample.atMs, startedMs: sample.startedMs, state: row.state, ...(row.timer ? { timer: row.timer } : {}) });
    }
    for (const history of this.sockets.values()) {
      if (seen.has(history.key)) continue;
      const last = history.states.at(-1);
      if (history.present || last?.tentative) this.mark(history, { kind: 'absent', atMs: sample.atMs, startedMs: sample.startedMs });
    }
    for (const fn of this.sampleListeners) fn(sample);
  }

  onSample(fn: (s: Sample) => void): () => void {
    this.sampleListeners.add(fn);
    return () => this.sampleListeners.delete(fn);
  }

  onEvent(fn: (e: ActorEvent) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  historiesOf(actor: ActorRef): SocketHistory[] {
    return [...this.sockets.values()].filter((h) => h.owner === actor);
  }

  /** Median time between two samples, in ms: the observer's real resolution. */
  resolutionMs(): number {
    const t = this.sampleTimes;
    if (t.length < 2) return Number.NaN;
    const gaps = t.slice(1).map((v, i) => v - t[i]!).sort((a, b) => a - b);
    return gaps[Math.floor(gaps.length / 2)]!;
  }

  /** How a socket is named in messages: `name local->remote`, or `name local<-remote` when accepted. */
  describe(actor: ActorRef): string {
    const h = this.historiesOf(actor).at(-1);
    const b = [...this.bindings].reverse().find((x) => x.actor === actor);
    const local = h?.local ?? b?.local;
    const remote = h?.remote ?? b?.remote;
    if (!local) return actor.name;
    if (!remote || remote.port === 0) return `${actor.name} ${formatEndpoint(local)}`;
    const arrow = actor.role === 'accepted' ? '<-' : '->';
    return `${actor.name} ${formatEndpoint(local)}${arrow}${formatEndpoint(remote)}`;
  }
}
