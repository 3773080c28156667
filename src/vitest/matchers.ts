// The vitest matchers on a live observation. Each waits for its condition with a deadline, then
// fails in the harness's one format: `test.ts:12: expected ...; observed ... (trace)`.

import { callSite } from '../actors/where.js';
import type { PathStep } from '../lab/define.js';
import { describeSockets, socketInState, spanLength, socketOnPath, socketsNowIn, waitFor } from '../live/conditions.js';
import { Observation, socketLabel } from '../live/observation.js';
import { TCP_STATES, type TcpState } from '../states.js';

/** Options of toHaveSocketIn. */
export interface SocketInOptions {
  /** The socket must enter the state within this many ms of the assertion (default 1000; 0 with `not` and `after`). */
  within?: number;
  /** ...and stay in it at least this long. With `not`: no socket may stay this long (a leak). */
  after?: number;
}

/** Options of toHaveCountIn: bounds on the number of sockets in the state in the kernel's table. */
export interface CountInOptions {
  atMost?: number;
  atLeast?: number;
  /** Wait up to this many ms for the count to get within bounds (default 0: now). */
  within?: number;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

type Received = Observation | Promise<Observation>;

const DEFAULT_WITHIN_MS = 1000;

async function observationOf(received: unknown, matcher: string): Promise<Observation> {
  const obs = await (received as Received);
  if (!(obs instanceof Observation)) throw new TypeError(`${matcher} expects an observation (\`observe({ port })\` from tcplab/vitest), got ${typeof obs}`);
  return obs;
}

function checkState(state: unknown, matcher: string): TcpState {
  if (!(TCP_STATES as readonly unknown[]).includes(state)) throw new TypeError(`${matcher}: unknown state \`${String(state)}\`; expected one of ${TCP_STATES.join(', ')}`);
  return state as TcpState;
}

function nonNegative(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!(Number.isFinite(v) && v >= 0)) throw new TypeError(`Expected the \`${name}\` option to be a non-negative number of ms, got \`${String(v)}\``);
  return v;
}

function result(where: string, pass: boolean, expected: string, observed: string, obs: Observation): MatcherResult {
  return { pass, message: () => `${where}: expected ${expected}; observed ${observed} (${obs.observerText})` };
}

/** `expect(obs).toHaveSocketIn('CLOSE_WAIT', { within, after })`, and its `.not`. */
async function toHaveSocketIn(this: { isNot: boolean }, received: unknown, rawState: unknown, options: SocketInOptions = {}): Promise<MatcherResult> {
  const where = callSite();
  const state = checkState(rawState, 'toHaveSocketIn');
  const obs = await observationOf(received, 'toHaveSocketIn');
  const after = nonNegative('after', options.after, 0);
  const callMs = obs.now();
  if (!this.isNot) {
    const within = nonNegative('within', options.within, DEFAULT_WITHIN_MS);
    const found = await waitFor(obs, () => socketInState(obs.records(), state, after, obs.now(), callMs + within), callMs + within + after);
    const stay = after > 0 ? ` and stay there ${after} ms` : '';
    const expected = `a socket of ${obs.target} to be in ${state} within ${within} ms${stay}`;
    return found
      ? result(where, true, `no socket of ${obs.target} in ${state}${stay}`, `${socketLabel(found.socket)} in ${state} from ${found.span.atMs.toFixed(1)} ms`, obs)
      : result(where, false, expected, describeSockets(obs.records(), obs.now()), obs);
  }
  if (after > 0) {
    // A leak: some socket stays `after` ms. Wait until every socket now in the state has left, or one has stayed that long.
    const within = nonNegative('within', options.within, 0);
    const verdict = await waitFor(obs, () => {
      const sockets = obs.records();
      const stayed = socketInState(sockets, state, after, obs.now());
      if (stayed) return { stayed };
      return obs.now() >= callMs + within && socketsNowIn(sockets, state).length === 0 ? { stayed: undefined } : undefined;
    }, callMs + within + after);
    const stayed = verdict?.stayed ?? socketInState(obs.records(), state, after, obs.now());
    const expected = `no socket of ${obs.target} to stay in ${state} for ${after} ms`;
    return stayed
      ? result(where, true, expected, `${describeSockets([stayed.socket], obs.now())}: ${spanLength(stayed.span, obs.now()).toFixed(1)} ms in ${state}`, obs)
      : result(where, false, `a socket of ${obs.target} to stay in ${state} for ${after} ms`, describeSockets(obs.records(), obs.now()), obs);
  }
  // Never in the state during the window: the whole window is watched.
  const within = nonNegative('within', options.within, DEFAULT_WITHIN_MS);
  const seen = await waitFor(obs, () => socketInState(obs.records(), state, 0, obs.now()), callMs + within);
  return seen
    ? result(where, true, `no socket of ${obs.target} in ${state} within ${within} ms`, `${socketLabel(seen.socket)} in ${state} from ${seen.span.atMs.toFixed(1)} ms`, obs)
    : result(where, false, `a socket of ${obs.target} in ${state} within ${within} ms`, describeSockets(obs.records(), obs.now()), obs);
}

/** `expect(obs).toFollowPath(['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'], { within })`: some socket's states, in a row. */
async function toFollowPath(this: { isNot: boolean }, received: unknown, path: PathStep[], options: { within?: number } = {}): Promise<MatcherResult> {
  const where = callSite();
  if (!Array.isArray(path) || path.length === 0) throw new TypeError('toFollowPath expects a non-empty array of states, e.g. [\'ESTABLISHED\', \'CLOSE_WAIT\']');
  for (const step of path) checkState(String(step).replace(/\?$/, ''), 'toFollowPath');
  const obs = await observationOf(received, 'toFollowPath');
  const within = nonNegative('within', options.within, DEFAULT_WITHIN_MS);
  const found = await waitFor(obs, () => (this.isNot ? undefined : socketOnPath(obs.records(), path)), obs.now() + within) ?? socketOnPath(obs.records(), path);
  const text = path.join(' -> ');
  return found
    ? result(where, true, `no socket of ${obs.target} to follow ${text} within ${within} ms`, describeSockets([found], obs.now()), obs)
    : result(where, false, `a socket of ${obs.target} to follow ${text} within ${within} ms`, describeSockets(obs.records(), obs.now()), obs);
}

/** `expect(obs).toHaveCountIn('TIME_WAIT', { atMost: 100 })`: the kernel's table, read fresh. */
async function toHaveCountIn(this: { isNot: boolean }, received: unknown, rawState: unknown, options: CountInOptions = {}): Promise<MatcherResult> {
  const where = callSite();
  const state = checkState(rawState, 'toHaveCountIn');
  if (options.atMost === undefined && options.atLeast === undefined) throw new TypeError('toHaveCountIn needs `atMost` or `atLeast`');
  const atMost = options.atMost ?? Infinity;
  const atLeast = options.atLeast ?? 0;
  const obs = await observationOf(received, 'toHaveCountIn');
  const within = nonNegative('within', options.within, 0);
  const deadline = Date.now() + within;
  const inBounds = (n: number) => n >= atLeast && n <= atMost;
  let count = await obs.countIn(state);
  const counts = [count];
  // The table is read again and again until the bounds hold (or, with `not`, stop holding).
  while (inBounds(count) === this.isNot && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, obs.periodMs)));
    count = await obs.countIn(state);
    if (count !== counts.at(-1)) counts.push(count);
  }
  const bounds = [options.atLeast !== undefined ? `at least ${atLeast}` : '', options.atMost !== undefined ? `at most ${atMost}` : ''].filter(Boolean).join(' and ');
  const when = within > 0 ? ` within ${within} ms` : '';
  const seen = `${count} in ${state}${counts.length > 1 ? ` (counts seen: ${counts.slice(-8).join(', ')})` : ''}`;
  return result(where, inBounds(count), `${inBounds(count) ? 'not ' : ''}${bounds} sockets of ${obs.target} in ${state}${when}`, seen, obs);
}

export const matchers = { toHaveSocketIn, toFollowPath, toHaveCountIn };
