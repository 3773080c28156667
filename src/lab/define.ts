// A lab's definition: its name, its explanation, its options and the script it runs.
// `lab()` only describes; the runner executes. The context a script receives is typed here so
// lab files type-check against the public package.

import type { TcpState } from '../states.js';

export const LAB_BRAND = Symbol.for('tcplab.lab');

/** Address families a lab can run over, as packetdrill does: IPv4, IPv6 and v4-mapped IPv6. */
export type Family = '4' | '6' | 'mapped';

export interface LabOptions {
  /** One or two sentences shown by the human reporter and the tour. */
  explain: string;
  /** Hard limit for the whole lab, in ms (default 10 000). */
  timeoutMs?: number;
  /** Opt-in labs (too long for `run --all`) run only when named or with `--long`. */
  long?: boolean;
  /** Free-form tags, e.g. the states the lab shows. */
  shows?: TcpState[];
}

/** A state in a path; a trailing `?` marks a state that may be too brief for a polling observer. */
export type PathStep = TcpState | `${TcpState}?`;

export interface WithinOptions {
  /** Deadline in ms from the moment the expectation is made (default 1000). */
  within?: number;
}

/** An expectation in flight: await it; `andStay` adds a hold once the state is reached. */
export interface Reaching extends PromiseLike<void> {
  andStay(ms: number): PromiseLike<void>;
}

/** Expectations about one socket (or listener). */
export interface SocketExpectations {
  /** The socket is seen in `state` in a sample taken after this call, within the deadline. */
  toReach(state: TcpState, options?: WithinOptions): Reaching;
  /** The socket is seen in `state` in every sample for `ms`, starting now. */
  toStay(state: TcpState, ms: number): PromiseLike<void>;
  /** The socket's observed states, from now on, run through `path` in order. */
  toFollowPath(path: PathStep[], options?: WithinOptions): PromiseLike<void>;
  /** Checked when the lab ends: the socket was never seen in `state`. */
  never(state: TcpState): void;
  /** Checked when the lab ends: no row of the socket table ever belonged to this socket. */
  neverInTable(): void;
  /** Node reports an error with this code (ECONNRESET, ECONNREFUSED, ...) on the socket. */
  toError(code: string, options?: WithinOptions): PromiseLike<void>;
  /** The socket receives exactly these bytes (after its own end() when `afterEnd`). */
  toReceive(data: Buffer | string, options?: WithinOptions & { afterEnd?: boolean }): PromiseLike<void>;
}

export interface ListenOptions {
  name?: string;
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  backlog?: number;
  port?: number;
}

export interface ConnectOptions {
  name?: string;
  allowHalfOpen?: boolean;
  /** Do not read: the receive window fills and the socket never sees `end`. */
  paused?: boolean;
}

/** A TCP endpoint a lab can point at: a listener, or a bare port on the lab's loopback. */
export type Target = LabListener | { port: number };

/** A real `net.Socket` of the lab, recording every step and every Node event. */
export interface LabSocket {
  readonly name: string;
  /** `addr:port` on this side, once known. */
  readonly local: string | undefined;
  readonly remote: string | undefined;
  /** Bytes received so far. */
  readonly received: Buffer;
  write(data: Buffer | string | number): Promise<void>;
  end(data?: Buffer | string): void;
  destroy(): void;
  resetAndDestroy(): void;
  pause(): void;
  resume(): void;
  /** Writes until Node's own queue is not empty: the peer's window is zero, the send buffer full. */
  fillSendBuffer(): Promise<number>;
  /** Resolves on Node's `end` event (the peer's FIN has been read). */
  ended(): Promise<void>;
  /** Resolves on Node's `close` event. */
  closed(): Promise<void>;
}

export interface LabListener {
  readonly name: string;
  readonly port: number;
  readonly host: string;
  /** The next accepted connection (in accept order); `name` defaults to `server`. */
  accepted(options?: { name?: string }): Promise<LabSocket>;
  close(): Promise<void>;
}

/** What a lab script receives. */
export interface LabContext {
  readonly family: Family;
  /** The loopback address of this family (127.0.0.1, ::1 or ::ffff:127.0.0.1). */
  readonly host: string;
  listen(options?: ListenOptions): Promise<LabListener>;
  /** Connects and resolves once connected; rejects with the failure on error. */
  connect(target: Target, options?: ConnectOptions): Promise<LabSocket>;
  /** Starts a connection and returns at once (for refused or never-answered connects). */
  dial(target: Target, options?: ConnectOptions): LabSocket;
  /** A port on the lab's loopback where nothing listens. */
  unusedPort(): Promise<number>;
  expect(socket: LabSocket | LabListener): SocketExpectations;
  /** Adds a line to the lab's timeline (shown in reports). */
  note(text: string): void;
  /** Ends the lab as skipped, with a one-line reason. */
  skip(reason: string): never;
}

export type LabScript = (context: LabContext) => Promise<void>;

export interface LabDefinition {
  readonly [LAB_BRAND]: true;
  readonly name: string;
  readonly options: LabOptions;
  readonly script: LabScript;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Defines a lab; a lab file's default export. */
export function lab(name: string, options: LabOptions, script: LabScript): LabDefinition {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`Expected the lab name to be lowercase words joined by '-', got ${JSON.stringify(name)}`);
  }
  if (typeof options?.explain !== 'string' || options.explain.trim() === '') {
    throw new TypeError(`Expected lab '${name}' to have an \`explain\` text, got ${typeof options?.explain}`);
  }
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new TypeError(`Expected the \`timeoutMs\` option of lab '${name}' to be a positive integer, got ${String(options.timeoutMs)}`);
  }
  if (typeof script !== 'function') {
    throw new TypeError(`Expected lab '${name}' to have a script function, got ${typeof script}`);
  }
  return Object.freeze({ [LAB_BRAND]: true as const, name, options, script });
}

export function isLabDefinition(value: unknown): value is LabDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[LAB_BRAND] === true;
}
