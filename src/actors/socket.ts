// A real net.Socket of a lab: every step the script takes and every event Node reports is
// recorded on the lab's clock, with the script line for steps.

import type net from 'node:net';
import type { LabSocket } from '../lab/define.js';
import type { ActorHooks, ActorRef } from './events.js';
import { callSite, type Where } from './where.js';

const FILL_CHUNK = Buffer.alloc(64 * 1024, 0x2e);

function spell(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined || port === undefined) return undefined;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Wraps `socket`; `reading` false leaves it paused until `resume()`. */
export class ActorSocket implements LabSocket {
  readonly ref: ActorRef;
  private chunks: Buffer[] = [];
  private chunksAfterEnd: Buffer[] = [];
  private endedByUs = false;
  private reading = false;
  private endPromise: Promise<void>;
  private closePromise: Promise<void>;
  /** Node error codes seen on this socket, in order. */
  readonly errors: string[] = [];

  constructor(
    readonly socket: net.Socket,
    ref: ActorRef,
    private readonly hooks: ActorHooks,
    reading: boolean,
  ) {
    this.ref = ref;
    const record = (event: 'end' | 'close' | 'drain', detail?: string) =>
      hooks.record({ kind: 'node', atMs: hooks.now(), actor: ref, event, ...(detail ? { detail } : {}) });
    this.endPromise = new Promise((resolve) => socket.once('end', () => { record('end', 'peer FIN read'); resolve(); }));
    this.closePromise = new Promise((resolve) =>
      socket.once('close', (hadError: boolean) => { record('close', hadError ? 'after an error' : undefined); resolve(); }),
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.errors.push(err.code ?? err.message);
      hooks.record({ kind: 'node', atMs: hooks.now(), actor: ref, event: 'error', code: err.code ?? 'ERROR', detail: err.message });
    });
    if (reading) this.startReading();
    else socket.pause();
  }

  get name(): string {
    return this.ref.name;
  }

  get local(): string | undefined {
    return spell(this.socket.localAddress, this.socket.localPort);
  }

  get remote(): string | undefined {
    return spell(this.socket.remoteAddress, this.socket.remotePort);
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Bytes received after this side called end(). */
  get receivedAfterEnd(): Buffer {
    return Buffer.concat(this.chunksAfterEnd);
  }

  private startReading(): void {
    if (this.reading) return;
    this.reading = true;
    this.socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      if (this.endedByUs) this.chunksAfterEnd.push(chunk);
      this.hooks.record({ kind: 'node', atMs: this.hooks.now(), actor: this.ref, event: 'data', bytes: chunk.length });
    });
  }

  private step(action: string, where: Where, detail?: string): void {
    this.hooks.record({ kind: 'step', atMs: this.hooks.now(), actor: this.ref, action, where, ...(detail ? { detail } : {}) });
  }

  write(data: Buffer | string | number): Promise<void> {
    const payload = typeof data === 'number' ? Buffer.alloc(data, 0x61) : data;
    this.step('write', callSite(), `${Buffer.byteLength(payload)} bytes`);
    return new Promise((resolve, reject) => {
      this.socket.write(payload, (err) => (err ? reject(err) : resolve()));
    });
  }

  end(data?: Buffer | string): void {
    this.step('end', callSite(), data === undefined ? 'FIN' : `${Buffer.byteLength(data)} bytes, then FIN`);
    this.endedByUs = true;
    if (data === undefined) this.socket.end();
    else this.socket.end(data);
  }

  destroy(): void {
    this.step('destroy', callSite());
    this.socket.destroy();
  }

  resetAndDestroy(): void {
    this.step('resetAndDestroy', callSite(), 'RST');
    this.socket.resetAndDestroy();
  }

  keepAlive(idleMs: number): void {
    if (!Number.isInteger(idleMs) || idleMs < 1000) throw new TypeError(`Expected keepAlive's idle time to be an integer of at least 1000 ms (the kernel counts whole seconds), got \`${String(idleMs)}\``);
    this.step('keepAlive', callSite(), `first probe after ${idleMs} ms idle`);
    this.socket.setKeepAlive(true, idleMs);
  }

  pause(): void {
    this.step('pause', callSite());
    this.socket.pause();
  }

  resume(): void {
    this.step('resume', callSite());
    this.startReading();
    this.socket.resume();
  }

  async fillSendBuffer(): Promise<number> {
    const where = callSite();
    let written = 0;
    // Each write goes to the kernel at once while the send buffer has room; the first one that
    // Node has to queue means the peer's window is zero and the kernel's buffer is full.
    while (this.socket.writableLength === 0) {
      if (this.socket.destroyed) throw new Error('fillSendBuffer: the socket was destroyed');
      this.socket.write(FILL_CHUNK);
      written += FILL_CHUNK.length;
      if (this.socket.writableLength === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.step('fillSendBuffer', where, `${written} bytes written, ${this.socket.writableLength} queued in Node`);
    return written;
  }

  ended(): Promise<void> {
    return this.endPromise;
  }

  closed(): Promise<void> {
    return this.closePromise;
  }
}
