// Programs a lab runs inside its namespace (nft, hping3, a listener that never accepts):
// each start is a recorded step, and every one still running is killed at teardown.

import { spawn, type ChildProcess } from 'node:child_process';
import type { BlockedListener, CommandResult, StartedProcess, StartOptions } from '../lab/define.js';
import type { ActorHooks, ActorRef } from './events.js';
import { callSite } from './where.js';

const COMMAND_TIMEOUT_MS = 10_000;

// Listens with the given backlog, prints the port, then blocks its event loop for good, so the
// kernel completes handshakes into the accept queue but nothing ever accepts.
const BLOCKED_LISTENER = `
const net = require('node:net');
const [host, backlog] = [process.argv[1], Number(process.argv[2])];
const server = net.createServer();
server.listen({ host, port: 0, backlog, ipv6Only: host === '::1' }, () => {
  process.stdout.write(server.address().port + '\\n', () => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
});`;

export class Commands {
  private children = new Set<ChildProcess>();
  /** Names of the long-running programs (start, blockedListener), for their resource figures. */
  private names = new Map<ChildProcess, string>();

  /** Pids and names of the programs still running. */
  running(): { name: string; pid: number }[] {
    return [...this.names].filter(([c]) => c.exitCode === null && c.signalCode === null && c.pid !== undefined).map(([c, name]) => ({ name, pid: c.pid! }));
  }

  constructor(private readonly hooks: ActorHooks) {}

  private actor(name: string): ActorRef {
    return { name, role: 'client' };
  }

  run(program: string, args: string[], input?: string): Promise<CommandResult> {
    const where = callSite();
    const ref = this.actor(program);
    this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: ref, action: 'exec', where, detail: [program, ...args].join(' ') });
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', (err: NodeJS.ErrnoException) => {
        this.children.delete(child);
        reject(Object.assign(new Error(`${program}: ${err.code === 'ENOENT' ? 'not installed' : err.message}`), { where }));
      });
      child.on('close', (code) => {
        this.children.delete(child);
        this.hooks.record({ kind: 'node', atMs: this.hooks.now(), actor: ref, event: 'close', detail: `exit ${code}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}` });
        resolve({ code, stdout, stderr });
      });
      // A program that exits without reading its input (hping3) must not crash the lab: EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
    });
  }

  start(program: string, args: string[], options: StartOptions): Promise<StartedProcess> {
    const where = callSite();
    const ref = this.actor(options.name ?? program);
    const timeoutMs = options.timeoutMs ?? 5000;
    this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: ref, action: 'start', where, detail: [program, ...args].join(' ') });
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
    this.children.add(child);
    this.names.set(child, ref.name);
    let output = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('close', (code, signal) => {
        this.children.delete(child);
        this.hooks.record({ kind: 'node', atMs: this.hooks.now(), actor: ref, event: 'close', detail: signal ? `killed by ${signal}` : `exit ${code}` });
        resolve({ code, signal });
      });
    });
    const handle: StartedProcess = {
      get pid() {
        return child.pid!;
      },
      get output() {
        return output;
      },
      signal: (sig) => {
        this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: ref, action: 'signal', where: callSite(), detail: sig });
        child.kill(sig);
      },
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          const hard = setTimeout(() => child.kill('SIGKILL'), 2000);
          void exited.then(() => clearTimeout(hard));
        }
        return exited;
      },
      exited: () => exited,
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(Object.assign(new Error(`${program} did not print a line matching ${options.ready} within ${timeoutMs} ms; it printed: ${output.trim().split('\n').slice(-3).join(' | ') || 'nothing'}`), { where }));
      }, timeoutMs);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (options.ready.test(output)) {
          clearTimeout(timer);
          resolve(handle);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.children.delete(child);
        reject(Object.assign(new Error(`${program}: ${err.code === 'ENOENT' ? 'not installed' : err.message}`), { where }));
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(Object.assign(new Error(`${program} exited (${signal ?? `code ${code}`}) before it was ready; it printed: ${output.trim().split('\n').slice(-3).join(' | ') || 'nothing'}`), { where }));
      });
    });
  }

  blockedListener(host: string, backlog: number): Promise<BlockedListener> {
    const where = callSite();
    const ref = this.actor('blocked');
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', BLOCKED_LISTENER, host, String(backlog)], { stdio: ['ignore', 'pipe', 'inherit'] });
      this.children.add(child);
      this.names.set(child, ref.name);
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^(\d+)\n/.exec(out);
        if (!m) return;
        const port = Number(m[1]);
        this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: ref, action: 'listen', where, detail: `${host.includes(':') ? `[${host}]` : host}:${port}, backlog ${backlog}, in process ${child.pid} that never accepts` });
        this.hooks.bind(ref, { address: host, port });
        resolve({ port, pid: child.pid! });
      });
      child.on('error', reject);
      child.on('close', () => this.children.delete(child));
    });
  }

  /** Kills every program still running and waits for each to be gone. */
  async teardown(): Promise<void> {
    await Promise.all([...this.children].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('close', () => resolve());
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    })));
  }
}
