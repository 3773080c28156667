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
  /** When the kernel opened this incarnation of the address pair (trace), else -Infinity. */
  bornMs: number;
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
  /** The current incarnation of each connection (local, remote). */
  readonly sockets = new Map<string, SocketHistory>();
  /** Earlier incarnations of reused address pairs (a port used again after TIME_WAIT or CLOSED). */
  private retired: SocketHistory[] = [];
  private exact = new Map<string, ActorRef>();
  private listeners = new Map<number, Binding[]>();
  private bindings = new Map<ActorRef, Binding>();
  private dialers = new Map<number, { actor: ActorRef; target: Endpoint; key?: string }[]>();
  private byOwner = new Map<ActorRef, SocketHistory[]>();
  /** Histories a sample may find gone: present, or closed tentatively. */
  private live = new Set<SocketHistory>();
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

  private setOwner(h: SocketHistory, owner: ActorRef | undefined): void {
    if (h.owner === owner) return;
    if (h.owner) {
      const list = this.byOwner.get(h.owner);
      if (list) list.splice(list.indexOf(h), 1);
    }
    h.owner = owner;
    if (owner) {
      const list = this.byOwner.get(owner) ?? [];
      list.push(h);
      this.byOwner.set(owner, list);
    }
  }

  /** Whether a history has ended, so that the same address pair may start a new one. */
  private finished(h: SocketHistory): boolean {
    const last = h.states.at(-1);
    return last === undefined || last.state === 'CLOSED' || last.state === 'TIME_WAIT';
  }

  private retire(h: SocketHistory): void {
    this.retired.push(h);
    this.sockets.delete(h.key);
    this.live.delete(h);
  }

  bind(actor: ActorRef, local: Endpoint, remote?: Endpoint): void {
    this.bindings.set(actor, { actor, local, remote });
    if (!remote) {
      const list = this.listeners.get(local.port) ?? [];
      list.push({ actor, local, remote });
      this.listeners.set(local.port, list);
      return;
    }
    const key = rowKey(local, remote);
    const previous = this.exact.get(key);
    this.exact.set(key, actor);
    const pending = this.dialers.get(remote.port);
    const mine = pending?.findIndex((d) => d.actor === actor) ?? -1;
    if (pending && mine !== -1) {
      const [d] = pending.splice(mine, 1);
      // A history an earlier guess gave this dialer, but that is not its own, goes back unowned.
      if (d!.key && d!.key !== key) {
        const guessed = this.sockets.get(d!.key);
        if (guessed?.owner === actor) this.setOwner(guessed, undefined);
      }
    }
    // The pair was another actor's own (not a guess): a new connection reuses it.
    const h = this.sockets.get(key);
    if (h && previous && previous !== actor && h.owner === previous && this.finished(h)) this.retire(h);
    else if (h) this.setOwner(h, actor);
  }

  /** A dialer whose connect failed gives back the row it was guessed to own. */
  dialFailed(actor: ActorRef): void {
    for (const [port, list] of this.dialers) {
      const i = list.findIndex((d) => d.actor === actor);
      if (i === -1) continue;
      const [d] = list.splice(i, 1);
      const guessed = d!.key ? this.sockets.get(d!.key) : undefined;
      if (guessed?.owner === actor) this.setOwner(guessed, undefined);
      if (list.length === 0) this.dialers.delete(port);
    }
  }

  dialing(actor: ActorRef, target: Endpoint): void {
    const list = this.dialers.get(target.port) ?? [];
    list.push({ actor, target });
    this.dialers.set(target.port, list);
  }

  /** The actor a row belongs to; `null` when the row is none of the lab's. */
  private ownerOf(row: Pick<SocketRow, 'local' | 'remote' | 'state'>, key: string): ActorRef | undefined | null {
    const exact = this.exact.get(key);
    if (exact) return exact;
    for (const b of this.listeners.get(row.local.port) ?? []) {
      if (isWildcard(b.local.address) || b.local.address === row.local.address) {
        return row.remote.port === 0 ? b.actor : undefined; // an accepted connection not yet taken
      }
    }
    const pending = this.dialers.get(row.remote.port);
    if (!pending) return null;
    const matching = pending.filter((d) => d.target.address === row.remote.address || isWildcard(d.target.address));
    const known = matching.find((d) => d.key === key);
    if (known) return known.actor;
    const free = matching.find((d) => d.key === undefined);
    if (free) {
      free.key = key;
      return free.actor;
    }
    return undefined;
  }

  private history(local: Endpoint, remote: Endpoint, state: TcpState, opening = false, atMs = -Infinity, readFromMs = Infinity): SocketHistory | undefined {
    const key = rowKey(local, remote);
    let history = this.sockets.get(key);
    // The same address pair, used again by a new connection after the old one ended (and not a
    // sample read before the old one's latest evidence).
    const last = history?.states.at(-1);
    if (history && opening && last && this.finished(history) && readFromMs > last.untilMs) {
      this.retire(history);
      history = undefined;
    }
    if (!history) {
      const owner = this.ownerOf({ local, remote, state }, key);
      if (owner === null) return undefined;
      history = { key, local, remote, owner: undefined, states: [], present: false, marks: [], bornMs: atMs };
      this.setOwner(history, owner);
      this.sockets.set(key, history);
    }
    return history;
  }

  private mark(history: SocketHistory, mark: Mark): void {
    const count = history.marks.length;
    const previous = history.marks.at(-1);
    addMark(history.marks, mark);
    const span = history.states.at(-1);
    // Most samples see a socket in the state it was in: the sighting replaced the previous one
    // (folded) and only extends the last span, which is what a rebuild would do, in O(1).
    if (mark.kind === 'seen' && previous?.kind === 'seen' && history.marks.length === count && history.marks.at(-1) === mark &&
      span && span.state === mark.state && span.state !== 'CLOSED' && !span.tentative) {
      span.untilMs = Math.max(span.untilMs, mark.atMs);
      if (mark.timer) {
        span.lastTimer = mark.timer;
        span.timer ??= mark.timer;
      }
      return;
    }
    history.states = buildSpans(history.marks);
    const last = history.states.at(-1);
    history.present = last !== undefined && last.state !== 'CLOSED';
    if (history.present || last?.tentative) this.live.add(history);
    else this.live.delete(history);
  }

  /** SYN_SENT transitions not yet tied to a local port (the kernel traces them with sport 0). */
  private pendingSynSent: KernelTransition[] = [];
  readonly kernelEvents: KernelEventRecord[] = [];

  private transition(t: KernelTransition): void {
    if (t.to === 'SYN_SENT' && t.local.port === 0) {
      this.pendingSynSent.push(t);
      return;
    }
    const opening = t.from === 'CLOSED' || t.from === 'SYN_SENT' || t.from === 'LISTEN';
    const history = this.history(t.local, t.remote, t.to, opening, opening ? t.atMs : -Infinity, t.atMs);
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
      const opening = row.state === 'SYN_SENT' || row.state === 'SYN_RECV' || row.state === 'ESTABLISHED';
      const history = this.history(row.local, row.remote, row.state, opening, -Infinity, sample.startedMs);
      if (!history) continue;
      seen.add(history.key);
      // Read before this incarnation began: the row was its predecessor's (a reused port).
      if (sample.startedMs < history.bornMs) continue;
      this.mark(history, { kind: 'seen', atMs: sample.atMs, startedMs: sample.startedMs, state: row.state, ...(row.timer ? { timer: row.timer } : {}) });
    }
    for (const history of [...this.live]) {
      if (!seen.has(history.key) && sample.startedMs >= history.bornMs) this.mark(history, { kind: 'absent', atMs: sample.atMs, startedMs: sample.startedMs });
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

  /** The addresses Node gave the actor's socket (known before any sample has seen it), if any. */
  boundTo(actor: ActorRef): { local: Endpoint; remote: Endpoint } | undefined {
    const b = this.bindings.get(actor);
    return b?.remote ? { local: b.local, remote: b.remote } : undefined;
  }

  historiesOf(actor: ActorRef): SocketHistory[] {
    return this.byOwner.get(actor) ?? [];
  }

  /** Every history, earlier incarnations included, in the order they began. */
  allHistories(): SocketHistory[] {
    const first = (h: SocketHistory) => h.states[0]?.atMs ?? Infinity;
    return [...this.retired, ...this.sockets.values()].filter((h) => h.states.length > 0).sort((a, b) => first(a) - first(b));
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
    const b = this.bindings.get(actor);
    const local = h?.local ?? b?.local;
    const remote = h?.remote ?? b?.remote;
    if (!local) return actor.name;
    if (!remote || remote.port === 0) return `${actor.name} ${formatEndpoint(local)}`;
    const arrow = actor.role === 'accepted' ? '<-' : '->';
    return `${actor.name} ${formatEndpoint(local)}${arrow}${formatEndpoint(remote)}`;
  }
}
