// A real net.Server of a lab: accepted connections queue up in accept order and become
// actor sockets, named when the script takes them with `accepted()`.

import net from 'node:net';
import type { LabListener, LabRequest, LabSocket, ListenOptions } from '../lab/define.js';
import type { ActorHooks, ActorRef } from './events.js';
import type { ActorNames } from './names.js';
import { ActorSocket } from './socket.js';
import { callSite } from './where.js';

export class ActorListener implements LabListener {
  readonly ref: ActorRef;
  readonly server: net.Server;
  readonly sockets: ActorSocket[] = [];
  private queue: ActorSocket[] = [];
  private waiting: ((s: ActorSocket) => void)[] = [];
  private boundPort = 0;

  constructor(
    name: string,
    readonly host: string,
    private readonly options: ListenOptions,
    private readonly hooks: ActorHooks,
    private readonly names: ActorNames,
  ) {
    this.ref = { name, role: 'listener' };
    this.server = net.createServer({
      allowHalfOpen: options.allowHalfOpen ?? false,
      pauseOnConnect: options.pauseOnConnect ?? false,
    });
    let count = 0;
    this.server.on('connection', (socket) => {
      count += 1;
      const ref: ActorRef = { name: `${this.ref.name}#${count}`, role: 'accepted' };
      const actor = new ActorSocket(socket, ref, hooks, !(options.pauseOnConnect ?? false));
      this.sockets.push(actor);
      hooks.record({ kind: 'node', atMs: hooks.now(), actor: this.ref, event: 'connection', detail: `from ${actor.remote}` });
      if (socket.localAddress && socket.remoteAddress) {
        hooks.bind(ref, { address: socket.localAddress, port: socket.localPort! }, { address: socket.remoteAddress, port: socket.remotePort! });
      }
      const next = this.waiting.shift();
      if (next) next(actor);
      else this.queue.push(actor);
    });
  }

  get name(): string {
    return this.ref.name;
  }

  get connections(): number {
    return this.sockets.length;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Starts listening on `host`, port 0 unless given; resolves once bound. */
  start(): Promise<void> {
    const where = callSite();
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const backlog = this.options.backlog;
      this.server.listen({ host: this.host, port: this.options.port ?? 0, ipv6Only: this.host === '::1', ...(backlog !== undefined ? { backlog } : {}) }, () => {
        this.server.off('error', reject);
        const addr = this.server.address() as net.AddressInfo;
        this.boundPort = addr.port;
        this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: this.ref, action: 'listen', where, detail: `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}${backlog !== undefined ? `, backlog ${backlog}` : ''}` });
        this.hooks.bind(this.ref, { address: addr.address, port: addr.port });
        resolve();
      });
    });
  }

  accepted(options: { name?: string } = {}): Promise<LabSocket> {
    const where = callSite();
    const take = (actor: ActorSocket): LabSocket => {
      actor.ref.name = this.names.take(options.name ?? 'server');
      this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: actor.ref, action: 'accepted', where, detail: `from ${actor.remote}` });
      return actor;
    };
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(take(ready));
    return new Promise((resolve) => this.waiting.push((actor) => resolve(take(actor))));
  }

  requestFrom(client: LabSocket, options: { name?: string } = {}): LabRequest {
    const socket = (client as ActorSocket).socket;
    if (!(client instanceof ActorSocket) || socket.localPort === undefined) {
      throw new TypeError('requestFrom() needs a client of this lab that knows its local port (after connect)');
    }
    const ref: ActorRef = { name: this.names.take(options.name ?? 'server'), role: 'accepted' };
    const addr = this.server.address() as net.AddressInfo;
    const local = { address: addr.address === '::' || addr.address === '0.0.0.0' ? socket.remoteAddress! : addr.address, port: addr.port };
    this.hooks.bind(ref, local, { address: socket.localAddress!, port: socket.localPort });
    return new RequestHandle(ref);
  }

  close(): Promise<void> {
    this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: this.ref, action: 'close', where: callSite() });
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The server side of a connection the script has not accepted: only for expectations. */
export class RequestHandle implements LabRequest {
  constructor(readonly ref: ActorRef) {}

  get name(): string {
    return this.ref.name;
  }
}
