// Expectations on sockets, checked against the timeline as samples arrive: reach a state
// within a deadline, stay in it, follow a path, never reach one, a Node error, bytes received.
// Each waits for a condition with a deadline and says what it saw when the deadline passes.

import type { ActorRef } from '../actors/events.js';
import { ActorListener, RequestHandle } from '../actors/listener.js';
import { ActorSocket } from '../actors/socket.js';
import { callSite, type Where } from '../actors/where.js';
import type { CounterExpectations, KernelTimerKind, LabListener, LabRequest, LabSocket, PathStep, Reaching, SocketExpectations, WithinOptions } from '../lab/define.js';
import type { Counters } from '../observe/counters.js';
import type { TcpState } from '../states.js';
import type { Sample, Timeline } from '../timeline/timeline.js';
import { LabFailure, ms } from './failure.js';
import { describeSpans, spansBetween } from './observed.js';
import { matchPath } from './path.js';
import type { ExpectationRecord } from './record.js';

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
  countersAtStart: Counters;
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

  private settle(text: string, where: Where, ok: boolean, observed: string): void {
    this.records.push({ text, where, ok, observed });
    if (!ok) throw new LabFailure(where, 'expectation', `expected ${text}; observed ${observed} (${this.env.observerText()})`);
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

  private reach(actor: ActorRef, state: TcpState, within: number, fromMs: number): Promise<{ ok: boolean; observed: string; atMs: number }> {
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
        if (!s) return undefined;
        if (this.currentState(actor) !== state) {
          return { ok: false, observed: describeSpans(spansBetween(this.env.timeline, actor, fromMs)) };
        }
        if (s.startedMs >= end) return { ok: true, observed: `${state} in every sample from ${ms(fromMs)} to ${ms(s.atMs)} ms` };
        return undefined;
      },
      () => describeSpans(spansBetween(this.env.timeline, actor, fromMs)),
    );
  }

  /** The expectations object a lab script gets for one of its sockets or listeners. */
  for(target: LabSocket | LabListener | LabRequest): SocketExpectations {
    const actor = actorOf(target);
    const who = () => this.env.timeline.describe(actor);
    const self = this;
    return {
      toReach(state: TcpState, options: WithinOptions = {}): Reaching {
        const where = callSite();
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
              if (!v.ok) return self.settle(`${who()} to reach ${state} within ${within} ms and stay ${forMs} ms`, where, false, v.observed);
              const held = await self.stay(actor, state, v.atMs, forMs);
              self.settle(`${who()} to reach ${state} within ${within} ms and stay ${forMs} ms`, where, held.ok, held.observed);
            });
            return result;
          },
        };
      },

      async toStay(state: TcpState, forMs: number): Promise<void> {
        const where = callSite();
        const fromMs = self.env.now();
        const v = await self.stay(actor, state, fromMs, forMs);
        self.settle(`${who()} to stay in ${state} for ${forMs} ms`, where, v.ok, v.observed);
      },

      async toFollowPath(path: PathStep[], options: WithinOptions & { since?: 'now' | 'start' } = {}): Promise<void> {
        const where = callSite();
        // "Now" is the latest step: end() may move the socket on before this line runs.
        const fromMs = options.since === 'start' ? 0 : Math.min(self.env.now(), self.env.lastStepMs());
        const within = options.within ?? DEFAULT_WITHIN;
        // With the kernel's own transitions nothing is too brief to see: every step is required.
        const steps = self.env.exact ? path.map((p) => p.replace(/\?$/, '') as PathStep) : path;
        const text = `${who()} to follow ${steps.join(' -> ')} within ${within} ms`;
        const observedPath = () => spansBetween(self.env.timeline, actor, fromMs).map((s) => s.state);
        const v = await self.untilSample(
          fromMs + within,
          () => {
            const m = matchPath(steps, observedPath());
            if (!m) return undefined;
            const missing = m.skipped.length > 0 ? `; ${m.skipped.join(', ')} not observed (resolution ${ms(self.env.resolutionMs())} ms)` : '';
            return { ok: true, observed: `${m.seen.join(' -> ')}${missing}` };
          },
          () => {
            const seen = observedPath();
            return seen.length > 0 ? seen.join(' -> ') : 'no row of this socket in the table';
          },
        );
        self.settle(text, where, v.ok, v.observed);
      },

      never(state: TcpState): void {
        const where = callSite();
        const fromMs = self.env.now();
        self.deferred.push(() => {
          const hit = spansBetween(self.env.timeline, actor, fromMs).filter((s) => s.state === state);
          self.settle(`${who()} never to reach ${state}`, where, hit.length === 0,
            hit.length === 0 ? `never ${state} (${self.env.timeline.sampleTimes.length} samples)` : describeSpans(hit));
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

  /** The states observed so far for a socket, in order (CLOSED once it left the table). */
  statesOf(target: LabSocket | LabListener | LabRequest): { state: TcpState; atMs: number; untilMs: number }[] {
    return spansBetween(this.env.timeline, actorOf(target), 0).map((s) => ({ state: s.state, atMs: s.atMs, untilMs: s.untilMs }));
  }

  /** A plain assertion made by the script, recorded and failing like the others. */
  check(ok: boolean, text: string, observed: string): void {
    this.settle(text, callSite(), ok, observed);
  }

  /** Expectations on one kernel counter, as a delta since the lab began. */
  counter(name: string): CounterExpectations {
    const self = this;
    const delta = async () => {
      const now = await self.env.counters();
      if (!(name in now)) throw new TypeError(`unknown counter \`${name}\`; names look like Tcp.OutRsts or TcpExt.TCPSynRetrans (see /proc/net/snmp and /proc/net/netstat)`);
      return now[name]! - (self.env.countersAtStart[name] ?? 0);
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
        self.settle(`counter ${name} to rise by at least ${atLeast} within ${within} ms`, where, d >= atLeast, `${d >= 0 ? '+' : ''}${d} since the lab began`);
      },
      async toStayFlat(): Promise<void> {
        const where = callSite();
        const d = await delta();
        self.settle(`counter ${name} not to move`, where, d === 0, `${d >= 0 ? '+' : ''}${d} since the lab began`);
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
