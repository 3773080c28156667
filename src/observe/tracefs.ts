// A private tracefs instance for one lab: the kernel's TCP events, filtered in the kernel on
// the lab's ports, timestamped on CLOCK_MONOTONIC, read without blocking from trace_pipe.
// The instance is removed on every exit path: by the lab process, or by its parent after a crash.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where tracefs may already be mounted. */
const KNOWN_MOUNTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The events tcplab enables, and whether each can be filtered on ports in the kernel. */
export const TRACE_EVENTS: { event: string; portFilter: boolean }[] = [
  { event: 'sock/inet_sock_set_state', portFilter: true },
  { event: 'tcp/tcp_send_reset', portFilter: false },
  { event: 'tcp/tcp_receive_reset', portFilter: true },
  { event: 'tcp/tcp_retransmit_skb', portFilter: true },
  { event: 'tcp/tcp_retransmit_synack', portFilter: false },
  { event: 'tcp/tcp_destroy_sock', portFilter: true },
];

export const INSTANCE_PREFIX = 'tcplab-';

/** An already mounted tracefs with instances, if any. */
export function mountedTracefs(): string | undefined {
  return KNOWN_MOUNTS.find((dir) => existsSync(path.join(dir, 'instances')));
}

/** Where the tracefs of instance `name` is mounted when none was: known to the lab's parent too. */
export function mountPointFor(name: string): string {
  return path.join(os.tmpdir(), `${name}-tracefs`);
}

/**
 * A tracefs to use: a mounted one, or one mounted now (`mounted` true) on a folder named after
 * the instance, so that the parent can remove the folder if this process dies.
 */
export function openTracefs(name?: string): { root: string; mounted: boolean } {
  const found = mountedTracefs();
  if (found) return { root: found, mounted: false };
  const dir = name ? mountPointFor(name) : mkdtempSync(path.join(os.tmpdir(), 'tcplab-tracefs-'));
  if (name) mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tracefs', 'nodev', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmdirSync(dir);
    throw new Error(`cannot mount tracefs: ${(r.stderr || r.error?.message || '').trim()}`);
  }
  return { root: dir, mounted: true };
}

export function closeTracefs(fs: { root: string; mounted: boolean }): void {
  if (!fs.mounted) return;
  spawnSync('umount', [fs.root]);
  try {
    rmdirSync(fs.root);
  } catch {
    // still busy: the mount namespace goes away with the process
  }
}

/** Matches no TCP event (writing `0` to a filter file would clear it: everything passes). */
const NOTHING = 'sport == 0 && dport == 0';

/** The kernel filter for these ports; nothing until a port is known. */
export function portFilter(ports: ReadonlySet<number>): string {
  if (ports.size === 0) return NOTHING;
  return [...ports].map((p) => `sport == ${p} || dport == ${p}`).join(' || ');
}

export class TraceInstance {
  readonly dir: string;
  private fd: number | undefined;
  private rest = '';
  private buf = Buffer.alloc(1 << 20);
  /** Bytes the kernel dropped because the buffer was full (from per_cpu stats), at stop. */
  overruns = 0;

  constructor(root: string, readonly name: string, bufferKb = 4096) {
    this.dir = path.join(root, 'instances', name);
    mkdirSync(this.dir);
    this.write('trace_clock', 'mono');
    this.write('buffer_size_kb', String(bufferKb));
    for (const { event, portFilter: filterable } of TRACE_EVENTS) {
      if (filterable) this.write(`events/${event}/filter`, NOTHING);
      this.write(`events/${event}/enable`, '1');
    }
    this.fd = openSync(path.join(this.dir, 'trace_pipe'), constants.O_RDONLY | constants.O_NONBLOCK);
  }

  private write(file: string, value: string): void {
    writeFileSync(path.join(this.dir, file), value + '\n');
  }

  /**
   * Narrows the port-filterable events to these ports (takes effect at once); a filter the
   * kernel refuses (too long) gives way to no filter, the timeline then keeps the lab's own.
   */
  setPorts(ports: ReadonlySet<number>): void {
    try {
      this.setFilter(portFilter(ports));
    } catch {
      this.setFilter('0');
    }
  }

  /** Sets the filter of the port-filterable events; `0` clears it (every event passes). */
  setFilter(filter: string): void {
    for (const { event, portFilter: filterable } of TRACE_EVENTS) if (filterable) this.write(`events/${event}/filter`, filter);
  }

  /** Every complete line the kernel has written since the last call. */
  drain(): string[] {
    if (this.fd === undefined) return [];
    let text = this.rest;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw err;
      }
      if (n === 0) break;
      text += this.buf.toString('utf8', 0, n);
    }
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }

  /** Events the kernel dropped so far because the ring buffer was full (all CPUs). */
  lost(): number {
    let n = 0;
    try {
      for (const cpu of readdirSync(path.join(this.dir, 'per_cpu'))) {
        const stats = readFileSync(path.join(this.dir, 'per_cpu', cpu, 'stats'), 'utf8');
        n += Number(/^overrun: (\d+)/m.exec(stats)?.[1] ?? 0) + Number(/^dropped events: (\d+)/m.exec(stats)?.[1] ?? 0);
      }
    } catch {
      // no stats: nothing known to be lost
    }
    return n;
  }

  /** Stops tracing, reads the overrun count, removes the instance. */
  remove(): void {
    this.overruns = this.lost();
    try {
      this.write('tracing_on', '0');
      for (const { event } of TRACE_EVENTS) this.write(`events/${event}/enable`, '0');
    } catch {
      // removing it below is what matters
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    removeInstanceDir(this.dir);
  }
}

function removeInstanceDir(dir: string): void {
  for (let i = 0; i < 50; i += 1) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/**
 * Removes a lab's instance from outside the lab (its process crashed): through the mounted
 * tracefs, or through one mounted for a moment in a private mount namespace.
 */
export function removeInstanceFromOutside(name: string): void {
  if (!name.startsWith(INSTANCE_PREFIX) || name.includes('/')) return;
  try {
    rmdirSync(mountPointFor(name)); // the lab's own mount went with its mount namespace
  } catch {
    // not there, or mounted in this namespace (never: labs mount in their own)
  }
  const found = mountedTracefs();
  if (found) {
    const dir = path.join(found, 'instances', name);
    if (existsSync(dir)) removeInstanceDir(dir);
    return;
  }
  const script = 'd=$(mktemp -d) && mount -t tracefs nodev "$d" && { [ ! -d "$d/instances/$1" ] || rmdir "$d/instances/$1"; umount "$d"; }; rmdir "$d"';
  spawnSync('unshare', ['--mount', '--', 'sh', '-c', script, 'tcplab-cleanup', name]);
}

/** Whether this process can trace here: root, and a tracefs that is mounted or mountable. */
export function traceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the trace observer needs root (tracefs); run with sudo, or use --observer proc';
  if (mountedTracefs()) return undefined;
  const probe = spawnSync('unshare', ['--mount', '--', 'sh', '-c', 'd=$(mktemp -d) && mount -t tracefs nodev "$d" && test -d "$d/events/sock/inet_sock_set_state"; r=$?; umount "$d" 2>/dev/null; rmdir "$d"; exit $r']);
  return probe.status === 0 ? undefined : 'tracefs is not available here (cannot mount it, or no sock:inet_sock_set_state event); use --observer proc';
}
