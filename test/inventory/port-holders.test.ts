// Who holds a port, on live sockets: this process's, a child's that never accepts, and the
// sockets no process holds (TIME_WAIT, the accept queue, an orphan), each with its reason.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { whoHolds, type PortSocket } from '../../src/inventory/port-holders.js';

const BLOCKED = `
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 4 }, () => {
  process.stdout.write(server.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
});`;

function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
  });
}

const brief = (s: PortSocket) => `${s.state} ${s.holders.map((h) => h.pid).join(',') || s.noHolder}`;

describe('whoHolds', () => {
  it('names the process and fd of each socket, and says why the others have none', async () => {
    const server = net.createServer({ allowHalfOpen: true }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const accepted: net.Socket[] = [];
    server.on('connection', (s) => accepted.push(s));
    const live = await connected(port);
    const timeWait = await connected(port);
    timeWait.end(); // the server ends too (below): the client closed first, TIME_WAIT
    const orphan = await connected(port);
    await expect.poll(() => accepted.length).toBe(3);
    accepted[1]!.end();
    orphan.destroy(); // closed by its process; the server never ends: an orphan in FIN_WAIT2
    try {
      await expect.poll(async () => (await whoHolds(port)).sockets.map(brief).sort()).toEqual([
        `CLOSE_WAIT ${process.pid}`,
        `ESTABLISHED ${process.pid}`,
        `ESTABLISHED ${process.pid}`,
        'FIN_WAIT2 orphan',
        `LISTEN ${process.pid}`,
        'TIME_WAIT time-wait',
      ]);
      const report = await whoHolds(port);
      expect(report.held).toBe(true);
      const listener = report.sockets.find((s) => s.state === 'LISTEN')!;
      expect(listener.holders).toEqual([expect.objectContaining({ pid: process.pid, fd: expect.any(Number), uid: process.geteuid!() })]);
      expect(listener.holders[0]!.command).toContain('node');
      expect(report.sockets.at(-1)!.state).toBe('TIME_WAIT');
    } finally {
      for (const s of [live, timeWait, orphan, ...accepted]) s.destroy();
      server.close();
    }
  });

  it('lists connections waiting in the accept queue of a process that does not accept', async () => {
    const child = spawn(process.execPath, ['-e', BLOCKED], { stdio: ['ignore', 'pipe', 'inherit'] });
    const clients: net.Socket[] = [];
    try {
      const port = Number(String((await once(child.stdout!, 'data'))[0]).trim());
      for (let i = 0; i < 2; i++) clients.push(await connected(port));
      const report = await whoHolds(port);
      const server = report.sockets.filter((s) => s.local.port === port).map(brief).sort();
      expect(server).toEqual(['ESTABLISHED accept-queue', 'ESTABLISHED accept-queue', `LISTEN ${child.pid}`]);
      expect(report.sockets.filter((s) => s.remote.port === port).map(brief)).toEqual([`ESTABLISHED ${process.pid}`, `ESTABLISHED ${process.pid}`]);
    } finally {
      for (const c of clients) c.destroy();
      child.kill('SIGKILL');
    }
  });

  it('reports a port nobody uses as not held', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    expect(await whoHolds(port)).toEqual({ port, sockets: [], unreadableProcesses: 0, held: false });
  });
});
