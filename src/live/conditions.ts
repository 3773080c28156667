// What a live observation is asked (a socket in a state, for how long, along which path) and
// how to wait for the answer: checked on every change and as time passes, until a deadline,
// with everything in flight recorded before the last check.

import { matchPath } from '../expect/path.js';
import type { PathStep } from '../lab/define.js';
import type { TcpState } from '../states.js';
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

/** Sockets in `state` now. */
export function socketsNowIn(sockets: readonly Readonly<LiveSocket>[], state: TcpState): Readonly<LiveSocket>[] {
  return sockets.filter((s) => s.states.at(-1)?.state === state && s.states.at(-1)!.untilMs === undefined);
}

/** The first socket whose states follow `path` (`STATE?` steps may be missing). */
export function socketOnPath(sockets: readonly Readonly<LiveSocket>[], path: PathStep[]): Readonly<LiveSocket> | undefined {
  return sockets.find((s) => matchPath(path, s.states.map((x) => x.state)) !== undefined);
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
