// The vitest matchers on a live observation. Each waits for its condition with a deadline, then
// fails in the harness's one format: `test.ts:12: expected ...; observed ... (trace)`.

import { callSite } from '../actors/where.js';
import type { PathStep } from '../lab/define.js';
import { describeImplied, describeSockets, impliedVisit, occupants, snapshot, socketInState, spanLength, socketOnPath, unseenPeer, waitFor } from '../live/conditions.js';
import { Observation, socketLabel, type LiveSocket } from '../live/observation.js';
import { TCP_STATES, type TcpState } from '../states.js';

/** Options of toHaveSocketIn. */
export interface SocketInOptions {
  /**
   * The socket must enter the state within this many ms of the assertion (default 1000). With
   * `not` and `after`: the window in which a socket entering the state counts (default `after`).
   */
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

/** A verdict this observer cannot take (a state shorter than its period): the assertion fails, with or without `not`. */
function undecided(where: string, isNot: boolean, expected: string, observed: string, obs: Observation): MatcherResult {
  return {
    pass: isNot,
    message: () => `${where}: cannot decide: expected ${expected}; observed ${observed} (${obs.observerText}): a poll does not see what lasts less than its period; observe as root (trace) to see every transition`,
  };
}

/** `client 127.0.0.1:40000->127.0.0.1:8080, whose other end was never in the table when polled` */
function unseenText(s: Readonly<LiveSocket>): string {
  return `${socketLabel(s)}, whose other end was never in the table when polled`;
}

/** `expect(obs).toHaveSocketIn('CLOSE_WAIT', { within, after })`, and its `.not`. */
async function toHaveSocketIn(this: { isNot: boolean }, received: unknown, rawState: unknown, options: SocketInOptions = {}): Promise<MatcherResult> {
  const where = callSite();
  const state = checkState(rawState, 'toHaveSocketIn');
  const obs = await observationOf(received, 'toHaveSocketIn');
  const after = nonNegative('after', options.after, 0);
  const callMs = obs.now();
  const exact = obs.observer === 'trace';
  if (!this.isNot) {
    const within = nonNegative('within', options.within, DEFAULT_WITHIN_MS);
    const stay = after > 0 ? ` and stay there ${after} ms` : '';
    const expected = `a socket of ${obs.target} to be in ${state} within ${within} ms${stay}`;
    const found = await waitFor(obs, () => socketInState(obs.records(), state, after, obs.now(), callMs + within), callMs + within + after);
    if (found) return result(where, true, `no socket of ${obs.target} in ${state}${stay}`, `${socketLabel(found.socket)} in ${state} from ${found.span.atMs.toFixed(1)} ms`, obs);
    // Unseen between two polls: certain from the state machine (but then shorter than a period), or only possible.
    const implied = exact ? undefined : impliedVisit(obs.records(), state, callMs + within);
    if (implied?.how === 'certain' && after === 0) return result(where, true, `no socket of ${obs.target} in ${state}`, describeImplied(implied, state), obs);
    if (implied?.how === 'possible' && after === 0) return undecided(where, this.isNot, expected, describeImplied(implied, state), obs);
    const unseen = exact || after > 2 * obs.periodMs ? undefined : unseenPeer(obs.records());
    if (unseen) return undecided(where, this.isNot, expected, unseenText(unseen), obs);
    return result(where, false, expected, describeSockets(obs.records(), obs.now()), obs);
  }
  // The sockets that count: in the state when the assertion is made (the observation brought up
  // to date first), or entering it during the window that follows.
  await obs.flush();
  const at = snapshot(obs.records());
  if (after > 0) {
    // A leak: one of them stays `after` ms. The window (default `after`) covers a transition the
    // kernel makes just after the call (a FIN still in flight); each socket is followed until it
    // leaves or has stayed `after` ms.
    const window = nonNegative('within', options.within, after);
    const verdict = await waitFor(obs, () => {
      const now = obs.now();
      const held = occupants(obs.records(), state, at, callMs + window);
      const stayed = held.find((o) => spanLength(o.span, now) >= after);
      if (stayed) return { stayed };
      return now >= callMs + window && held.every((o) => o.span.untilMs !== undefined) ? { stayed: undefined } : undefined;
    }, callMs + window + after);
    const held = occupants(obs.records(), state, at, callMs + window);
    const stayed = verdict?.stayed ?? held.find((o) => spanLength(o.span, obs.now()) >= after);
    const expected = `no socket of ${obs.target} to stay in ${state} for ${after} ms`;
    if (stayed) return result(where, true, expected, `${describeSockets([stayed.socket], obs.now())}: ${spanLength(stayed.span, obs.now()).toFixed(1)} ms in ${state}`, obs);
    const left = held.length === 0 ? `no socket in ${state} from ${callMs.toFixed(1)} to ${(callMs + window).toFixed(1)} ms` : `${held.length} socket(s) in ${state}, each left within ${after} ms: ${describeSockets(held.map((o) => o.socket), obs.now())}`;
    return result(where, false, `a socket of ${obs.target} to stay in ${state} for ${after} ms`, left, obs);
  }
  // Never in the state during the window: in it at the call, or entering it before the window ends.
  const within = nonNegative('within', options.within, DEFAULT_WITHIN_MS);
  const seen = await waitFor(obs, () => occupants(obs.records(), state, at, callMs + within)[0], callMs + within);
  const expected = `no socket of ${obs.target} in ${state} within ${within} ms`;
  if (seen) return result(where, true, expected, `${socketLabel(seen.socket)} in ${state} from ${seen.span.atMs.toFixed(1)} ms`, obs);
  const implied = exact ? undefined : impliedVisit(obs.records(), state, callMs + within, at);
  if (implied?.how === 'certain') return result(where, true, expected, describeImplied(implied, state), obs);
  if (implied?.how === 'possible') return undecided(where, this.isNot, expected, describeImplied(implied, state), obs);
  const unseen = exact ? undefined : unseenPeer(obs.records(), callMs - obs.periodMs);
  if (unseen) return undecided(where, this.isNot, expected, unseenText(unseen), obs);
  return result(where, false, `a socket of ${obs.target} in ${state} within ${within} ms`, describeSockets(obs.records(), obs.now()), obs);
}

/** `expect(obs).toFollowPath(['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'], { within })`: some socket's states, in a row. */
async function toFollowPath(this: { isNot: boolean }, received: unknown, path: PathStep[], options: { within?: number } = {}): Promise<MatcherResult> {
  const where = callSite();
  if (!Array.isArray(path) || path.length === 0) throw new TypeError('toFollowPath expects a non-empty array of states, e.g. [\'ESTABLISHED\', \'CLOSE_WAIT\']');
  for (const step of path) checkState(String(step).replace(/\?$/, ''), 'toFollowPath');
  const obs = await observationOf(received, 'toFollowPath');
  const within = nonNegative('within', options.within, DEFAULT_WITHIN_MS);
  const exact = obs.observer === 'trace';
  // With the kernel's own transitions nothing is too brief to see: every step is required.
  const steps = exact ? path.map((p) => p.replace(/\?$/, '') as PathStep) : path;
  const certain = () => {
    const m = socketOnPath(obs.records(), steps, exact);
    return m?.match.certain ? m : undefined;
  };
  const found = await waitFor(obs, () => (this.isNot ? undefined : certain()), obs.now() + within) ?? socketOnPath(obs.records(), steps, exact);
  const text = path.join(' -> ');
  if (found && !found.match.certain) {
    return undecided(where, this.isNot, `a socket of ${obs.target} to follow ${text}`, `${describeSockets([found.socket], obs.now())}: ${found.match.inferred.join(', ')} only possible`, obs);
  }
  const unseen = found || exact ? undefined : unseenPeer(obs.records());
  if (unseen) return undecided(where, this.isNot, `a socket of ${obs.target} to follow ${text}`, unseenText(unseen), obs);
  const inferred = found && found.match.inferred.length > 0 ? ` (${found.match.inferred.join(', ')} between two samples, implied by the states around)` : '';
  return found
    ? result(where, true, `no socket of ${obs.target} to follow ${text} within ${within} ms`, describeSockets([found.socket], obs.now()) + inferred, obs)
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
