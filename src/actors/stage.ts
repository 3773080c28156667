// Everything a lab opened: listeners and sockets, the ports to observe, and the teardown
// that leaves nothing behind whatever way the lab ended.

import net from 'node:net';
import type { ConnectOptions, Family, LabListener, LabSocket, ListenOptions, Target } from '../lab/define.js';
import type { ActorHooks, ActorRef } from './events.js';
import { ActorListener } from './listener.js';
import { ActorNames } from './names.js';
import { Commands } from './command.js';
import { Firewall } from './firewall.js';
import { ActorSocket } from './socket.js';
import { callSite } from './where.js';

/** The loopback address each family listens and connects on. */
export const FAMILY_HOST: Record<Family, string> = {
  '4': '127.0.0.1',
  '6': '::1',
  mapped: '::ffff:127.0.0.1',
};

export class Stage {
  readonly names = new ActorNames();
  readonly listeners: ActorListener[] = [];
  readonly clients: ActorSocket[] = [];
  readonly ports = new Set<number>();
  /**
   * The ports every connection of the lab has at one end (listeners, connect targets, bound
   * local ports): enough for a kernel-side filter, which a client's ephemeral port would only lengthen.
   */
  readonly anchorPorts = new Set<number>();
  /** Told whenever a port joins `anchorPorts` (the trace observer narrows its kernel filter). */
  onPorts: ((ports: ReadonlySet<number>) => void) | undefined;
  readonly commands: Commands;
  readonly firewall: Firewall;

  constructor(
    readonly family: Family,
    private readonly hooks: ActorHooks,
  ) {
    this.commands = new Commands(this.watchingHooks());
    this.firewall = new Firewall(this.commands);
  }

  private addPort(port: number, anchor = false): void {
    this.ports.add(port);
    if (!anchor || this.anchorPorts.has(port)) return;
    this.anchorPorts.add(port);
    this.onPorts?.(this.anchorPorts);
  }

  get host(): string {
    return FAMILY_HOST[this.family];
  }

  private watchingHooks(): ActorHooks {
    return {
      ...this.hooks,
      bind: (actor, local, remote) => {
        this.addPort(local.port, remote === undefined);
        if (remote) this.addPort(remote.port);
        this.hooks.bind(actor, local, remote);
      },
    };
  }

  async listen(options: ListenOptions = {}): Promise<LabListener> {
    const listener = new ActorListener(this.names.take(options.name ?? 'listener'), this.host, options, this.watchingHooks(), this.names);
    this.listeners.push(listener);
    await listener.start();
    return listener;
  }

  dial(target: Target, options: ConnectOptions = {}, where = callSite()): ActorSocket {
    const port = target.port;
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new TypeError(`Expected the target's \`port\` to be an integer from 1 to 65535, got ${String(port)}`);
    }
    const ref: ActorRef = { name: this.names.take(options.name ?? 'client'), role: 'client' };
    const hooks = this.watchingHooks();
    this.addPort(port, true);
    if (options.localPort !== undefined) this.addPort(options.localPort, true);
    const socket = new net.Socket({ allowHalfOpen: options.allowHalfOpen ?? false });
    const actor = new ActorSocket(socket, ref, hooks, !(options.paused ?? false));
    this.clients.push(actor);
    socket.once('connect', () => {
      hooks.bind(ref, { address: socket.localAddress!, port: socket.localPort! }, { address: socket.remoteAddress!, port: socket.remotePort! });
      hooks.record({ kind: 'node', atMs: hooks.now(), actor: ref, event: 'connect', detail: `${actor.local} -> ${actor.remote}` });
    });
    hooks.record({ kind: 'step', atMs: hooks.now(), actor: ref, action: 'connect', where, detail: `to ${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}` });
    hooks.dialing(ref, { address: this.host, port });
    // A refused connect did send its SYN (a row, however brief); one that found no local port did not.
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'EADDRINUSE') hooks.dialFailed?.(ref);
    });
    const local = options.localPort !== undefined ? { localAddress: this.host, localPort: options.localPort } : {};
    socket.connect({ host: this.host, port, ...local });
    return actor;
  }

  connect(target: Target, options: ConnectOptions = {}): Promise<LabSocket> {
    const where = callSite();
    const actor = this.dial(target, options, where);
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(Object.assign(new Error(`connect failed: ${err.code ?? err.message}`), { where, code: err.code }));
      };
      actor.socket.once('error', onError);
      actor.socket.once('connect', () => {
        actor.socket.off('error', onError);
        resolve(actor);
      });
    });
  }

  /** A port of this family's loopback where nothing listens (bound, read, released). */
  unusedPort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const probe = net.createServer();
      probe.once('error', reject);
      probe.listen({ host: this.host, port: 0 }, () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
  }

  /** Destroys every socket and closes every listener; resolves when all are closed. */
  async teardown(): Promise<void> {
    await this.commands.teardown();
    await this.firewall.teardown();
    const sockets = [...this.clients, ...this.listeners.flatMap((l) => l.sockets)];
    for (const actor of sockets) actor.socket.destroy();
    await Promise.all([
      ...sockets.map((a) => (a.socket.closed ? Promise.resolve() : a.closed())),
      ...this.listeners.map((l) => new Promise<void>((resolve) => (l.server.listening ? l.server.close(() => resolve()) : resolve()))),
    ]);
  }
}
