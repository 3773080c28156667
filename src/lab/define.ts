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
  /** The states this lab shows (the tour checks them off). */
  shows?: TcpState[];
  /**
   * Sysctls of the lab's own network namespace, e.g. `{ 'net.ipv4.tcp_fin_timeout': 2 }`.
   * A lab that sets any runs only in a private namespace (skipped on the host's loopback).
   */
  sysctls?: Record<string, string | number>;
  /** What the lab cannot run without; it is skipped with the reason where one is missing. */
  needs?: Need[];
  /** Buckets of the namespace's private established-hash table (default 1024). */
  ehashBuckets?: number;
  /**
   * Why this lab captures no packets, where capturing would cost more than it shows (tens of
   * thousands of Redis round trips); every other lab in a namespace captures its segments.
   */
  noCapture?: string;
}

/** A private network namespace, or a program (nft from nftables, hping3, redis-server). */
export type Need = 'netns' | 'nft' | 'hping3' | 'redis-server' | 'capture';

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
  /**
   * The socket's observed states run through `path` in order: from the state it was in at the
   * script's latest step (an `end()` just before may already have moved it on), or with
   * `since: 'start'` from the beginning of the lab.
   */
  toFollowPath(path: PathStep[], options?: WithinOptions & { since?: 'now' | 'start' }): PromiseLike<void>;
  /** Checked when the lab ends: the socket was never seen in `state`. */
  never(state: TcpState): void;
  /** Checked when the lab ends: the socket is not in the table (left it, or never entered it). */
  absentAtEnd(): void;
  /** Checked when the lab ends: no row of the socket table ever belonged to this socket. */
  neverInTable(): void;
  /** Node reports an error with this code (ECONNRESET, ECONNREFUSED, ...) on the socket. */
  toError(code: string, options?: WithinOptions): PromiseLike<void>;
  /** The socket receives exactly these bytes (after its own end() when `afterEnd`). */
  toReceive(data: Buffer | string, options?: WithinOptions & { afterEnd?: boolean }): PromiseLike<void>;
  /** The kernel shows this timer on the socket (`ss -o`), with at least `retries` retries or probes. */
  toShowTimer(kind: KernelTimerKind, options?: WithinOptions & { retries?: number }): PromiseLike<void>;
  /**
   * The capture shows this socket sending a matching segment (`count` of them: at least one
   * unless told) since the script's latest step (the segment it made may leave before this line
   * runs), within the deadline (from the call). Needs a capture (a lab in
   * its own namespace); skipped with the reason where none can be made.
   */
  toSend(segment: SegmentMatch, options?: WithinOptions & { count?: CountOption }): PromiseLike<void>;
  /** Checked when the lab ends: the capture shows this socket never sending a matching segment. */
  neverSends(segment: SegmentMatch): void;
}

/**
 * A segment as an expectation names it: flags that must all be set (`'FIN'`, `'SYN|ACK'`,
 * `'RST'`; `'data'` for one that carries bytes), or that with what Wireshark's analysis says of
 * it and its payload length.
 */
export type SegmentMatch =
  | string
  | { flags?: string; analysis?: SegmentAnalysis; len?: number | { atLeast?: number; atMost?: number } };

/** What a segment is in its connection, as Wireshark's TCP analysis names it (`tcp.analysis.*`, kebab-cased). */
export const SEGMENT_ANALYSES = [
  'retransmission', 'fast-retransmission', 'spurious-retransmission', 'out-of-order', 'lost-segment', 'duplicate-ack',
  'zero-window', 'zero-window-probe', 'zero-window-probe-ack', 'keep-alive', 'keep-alive-ack', 'window-update', 'window-full',
] as const;
export type SegmentAnalysis = (typeof SEGMENT_ANALYSES)[number];

/** A segment of a lab's connection as the capture saw it; `sent` when the socket asked about sent it. */
export interface CapturedSegment {
  atMs: number;
  sent: boolean;
  /** `SYN`, `SYN|ACK`, `FIN|ACK`, `RST`, `PSH|ACK`. */
  flags: string;
  seq: number;
  ack: number;
  relSeq: number;
  relAck: number;
  win: number;
  len: number;
  analysis: SegmentAnalysis[];
}

/** How many: exactly `n`, or a range. */
export type CountOption = number | { atLeast?: number; atMost?: number };

/** Kernel timer kinds as `ss -o` names them (retransmit is `on` there). */
export type KernelTimerKind = 'retransmit' | 'keepalive' | 'timewait' | 'persist';

/** Expectations on the kernel's TCP counters of the lab's namespace (/proc/net/snmp, netstat). */
export interface CounterExpectations {
  /** The counter rose (since the lab began, or since `expectCounter`), by at least `atLeast` (default 1) within the deadline. */
  toRise(options?: WithinOptions & { atLeast?: number }): PromiseLike<void>;
  /** The counter did not move (since the lab began, or since `expectCounter`), checked now. */
  toStayFlat(): PromiseLike<void>;
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
  /** Bind this local port before connecting (a socket may even connect to itself). */
  localPort?: number;
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
  /**
   * Turns on TCP keep-alive (SO_KEEPALIVE): the first probe after `idleMs` of silence (whole
   * seconds), then, as libuv sets them, one a second and 10 unanswered before the kernel gives up.
   */
  keepAlive(idleMs: number): void;
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
  /** Connections that reached the listener's accept queue so far. */
  readonly connections: number;
  /** The next accepted connection (in accept order); `name` defaults to `server`. */
  accepted(options?: { name?: string }): Promise<LabSocket>;
  /**
   * The server side of `client`'s connection, for expectations, before or without accept():
   * a request socket in SYN_RECV, or a connection waiting in the accept queue.
   */
  requestFrom(client: LabSocket, options?: { name?: string }): LabRequest;
  close(): Promise<void>;
}

/** The server side of a connection that the script has not accepted. */
export interface LabRequest {
  readonly name: string;
}

/** A listener in a process of its own whose event loop is blocked: it never accepts. */
export interface BlockedListener {
  readonly port: number;
  readonly pid: number;
}

export interface StartOptions {
  /** A line of stdout or stderr that says the program is ready. */
  ready: RegExp;
  /** How long to wait for it (default 5000 ms). */
  timeoutMs?: number;
  /** Name on the timeline (default: the program's name). */
  name?: string;
  cwd?: string;
}

export interface StartedProcess {
  readonly pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  readonly output: string;
  /** Sends a signal (SIGSTOP and SIGCONT too), recorded on the timeline. */
  signal(signal: NodeJS.Signals): void;
  /** Stops it (SIGTERM, then SIGKILL after 2 s) and resolves with its exit code or signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when it exits by itself or is stopped. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Where a drop rule goes: an nftables family and hook of the lab's namespace. */
export interface DropOptions {
  /** Packets (or frames) arriving for the namespace (default), or those it sends. */
  hook?: 'input' | 'output';
  /**
   * `inet` (default): IP packets of the namespace's own stack; an output drop there is a local
   * drop, which TCP takes for congestion, not loss. `bridge`: frames a bridge the lab made
   * delivers to or sends from the namespace, dropped as if on the wire.
   */
  family?: 'inet' | 'bridge';
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
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
  expect(socket: LabSocket | LabListener | LabRequest): SocketExpectations;
  /**
   * Expectations on a kernel TCP counter, e.g. `Tcp.OutRsts`, `TcpExt.TCPSynRetrans`, as a change
   * since the lab began, or with `since: 'now'` since this call (read before it returns).
   */
  expectCounter(name: string, options?: { since?: 'start' | 'now' }): CounterExpectations;
  /** Where the lab runs: a private network namespace, or the host's loopback. */
  readonly network: 'netns' | 'host';
  /**
   * Adds an nftables rule to the lab namespace's input hook, e.g. `tcp dport 80` (the rule
   * drops what it matches), or to the hook and family `options` name.
   */
  drop(rule: string, options?: DropOptions): Promise<void>;
  /** Removes every drop rule added by `drop()`. */
  stopDropping(): Promise<void>;
  /** Runs a program inside the lab's namespace and waits for it (time limit 10 s). */
  exec(program: string, args: string[]): Promise<CommandResult>;
  /**
   * Starts a long-running program inside the lab's namespace (a server, a peer) and resolves
   * once a line of its output matches `ready`; it is killed when the lab ends, whatever happens.
   */
  start(program: string, args: string[], options: StartOptions): Promise<StartedProcess>;
  /** Starts a listener with this backlog in another process that never accepts. */
  blockedListener(options: { backlog: number }): Promise<BlockedListener>;

  /**
   * A plain assertion, recorded like every expectation: `text` says what must hold, `observed`
   * what was seen; fails the lab at this line when `ok` is false.
   */
  check(ok: boolean, text: string, observed: string): void;
  /** The states observed so far for a socket, in order, with first and last sample times (ms). */
  statesOf(socket: LabSocket | LabListener | LabRequest): { state: TcpState; atMs: number; untilMs: number }[];
  /**
   * The captured segments of the socket's connection, both ways, in capture order (brought up to
   * date first). Needs a capture: the lab is skipped with the reason where none can be made.
   */
  segmentsOf(socket: LabSocket): Promise<CapturedSegment[]>;
  /**
   * Checks now, on a sample taken after this call, the expectations deferred to the lab's end
   * (`never`, `absentAtEnd`, `neverInTable`) made so far; throws the first failure. For labs in phases.
   */
  checkDeferred(): Promise<void>;
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
