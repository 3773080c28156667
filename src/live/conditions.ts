// What a live observation is asked (a socket in a state, for how long, along which path) and
// how to wait for the answer: checked on every change and as time passes, until a deadline,
// with everything in flight recorded before the last check.

import { matchWithGaps, statesBetween, withGaps, type GapMatch } from '../expect/implied.js';
import { matchPath } from '../expect/path.js';
import type { PathStep } from '../lab/define.js';
import type { TcpState } from '../states.js';
import { formatEndpoint } from '../observe/row.js';
import { socketLabel, type LiveSocket, type LiveSpan, type Observation } from './observation.js';

/** How long the span has lasted by `nowMs` (to its end when it ended). */
export function spanLength(span: LiveSpan, nowMs: number): number {
  return (span.untilMs ?? nowMs) - span.atMs;
}

/** The first socket that was in `state` for at least `forMs`, having entered it by `enteredBy`. */
export function socketInState(sockets: readonly Readonly<LiveSocket>[], state: TcpState, forMs: number, nowMs: number, enteredBy = Infinity): { socket: Readonly<LiveSocket>; span: LiveSpan } | undefined {
  for (const socket of sockets) {
    for (const span of socket.states) {
      if (span.state === state && span.atMs <= enteredBy && spanLength(span, nowMs) >= forMs) return { socket, span };
    }
  }
  return undefined;
}

/** The observation as an assertion found it (once brought up to date): which spans existed, which were open. */
export interface Snapshot {
  spans: Set<LiveSpan>;
  open: Set<LiveSpan>;
}

/** What the observation holds now, to tell later spans from earlier ones. */
export function snapshot(sockets: readonly Readonly<LiveSocket>[]): Snapshot {
  const spans = new Set<LiveSpan>();
  const open = new Set<LiveSpan>();
  for (const s of sockets) for (const span of s.states) (spans.add(span), span.untilMs === undefined && open.add(span));
  return { spans, open };
}

/** A socket in `state` at the snapshot or since, having entered it by `enteredBy`. */
export interface Occupant {
  socket: Readonly<LiveSocket>;
  span: LiveSpan;
}

/** Every socket in `state` when the snapshot was taken, or that entered it since (by `enteredBy`). */
export function occupants(sockets: readonly Readonly<LiveSocket>[], state: TcpState, at: Snapshot, enteredBy: number): Occupant[] {
  const out: Occupant[] = [];
  for (const socket of sockets) {
    for (const span of socket.states) {
      if (span.state !== state) continue;
      if (at.open.has(span) || (!at.spans.has(span) && span.atMs <= enteredBy)) out.push({ socket, span });
    }
  }
  return out;
}

/** A state a polling observer did not see, but which the states it saw around it imply. */
export interface Implied {
  socket: Readonly<LiveSocket>;
  how: 'certain' | 'possible';
  /** The two observed spans around the gap. */
  before: LiveSpan;
  after: LiveSpan;
}

/**
 * A socket that must (or may) have passed through `state` unseen: between two consecutive
 * observed spans, the later one new since `at` (all of them without `at`) and begun by `enteredBy`.
 */
export function impliedVisit(sockets: readonly Readonly<LiveSocket>[], state: TcpState, enteredBy: number, at?: Snapshot): Implied | undefined {
  let possible: Implied | undefined;
  for (const socket of sockets) {
    socket.states.forEach((after, i) => {
      const before = socket.states[i - 1];
      if (!before || after.atMs > enteredBy || at?.spans.has(after)) return;
      const b = statesBetween(before.state, after.state);
      if (b.certain.includes(state)) possible = { socket, how: 'certain', before, after };
      else if (!possible && b.possible.includes(state)) possible = { socket, how: 'possible', before, after };
    });
    if (possible?.how === 'certain') return possible;
  }
  return possible;
}

/** `server ...: ESTABLISHED (seen to 12.3 ms) -> LAST_ACK (from 14.1 ms) passes through CLOSE_WAIT` */
export function describeImplied(v: Implied, state: TcpState): string {
  const verb = v.how === 'certain' ? 'must have passed through' : 'may have passed through';
  return `${socketLabel(v.socket)}: ${v.before.state} -> ${v.after.state} at ${v.after.atMs.toFixed(1)} ms ${verb} ${state} between two samples`;
}

/** An address of this machine's loopback (127/8, ::1, v4-mapped 127/8): its socket is in the same table. */
function onLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/**
 * A socket the observation never saw although its other end was seen on loopback: it lived
 * between two polls, so a polling observer cannot say what states it went through.
 */
export function unseenPeer(sockets: readonly Readonly<LiveSocket>[], seenSince = -Infinity): Readonly<LiveSocket> | undefined {
  const keys = new Set(sockets.map((s) => `${formatEndpoint(s.local)}|${formatEndpoint(s.remote)}`));
  return sockets.find((s) => (s.side === 'server' || s.side === 'client') && !s.seeded && onLoopback(s.remote.address) && (s.states.at(-1)?.atMs ?? -Infinity) >= seenSince
    && !keys.has(`${formatEndpoint(s.remote)}|${formatEndpoint(s.local)}`));
}

/** Sockets in `state` now. */
export function socketsNowIn(sockets: readonly Readonly<LiveSocket>[], state: TcpState): Readonly<LiveSocket>[] {
  return sockets.filter((s) => s.states.at(-1)?.state === state && s.states.at(-1)!.untilMs === undefined);
}

/** The first socket whose states follow `path` (`STATE?` steps may be missing), and how sure that is. */
export function socketOnPath(sockets: readonly Readonly<LiveSocket>[], path: PathStep[], exact: boolean): { socket: Readonly<LiveSocket>; match: GapMatch } | undefined {
  let unsure: { socket: Readonly<LiveSocket>; match: GapMatch } | undefined;
  for (const socket of sockets) {
    const states = socket.states.map((x) => x.state);
    const plain = matchPath(path, states);
    if (plain) return { socket, match: { certain: true, seen: plain.seen, skipped: plain.skipped, inferred: [] } };
    if (exact) continue;
    const m = matchWithGaps(path, withGaps(states));
    if (m?.certain) return { socket, match: m };
    if (m && !unsure) unsure = { socket, match: m };
  }
  return unsure;
}

/** `server 127.0.0.1:8080<-127.0.0.1:40000: ESTABLISHED 0.0-12.3, CLOSE_WAIT 12.3-now` per socket. */
export function describeSockets(sockets: readonly Readonly<LiveSocket>[], nowMs: number, limit = 4): string {
  if (sockets.length === 0) return 'no socket';
  const lines = sockets.slice(0, limit).map((s) => `${socketLabel(s)}: ${s.states.map((x) => x.state === 'CLOSED' ? `CLOSED ${x.atMs.toFixed(1)}` : `${x.state} ${x.atMs.toFixed(1)}-${x.untilMs === undefined ? `now (${nowMs.toFixed(1)})` : x.untilMs.toFixed(1)}`).join(', ')}`);
  return lines.join('; ') + (sockets.length > limit ? `; and ${sockets.length - limit} more` : '');
}

/**
 * Checks `check` now, after every change and every period until it answers or `deadlineMs` (on
 * the observation's clock) passes; then records what was in flight and checks once more.
 */
export async function waitFor<T>(obs: Observation, check: () => T | undefined, deadlineMs: number): Promise<T | undefined> {
  await obs.flush();
  const first = check();
  if (first !== undefined) return first;
  const found = await new Promise<T | undefined>((resolve) => {
    let done = false;
    const finish = (v: T | undefined) => {
      if (done) return;
      done = true;
      off();
      clearInterval(ticker);
      clearTimeout(deadline);
      resolve(v);
    };
    const test = () => {
      const v = check();
      if (v !== undefined) finish(v);
    };
    const off = obs.onChange(test);
    const ticker = setInterval(test, Math.max(1, obs.periodMs));
    const deadline = setTimeout(() => finish(undefined), Math.max(0, deadlineMs - obs.now()));
  });
  if (found !== undefined) return found;
  await obs.flush();
  return check();
}
