// Socket holders from /proc/PID/fd: this process's own sockets are found with their fds, a
// process is described as ps would, and what cannot be read is said in one line.

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeProcess, scanSocketHolders, socketInodesOf, userName } from '../../src/inventory/owners.js';
import { readSocketTable } from '../../src/inventory/table.js';

describe('socket holders', () => {
  it('finds the fd of this process that holds a listener', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const [row] = await readSocketTable({ ports: [port] });
      expect(row).toMatchObject({ state: 'LISTEN', local: { port } });
      expect(row!.inode).toBeGreaterThan(0);
      const scan = scanSocketHolders(new Set([row!.inode!]));
      expect(scan.byInode.get(row!.inode!)).toEqual([{ pid: process.pid, fd: expect.any(Number) }]);
      expect(socketInodesOf(process.pid).has(row!.inode!)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('scans nothing when no inode is wanted', () => {
    expect(scanSocketHolders(new Set())).toEqual({ byInode: new Map(), unreadable: [] });
  });

  it('describes a process: command line, effective user', () => {
    const me = describeProcess(process.pid);
    expect(me.command).toContain(process.execPath.split('/').pop());
    expect(me.uid).toBe(process.geteuid!());
    expect(me.user).toBe(userName(process.geteuid!()));
    expect(userName(0)).toBe('root');
    expect(userName(2 ** 31 - 7)).toBe(String(2 ** 31 - 7));
  });

  it('says in one line when a process is missing', () => {
    expect(() => socketInodesOf(2 ** 22 + 1)).toThrow(/^no process with pid 4194305$/);
    expect(describeProcess(2 ** 22 + 1)).toMatchObject({ uid: undefined, user: '?', command: '[?]' });
  });
});
