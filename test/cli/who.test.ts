// `tcplab who PORT` as a user runs it: the same processes and fds as `ss -tanp` for a server this
// test starts itself (tcplab did not), as root and as nobody (who sees only its own processes
// and says how many sockets it could not attribute), the exit status, and bad input.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, STRICT } from '../helpers.js';
import { attribution, parseSsUsers, runCommand } from '../inventory/entry.js';

const who = (args: string[], options: { user?: string } = {}) => runCommand('who', args, options);

// A server of its own: prints its port, keeps what it accepts, ends when the peer ends.
const SERVER = `
const net = require('node:net');
const kept = [];
const server = net.createServer((s) => kept.push(s));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
}

async function startServer(user?: string): Promise<Server> {
  const child = user ? spawn('runuser', ['-u', user, '--', process.execPath, '-e', SERVER]) : spawn(process.execPath, ['-e', SERVER]);
  const port = Number(String((await once(child.stdout!, 'data'))[0]).trim());
  const pid = user ? Number(spawnSync('pgrep', ['-P', String(child.pid), '-x', 'node'], { encoding: 'utf8' }).stdout.trim()) : child.pid!;
  return { child, pid, port };
}

function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
  });
}

/** `ss -tanpH` on the port, as this user or `user`, sorted `STATE local remote pid:fd`. */
function ssAttribution(port: number, user?: string): string[] {
  const argv = ['-tanpH', `( sport = :${port} or dport = :${port} )`];
  const r = user ? spawnSync('runuser', ['-u', user, '--', 'ss', ...argv], { encoding: 'utf8' }) : spawnSync('ss', argv, { encoding: 'utf8' });
  return attribution(parseSsUsers(r.stdout));
}

interface WhoJson {
  held: boolean;
  unattributed: number;
  sockets: { state: string; local: string; remote: string; holders: { pid: number; fd: number; user: string; command: string }[]; noHolder?: string }[];
}

function whoAttribution(doc: WhoJson): string[] {
  return doc.sockets.map((s) => `${s.state} ${s.local} ${s.remote} ${s.holders.map((h) => `${h.pid}:${h.fd}`).sort().join(',') || '-'}`).sort();
}

describe.skipIf(!isRoot() && !STRICT)('who on a server this test started (tcplab did not)', () => {
  let root: Server;
  let nobody: Server;
  const clients: net.Socket[] = [];
  beforeAll(async () => {
    root = await startServer();
    nobody = await startServer('nobody');
    clients.push(await connected(root.port), await connected(nobody.port));
    const closing = await connected(root.port);
    closing.end(); // the server ends too: TIME_WAIT on this side
    await once(closing, 'close');
  });
  afterAll(() => {
    for (const c of clients) c.destroy();
    // Kill the node processes themselves: killing runuser would leave its child running.
    for (const server of [root, nobody]) if (server) process.kill(server.pid, 'SIGKILL');
  });

  it('as root: the pid and fd of every socket on the port, as ss -tanp gives them', async () => {
    const r = await who([String(root.port), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as WhoJson;
    expect(whoAttribution(doc)).toEqual(ssAttribution(root.port));
    const listener = doc.sockets.find((s) => s.state === 'LISTEN')!;
    expect(listener.holders).toEqual([expect.objectContaining({ pid: root.pid, user: 'root' })]);
    expect(listener.holders[0]!.command).toContain(`${process.execPath} -e`);
    expect(doc.sockets.find((s) => s.state === 'TIME_WAIT')).toMatchObject({ holders: [], noHolder: 'time-wait' });
    expect(doc.unattributed).toBe(0);
  });

  it('as root, in columns: one line per socket, the command line on one line', async () => {
    const r = await who([String(root.port)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PID +USER +FD +STATE +LOCAL +REMOTE +COMMAND$/);
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.includes('LISTEN'))).toMatch(new RegExp(`^${root.pid} +root +\\d+ +LISTEN +127\\.0\\.0\\.1:${root.port} +0\\.0\\.0\\.0:\\* +\\S*node -e const net`));
    expect(lines.at(-1)).toMatch(/^- +- +- +TIME_WAIT .*\(no process: TIME_WAIT/);
  });

  it('as nobody: only its own processes, as ss -tanp shows them, and how many sockets it could not attribute', async () => {
    const r = await who([String(nobody.port), '--json'], { user: 'nobody' });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as WhoJson;
    expect(whoAttribution(doc)).toEqual(ssAttribution(nobody.port, 'nobody'));
    expect(doc.sockets.find((s) => s.state === 'LISTEN')!.holders).toEqual([expect.objectContaining({ pid: nobody.pid, user: 'nobody' })]);
    expect(doc.unattributed).toBe(1); // this test's client, a root process
  });

  it('as nobody on root\'s server: held, none attributed, and says why', async () => {
    const r = await who([String(root.port)], { user: 'nobody' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n3 sockets could not be attributed: they belong to root \(uid 0\), and user nobody cannot read the \/proc\/PID\/fd of other users' processes \(\d+ of them\); run as root to see them\n$/);
    const json = JSON.parse((await who([String(root.port), '--json'], { user: 'nobody' })).stdout) as WhoJson;
    expect(whoAttribution(json)).toEqual(ssAttribution(root.port, 'nobody'));
  });
});

describe('who exits 1 when no process holds the port', () => {
  it('on a port nobody uses', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const r = await who([String(port)]);
    expect(r).toMatchObject({ code: 1, stdout: `no socket on port ${port}\n`, stderr: '' });
  });

  it('on a port where only TIME_WAIT is left', async () => {
    const server = net.createServer((s) => s.resume()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const client = await connected(port);
    client.end();
    await once(client, 'close');
    await new Promise((resolve) => server.close(resolve));
    const r = await who([String(port)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TIME_WAIT .*\nno process holds port \d+\n$/);
    expect(JSON.parse((await who([String(port), '--json'])).stdout)).toMatchObject({ held: false, sockets: [{ state: 'TIME_WAIT', noHolder: 'time-wait' }] });
  });
});

describe('who rejects bad input with one line and exit status 2', () => {
  const cases: [string[], RegExp][] = [
    [[], /^tcplab: `who` needs a port, e.g. `tcplab who 8080`$/],
    [['80', '443'], /^tcplab: `who` takes one port, got `80 443`$/],
    [['http'], /^tcplab: expected PORT to be a port number from 1 to 65535, got `http`$/],
    [['0'], /^tcplab: expected PORT to be a port number from 1 to 65535, got `0`$/],
    [['80', '--frob'], /^tcplab: unknown flag --frob for `who`; see `tcplab who --help`$/],
    [['80', '--netns', 'x'], /^tcplab: expected `--netns` to be the id of a process whose network namespace to look in, got `x`$/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' ') || '(no port)', async () => {
      const r = await who(args);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      expect(r.stderr.trimEnd()).toMatch(message);
    });
  }
});
