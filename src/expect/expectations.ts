// Expectations on sockets, checked against the timeline as samples arrive: reach a state
// within a deadline, stay in it, follow a path, never reach one, a Node error, bytes received.
// Each waits for a condition with a deadline and says what it saw when the deadline passes.

import type { ActorRef } from '../actors/events.js';
import { ActorListener, RequestHandle } from '../actors/listener.js';
import { ActorSocket } from '../actors/socket.js';
import { callSite, type Where } from '../actors/where.js';
import type { CapturedSegment, CounterExpectations, KernelTimerKind, LabListener, LabRequest, LabSocket, PathStep, Reaching, SocketExpectations, WithinOptions } from '../lab/define.js';
import type { Counters } from '../observe/counters.js';
import { TCP_STATES, type TcpState } from '../states.js';
import type { Sample, Timeline } from '../timeline/timeline.js';
import { LabFailure, ms } from './failure.js';
import { describeSpans, spansBetween } from './observed.js';
import { canFollow, matchWithGaps, statesBetween, withGaps, type ObservedStep } from './implied.js';
import { matchPath } from './path.js';
import type { ExpectationRecord } from './record.js';
import { packetExpectations, type CaptureView } from './packets.js';

const DEFAULT_WITHIN = 1000;

export interface ExpectationEnv {
  timeline: Timeline;
  now(): number;
  /** `proc, every 1.0 ms`: the observer and its measured resolution. */
  observerText(): string;
  resolutionMs(): number;
  /** True when the kernel's transitions are traced: no state is too brief to see. */
  exact: boolean;
  /** When the script's latest step (end, write, destroy ...) was taken. */
  lastStepMs(): number;
  /** An error that stopped the observer, if any. */
  observerFailure(): Error | undefined;
  /** The namespace's TCP counters now, and as they were when the lab began. */
  counters(): Promise<Counters>;
  /** The same, read before returning (a baseline). */
  countersNow(): Counters;
  countersAtStart: Counters;
  /** The lab's capture, or why there is none. */
  capture: CaptureView | { unavailable: string };
  /** Tells the user what a long wait (over 3 s) is waiting for, about once a second. */
  progress?(update: WaitUpdate): void;
}

/** A long wait's progress: what it waits for, and how much of its time limit has passed. */
export interface WaitUpdate {
  text: string;
  doneMs: number;
  totalMs: number;
}

/** Waits longer than this report progress. */
const LONG_WAIT_MS = 3000;

type Verdict = { ok: true; observed: string } | { ok: false; observed: string } | undefined;

export class Expectations {
  readonly records: ExpectationRecord[] = [];
  private deferred: (() => void)[] = [];

  constructor(private readonly env: ExpectationEnv) {}

  private settle(text: string, where: Where, ok: boolean | 'undecided', observed: string, source = this.env.observerText()): void {
    if (ok === 'undecided') {
      this.records.push({ text, where, ok: false, observed, undecided: true });
      throw new LabFailure(where, 'undecided', `cannot decide: expected ${text}; observed ${observed} (${this.env.observerText()}): a poll does not see what lasts less than its period; run as root with the trace observer to see every transition`);
    }
    this.records.push({ text, where, ok, observed });
    if (!ok) throw new LabFailure(where, 'expectation', `expected ${text}; observed ${observed} (${source})`);
  }

  /**
   * Where a polling observer's gap must or may have hidden `state` for this actor: between two
   * consecutive observed states of one of its sockets, the later begun in [fromMs, toMs]; or
   * between Node's word that it connected (ESTABLISHED) and its first sighting, or no sighting at all.
   */
  private implied(actor: ActorRef, state: TcpState, fromMs: number, toMs = Infinity): { how: 'certain' | 'possible'; text: string } | undefined {
    if (this.env.exact) return undefined;
    let found: { how: 'certain' | 'possible'; text: string } | undefined;
    const consider = (before: TcpState, after: TcpState | undefined, text: string) => {
      if (found?.how === 'certain') return;
      const b = statesBetween(before, after);
      const how = b.certain.includes(state) ? 'certain' : b.possible.includes(state) ? 'possible' : undefined;
      if (how && (!found || how === 'certain')) found = { how, text: `${text}: ${how === 'certain' ? 'must have passed through' : 'may have passed through'} ${state} unseen` };
    };
    const histories = this.env.timeline.historiesOf(actor);
    for (const h of histories) {
      h.states.forEach((after, i) => {
        const before = h.states[i - 1];
        if (before && after.atMs >= fromMs && after.atMs <= toMs) consider(before.state, after.state, `${before.state} until ${ms(before.untilMs)} ms, ${after.state} from ${ms(after.atMs)} ms`);
      });
    }
    const connected = this.connectedAt(actor);
    const first = histories.flatMap((h) => h.states).sort((a, b) => a.atMs - b.atMs)[0];
    if (connected !== undefined && !first) consider('ESTABLISHED', undefined, `connected at ${ms(connected)} ms (Node), never in the table when sampled`);
    else if (connected !== undefined && first && first.atMs >= fromMs && first.atMs <= toMs && first.state !== 'ESTABLISHED') {
      consider('ESTABLISHED', first.state, `connected at ${ms(connected)} ms (Node), first seen ${first.state} at ${ms(first.atMs)} ms`);
    }
    return found;
  }

  /** When Node said this socket was connected (its `connect` event, or its accept): ESTABLISHED in the kernel by then. */
  private connectedAt(actor: ActorRef): number | undefined {
    return this.env.timeline.events.find((e) => e.kind !== 'note' && e.actor === actor
      && ((e.kind === 'node' && e.event === 'connect') || (e.kind === 'step' && e.action === 'accepted')))?.atMs;
  }

  /** Calls `check` after every sample until it returns a verdict or the deadline passes. */
  private untilSample(
    deadlineMs: number,
    check: (s: Sample | undefined) => Verdict,
    onTimeout: () => string,
    waiting?: () => string,
  ): Promise<{ ok: boolean; observed: string }> {
    const { timeline } = this.env;
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: { ok: boolean; observed: string }) => {
        if (done) return;
        done = true;
        off();
        clearTimeout(guard);
        clearInterval(ticker);
        resolve(v);
      };
      const startMs = this.env.now();
      const ticker = setInterval(() => {
        const now = this.env.now();
        const left = Math.max(0, Math.round((deadlineMs - now) / 1000));
        if (waiting && this.env.progress) this.env.progress({ text: `${waiting()} (gives up in ${left} s)`, doneMs: now - startMs, totalMs: deadlineMs - startMs });
      }, 1000);
      if (deadlineMs - this.env.now() <= LONG_WAIT_MS || !waiting) clearInterval(ticker);
      const off = timeline.onSample((s) => {
        const v = check(s);
        if (v) finish(v);
        else if (s.startedMs > deadlineMs) finish({ ok: false, observed: onTimeout() });
      });
      // If samples stop coming (observer failed), the deadline still holds.
      const guard = setTimeout(() => {
        const failure = this.env.observerFailure();
        finish({ ok: false, observed: onTimeout() + (failure ? `; the observer stopped: ${failure.message}` : '; no sample arrived after the deadline') });
      }, Math.max(0, deadlineMs - this.env.now()) + 1000);
      const first = check(undefined);
      if (first) finish(first);
    });
  }

  /** The socket's state now; undefined while unknown (never seen, or a traced close that may yet be TIME_WAIT). */
  private currentState(actor: ActorRef): TcpState | undefined {
    const histories = this.env.timeline.historiesOf(actor);
    const present = histories.find((h) => h.present);
    if (present) return present.states.at(-1)!.state;
    if (histories.some((h) => h.states.at(-1)?.tentative)) return undefined;
    return histories.length > 0 ? 'CLOSED' : undefined;
  }

  /** `TIME_WAIT, timewait timer 42 s left`: the socket's latest state and kernel timer. */
  private nowText(actor: ActorRef): string {
    const span = this.env.timeline.historiesOf(actor).find((h) => h.present)?.states.at(-1);
    if (!span) return this.currentState(actor) ?? 'not in the table';
    const t = span.lastTimer;
    return t ? `${span.state}, ${t.kind} timer ${Math.round(t.remainingMs / 1000)} s left` : span.state;
  }

  private async reach(actor: ActorRef, state: TcpState, within: number, fromMs: number): Promise<{ ok: boolean | 'undecided'; observed: string; atMs: number }> {
    const v = await this.reachSeen(actor, state, within, fromMs);
    if (v.ok) return v;
    // Not seen in a sample: the state machine may say it was passed between two of them.
    const implied = this.implied(actor, state, fromMs, fromMs + within);
    if (implied) return { ok: implied.how === 'certain' ? true : 'undecided', observed: implied.text, atMs: Number.NaN };
    return v;
  }

  private reachSeen(actor: ActorRef, state: TcpState, within: number, fromMs: number): Promise<{ ok: boolean; observed: string; atMs: number }> {
    let atMs = Number.NaN;
    const deadline = fromMs + within;
    return this.untilSample(
      deadline,
      (s) => {
        if (!s || s.startedMs < fromMs) return undefined;
        if (this.currentState(actor) !== state) return undefined;
        atMs = s.atMs;
        return { ok: true, observed: `${state} at ${ms(s.atMs)} ms` };
      },
      () => describeSpans(spansBetween(this.env.timeline, actor, fromMs)),
      () => `${this.env.timeline.describe(actor).split(' ')[0]} waits for ${state}: now ${this.nowText(actor)}`,
    ).then((v) => ({ ...v, atMs }));
  }

  private stay(actor: ActorRef, state: TcpState, fromMs: number, forMs: number): Promise<{ ok: boolean; observed: string }> {
    const end = fromMs + forMs;
    return this.untilSample(
      end,
      (s) => {
        // A sample begun before the hold began may show the state before it: it says nothing of the hold.
        if (!s || s.startedMs < fromMs) return undefined;
        if (this.currentState(actor) !== state) {
          return { ok: false, observed: describeSpans(spansBetween(this.env.timeline, actor, fromMs)) };
        }
        if (s.startedMs >= end) return { ok: true, observed: `${state} in every sample from ${ms(fromMs)} to ${ms(s.atMs)} ms` };
        return undefined;
      },
      () => describeSpans(spansBetween(this.env.timeline, actor, fromMs)),
    );
  }

  /**
   * The observed states with their gaps, led by ESTABLISHED where Node said the socket connected
   * (its `connect` event, or its accept) before a polling observer first saw it, in a later state.
   */
  private withNodesWord(actor: ActorRef, seen: TcpState[]): ObservedStep[] {
    const steps = withGaps(seen);
    // Connected, but never sampled ESTABLISHED: it was, in the one gap where it may have been.
    if (this.connectedAt(actor) !== undefined && !seen.includes('ESTABLISHED')) {
      const gap = steps.filter((x) => x.state === 'ESTABLISHED' && x.how === 'possible');
      if (gap.length === 1) gap[0]!.how = 'certain';
    }
    const first = this.env.timeline.historiesOf(actor).flatMap((h) => h.states).sort((a, b) => a.atMs - b.atMs)[0];
    if (!first || first.state !== seen[0] || first.state === 'ESTABLISHED' || !canFollow('ESTABLISHED', first.state)) return steps;
    const connected = this.connectedAt(actor);
    if (connected === undefined || connected > first.atMs) return steps;
    const lead = withGaps(['ESTABLISHED', first.state]).slice(0, -1);
    return [{ state: 'ESTABLISHED', how: 'certain' }, ...lead.slice(1), ...steps];
  }

  /** The expectations object a lab script gets for one of its sockets or listeners. */
  for(target: LabSocket | LabListener | LabRequest): SocketExpectations {
    const actor = actorOf(target);
    const who = () => this.env.timeline.describe(actor);
    const self = this;
    const { toSend, neverSends } = this.packetsOf(actor, who);
    return {
      toSend,
      neverSends,
      toReach(state: TcpState, options: WithinOptions = {}): Reaching {
        const where = callSite();
        checkState(state, where);
        const fromMs = self.env.now();
        const within = options.within ?? DEFAULT_WITHIN;
        let result: Promise<void> | undefined;
        const run = (): Promise<void> =>
          (result ??= self.reach(actor, state, within, fromMs).then((v) =>
            self.settle(`${who()} to reach ${state} within ${within} ms`, where, v.ok, v.observed),
          ));
        return {
          then: (ok, fail) => run().then(ok, fail),
          andStay(forMs: number): PromiseLike<void> {
            result = self.reach(actor, state, within, fromMs).then(async (v) => {
              // Reached only between two samples: it did not stay, whatever the observer.
              if (v.ok !== true || Number.isNaN(v.atMs)) return self.settle(`${who()} to reach ${state} within ${within} ms and stay ${forMs} ms`, where, false, v.observed);
              const held = await self.stay(actor, state, v.atMs, forMs);
              self.settle(`${who()} to reach ${state} within ${within} ms and stay ${forMs} ms`, where, held.ok, held.observed);
            });
            return result;
          },
        };
      },

      async toStay(state: TcpState, forMs: number): Promise<void> {
        const where = callSite();
        checkState(state, where);
        const fromMs = self.env.now();
        const v = await self.stay(actor, state, fromMs, forMs);
        self.settle(`${who()} to stay in ${state} for ${forMs} ms`, where, v.ok, v.observed);
      },

      async toFollowPath(path: PathStep[], options: WithinOptions & { since?: 'now' | 'start' } = {}): Promise<void> {
        const where = callSite();
        if (!Array.isArray(path) || path.length === 0) throw new LabFailure(where, 'usage', 'toFollowPath expects a non-empty array of states, e.g. [\'ESTABLISHED\', \'FIN_WAIT1?\', \'FIN_WAIT2\']');
        for (const step of path) checkState(step, where);
        // "Now" is the latest step: end() may move the socket on before this line runs.
        const callMs = self.env.now();
        // The trace's clock is mapped onto the lab's to a few µs: a transition the step made may
        // be stamped just before it, so the state current 0.05 ms before the step counts.
        const fromMs = options.since === 'start' ? 0 : Math.min(callMs, self.env.lastStepMs()) - (self.env.exact ? 0.05 : 0);
        const within = options.within ?? DEFAULT_WITHIN;
        // With the kernel's own transitions nothing is too brief to see: every step is required.
        const steps = self.env.exact ? path.map((p) => p.replace(/\?$/, '') as PathStep) : path;
        const text = `${who()} to follow ${steps.join(' -> ')} within ${within} ms`;
        const observedPath = () => spansBetween(self.env.timeline, actor, fromMs).map((s) => s.state);
        const matched = (certainOnly: boolean): { ok: true | 'undecided'; observed: string } | undefined => {
          const seen = observedPath();
          const plain = matchPath(steps, seen);
          const m = plain ? { ...plain, certain: true, inferred: [] as TcpState[] } : self.env.exact ? undefined : matchWithGaps(steps, self.withNodesWord(actor, seen));
          if (!m || (certainOnly && !m.certain)) return undefined;
          const resolution = Number.isFinite(self.env.resolutionMs()) ? ` (resolution ${ms(self.env.resolutionMs())} ms)` : '';
          const missing = m.skipped.length > 0 ? `; ${m.skipped.join(', ')} not observed${resolution}` : '';
          const inferred = m.inferred.length > 0 ? `; ${m.inferred.join(', ')} ${m.certain ? 'implied' : 'only possible'} (by Node's events or the states around) (${seen.join(' -> ')} observed)` : '';
          return { ok: m.certain ? true : 'undecided', observed: `${m.seen.join(' -> ')}${missing}${inferred}` };
        };
        const v = await self.untilSample(
          callMs + within,
          () => {
            const m = matched(true);
            return m ? { ok: true, observed: m.observed } : undefined;
          },
          () => {
            const seen = observedPath();
            return seen.length > 0 ? seen.join(' -> ') : 'no row of this socket in the table';
          },
        );
        const unsure = v.ok ? undefined : matched(false);
        self.settle(text, where, unsure ? unsure.ok : v.ok, unsure ? unsure.observed : v.observed);
      },

      never(state: TcpState): void {
        const where = callSite();
        checkState(state, where);
        const fromMs = self.env.now();
        self.deferred.push(() => {
          const hit = spansBetween(self.env.timeline, actor, fromMs).filter((s) => s.state === state);
          const text = `${who()} never to reach ${state}`;
          if (hit.length > 0) return self.settle(text, where, false, describeSpans(hit));
          // Not seen; but a polling observer's gap may hide it (certainly, or possibly).
          const implied = self.implied(actor, state, fromMs);
          if (implied) return self.settle(text, where, implied.how === 'certain' ? false : 'undecided', implied.text);
          self.settle(text, where, true, `never ${state} (${self.env.timeline.sampleTimes.length} samples)`);
        });
      },

      absentAtEnd(): void {
        const where = callSite();
        self.deferred.push(() => {
          const last = spansBetween(self.env.timeline, actor, 0).at(-1);
          const ok = !last || last.state === 'CLOSED';
          self.settle(`${who()} to be gone from the socket table when the lab ends`, where, ok,
            !last ? `never in the table (${self.env.timeline.sampleTimes.length} samples)` : ok ? describeSpans(spansBetween(self.env.timeline, actor, 0)) : `still ${last.state}`);
        });
      },

      neverInTable(): void {
        const where = callSite();
        self.deferred.push(() => {
          const spans = spansBetween(self.env.timeline, actor, 0);
          self.settle(`${who()} never to appear in the socket table`, where, spans.length === 0,
            spans.length === 0 ? `no row in ${self.env.timeline.sampleTimes.length} samples` : describeSpans(spans));
        });
      },

      async toError(code: string, options: WithinOptions = {}): Promise<void> {
        const where = callSite();
        const within = options.within ?? DEFAULT_WITHIN;
        const socket = socketOf(target, 'toError');
        const seen = () => socket.errors.includes(code);
        const ok = seen() || (await self.untilEvent(within, seen));
        self.settle(`${who()} to get ${code} within ${within} ms`, where, ok,
          ok ? `${code}` : socket.errors.length > 0 ? `errors ${socket.errors.join(', ')}` : 'no error');
      },

      async toShowTimer(kind: KernelTimerKind, options: WithinOptions & { retries?: number } = {}): Promise<void> {
        const where = callSite();
        if (!['retransmit', 'keepalive', 'timewait', 'persist'].includes(kind)) throw new LabFailure(where, 'usage', `unknown timer \`${String(kind)}\`; the timers are retransmit, keepalive, timewait, persist`);
        const fromMs = self.env.now();
        const within = options.within ?? DEFAULT_WITHIN;
        const retries = options.retries ?? 0;
        const current = () => self.env.timeline.historiesOf(actor).find((h) => h.present)?.states.at(-1);
        const describe = () => {
          const span = current();
          const t = span?.lastTimer;
          return span ? `${span.state} with ${t ? `${t.kind} timer, ${t.retries} retries` : 'no timer'}` : 'no row of this socket in the table';
        };
        const text = `${who()} to show a ${kind} timer${retries > 0 ? ` with at least ${retries} retries` : ''} within ${within} ms`;
        const v = await self.untilSample(
          fromMs + within,
          (s) => {
            if (!s) return undefined;
            const t = current()?.lastTimer;
            return t && t.kind === kind && t.retries >= retries ? { ok: true, observed: describe() } : undefined;
          },
          describe,
        );
        self.settle(text, where, v.ok, v.observed);
      },

      async toReceive(data: Buffer | string, options: WithinOptions & { afterEnd?: boolean } = {}): Promise<void> {
        const where = callSite();
        const within = options.within ?? DEFAULT_WITHIN;
        const socket = socketOf(target, 'toReceive');
        const want = Buffer.from(data);
        const got = () => (options.afterEnd ? socket.receivedAfterEnd : socket.received);
        const done = () => got().length >= want.length;
        if (!done()) await self.untilEvent(within, done);
        const have = got();
        const ok = have.equals(want);
        const after = options.afterEnd ? ' after its own FIN' : '';
        self.settle(`${who()} to receive ${want.length} bytes${after} within ${within} ms`, where, ok,
          ok ? `${have.length} bytes, identical` : have.length !== want.length ? `${have.length} bytes` : `${have.length} bytes differing at offset ${firstDifference(have, want)}`);
      },
    };
  }

  private packetsOf(actor: ActorRef, who: () => string) {
    return packetExpectations({
      timeline: this.env.timeline,
      now: () => this.env.now(),
      lastStepMs: () => this.env.lastStepMs(),
      capture: this.env.capture,
      settle: (text, where, ok, observed, source) => this.settle(text, where, ok, observed, source),
      notChecked: (text, where, why) => {
        this.records.push({ text, where, ok: true, observed: 'not checked', notChecked: why });
      },
      defer: (check) => this.deferred.push(check),
    }, actor, who);
  }

  /** The captured segments of a socket's connection, both ways. */
  segmentsOf(target: LabSocket): Promise<CapturedSegment[]> {
    const actor = actorOf(target);
    return this.packetsOf(actor, () => this.env.timeline.describe(actor)).segmentsOf();
  }

  /** The states observed so far for a socket, in order (CLOSED once it left the table). */
  statesOf(target: LabSocket | LabListener | LabRequest): { state: TcpState; atMs: number; untilMs: number }[] {
    return spansBetween(this.env.timeline, actorOf(target), 0).map((s) => ({ state: s.state, atMs: s.atMs, untilMs: s.untilMs }));
  }

  /** A plain assertion made by the script, recorded and failing like the others. */
  check(ok: boolean, text: string, observed: string): void {
    this.settle(text, callSite(), ok, observed);
  }

  /** Expectations on one kernel counter, as a delta since the lab began. */
  counter(name: string, options: { since?: 'start' | 'now' } = {}): CounterExpectations {
    const self = this;
    const since = options.since ?? 'start';
    if (since !== 'start' && since !== 'now') throw new TypeError(`Expected the \`since\` option to be 'start' or 'now', got \`${String(since)}\``);
    const base = since === 'now' ? self.env.countersNow() : self.env.countersAtStart;
    const sinceText = since === 'now' ? 'since the expectation was made' : 'since the lab began';
    const delta = async () => {
      const now = await self.env.counters();
      if (!(name in now)) throw new TypeError(`unknown counter \`${name}\`; names look like Tcp.OutRsts or TcpExt.TCPSynRetrans (see /proc/net/snmp and /proc/net/netstat)`);
      return now[name]! - (base[name] ?? 0);
    };
    return {
      async toRise(options: WithinOptions & { atLeast?: number } = {}): Promise<void> {
        const where = callSite();
        const within = options.within ?? DEFAULT_WITHIN;
        const atLeast = options.atLeast ?? 1;
        const deadline = self.env.now() + within;
        let d = await delta();
        while (d < atLeast && self.env.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
          d = await delta();
        }
        self.settle(`counter ${name} to rise by at least ${atLeast} within ${within} ms`, where, d >= atLeast, `${d >= 0 ? '+' : ''}${d} ${sinceText}`);
      },
      async toStayFlat(): Promise<void> {
        const where = callSite();
        const d = await delta();
        self.settle(`counter ${name} not to move`, where, d === 0, `${d >= 0 ? '+' : ''}${d} ${sinceText}`);
      },
    };
  }

  private untilEvent(within: number, test: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const off = this.env.timeline.onEvent(() => {
        if (test()) {
          off();
          clearTimeout(timer);
          resolve(true);
        }
      });
      const timer = setTimeout(() => {
        off();
        resolve(test());
      }, within);
    });
  }

  /** Runs the checks deferred to the end of the lab (`never`, `neverInTable`); throws the first failure. */
  finish(): void {
    for (const check of this.deferred.splice(0)) check();
  }
}

/** A state name as the lab wrote it (in JavaScript nothing checks it before): a usage error at that line unless canonical. */
function checkState(state: unknown, where: Where): TcpState {
  const name = typeof state === 'string' ? state.replace(/\?$/, '') : state;
  if (!(TCP_STATES as readonly unknown[]).includes(name)) {
    throw new LabFailure(where, 'usage', `unknown TCP state \`${String(state)}\`; the states are ${TCP_STATES.join(', ')}`);
  }
  return name as TcpState;
}

function actorOf(target: LabSocket | LabListener | LabRequest): ActorRef {
  if (target instanceof ActorSocket || target instanceof ActorListener || target instanceof RequestHandle) return target.ref;
  throw new TypeError('Expected a socket or listener of this lab, got ' + typeof target);
}

function socketOf(target: LabSocket | LabListener | LabRequest, what: string): ActorSocket {
  if (target instanceof ActorSocket) return target;
  throw new TypeError(`${what} applies to a connection, not to a listener`);
}

function firstDifference(a: Buffer, b: Buffer): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}
