// `tcplab/vitest`: importing it registers the socket matchers with vitest's `expect`, and its
// `observe()` stops the observation when the test ends, passed or failed.

import { expect, onTestFinished } from 'vitest';
import { observe as observeLive, type ObserveOptions, type Observation } from '../live/observation.js';
import type { PathStep } from '../lab/define.js';
import type { TcpState } from '../states.js';
import { matchers, type CountInOptions, type SocketInOptions } from './matchers.js';

expect.extend(matchers);

/**
 * Observes a port or a process for the rest of the test (stopped when it ends); outside a test
 * (e.g. in beforeAll) it is yours to stop.
 */
export function observe(options: ObserveOptions): Promise<Observation> {
  const started = observeLive(options);
  try {
    onTestFinished(async () => {
      await (await started.catch(() => undefined))?.stop();
    });
  } catch {
    // not inside a test
  }
  return started;
}

export { observing, Observation, type ObserveOptions, type LiveSocket, type LiveSpan, type SocketSide } from '../live/observation.js';
export type { CountInOptions, SocketInOptions } from './matchers.js';

interface SocketMatchers<R = unknown> {
  /** Some socket is in `state` within `within` ms (default 1000), and stays `after` ms; with `.not` and `after`: none stays that long. */
  toHaveSocketIn(state: TcpState, options?: SocketInOptions): Promise<R>;
  /** Some socket's states follow `path` (`'FIN_WAIT1?'`: may be too short to see) within `within` ms. */
  toFollowPath(path: PathStep[], options?: { within?: number }): Promise<R>;
  /** The number of sockets in `state` in the kernel's table now (or within `within` ms) is within bounds. */
  toHaveCountIn(state: TcpState, options: CountInOptions): Promise<R>;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends SocketMatchers<T> {}
}
