// One clock for everything a lab produced: the states each of its sockets was observed in
// (first and last sample), the actors' steps and Node's events, and the samples themselves.

import type { ActorEvent, ActorRef } from '../actors/events.js';
import type { Endpoint, KernelTimer, SocketRow } from '../observe/row.js';
import { formatEndpoint, rowKey, sameEndpoint } from '../observe/row.js';
import type { TcpState } from '../states.js';

/** A state as observed: from its first to its last sample. */
export interface StateSpan {
  state: TcpState;
  atMs: number;
  untilMs: number;
  /** The kernel timer in the first sample of the span, if any. */
  timer?: KernelTimer;
  /** Same for the last sample. */
  lastTimer?: KernelTimer;
}

/** The observed life of one connection (local, remote) in the socket table. */
export interface SocketHistory {
  key: string;
  local: Endpoint;
  remote: Endpoint;
  owner: ActorRef | undefined;
  states: StateSpan[];
  present: boolean;
}

/** One read of the table: started at `startedMs`, the table as of `atMs`. */
export interface Sample {
  startedMs: number;
  atMs: number;
  rows: SocketRow[];
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
  private ownerOf(row: SocketRow, key: string): ActorRef | undefined | null {
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

  ingest(sample: Sample): void {
    this.sampleTimes.push(sample.atMs);
    const seen = new Set<string>();
    for (const row of sample.rows) {
      const key = rowKey(row.local, row.remote);
      let history = this.sockets.get(key);
      if (!history) {
        const owner = this.ownerOf(row, key);
        if (owner === null) continue;
        history = { key, local: row.local, remote: row.remote, owner, states: [], present: false };
        this.sockets.set(key, history);
      }
      seen.add(key);
      const last = history.states.at(-1);
      if (history.present && last && last.state === row.state) {
        last.untilMs = sample.atMs;
        if (row.timer) last.lastTimer = row.timer;
      } else {
        history.states.push({ state: row.state, atMs: sample.atMs, untilMs: sample.atMs, ...(row.timer ? { timer: row.timer, lastTimer: row.timer } : {}) });
      }
      history.present = true;
    }
    for (const history of this.sockets.values()) {
      if (history.present && !seen.has(history.key)) {
        history.present = false;
        history.states.push({ state: 'CLOSED', atMs: sample.atMs, untilMs: sample.atMs });
      }
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
