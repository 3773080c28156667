// `tcplab count` as a user runs it: the same numbers as `ss -tan` on the same table (a namespace
// of its own where sockets are held in six states, IPv4 and IPv6, as root and as nobody), the
// port and process filters, --json, --watch, and bad input.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByState } from '../../src/inventory/census.js';
import { parseSs } from '../../src/observe/ss.js';
import { hasProgram, isRoot, STRICT } from '../helpers.js';
import { parseSsUsers, runCommand, spawnCommand } from '../inventory/entry.js';

/** A process id no process has. */
const MISSING = (() => {
  let pid = 2 ** 22;
  while (existsSync(`/proc/${pid}`)) pid -= 1;
  return pid;
})();

const count = (args: string[], options: { user?: string } = {}) => runCommand('count', args, options);

// Sockets in LISTEN, ESTABLISHED, TIME_WAIT, CLOSE_WAIT, FIN_WAIT2, SYN_SENT and (through a child
// that never accepts, for 20 s at most) its accept queue, over 127.0.0.1, ::1 and ::ffff:127.0.0.1;
// prints `ready`, then `ss -tanpH` and `end` for every line read on stdin; exits when stdin ends.
const SCENE = `
const { execSync, spawn } = require('node:child_process');
const net = require('node:net');
execSync('ip link set lo up');
const keep = [];
const listen = (host, opts = {}) => new Promise((ok) => { const s = net.createServer(opts, (c) => keep.push(c)); s.listen(0, host, () => ok(s)); });
const connect = (port, host) => new Promise((ok) => { const c = net.connect(port, host, () => ok(c)); keep.push(c); });
(async () => {
  for (const host of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
    const s = await listen(host, { allowHalfOpen: true });
    const p = s.address().port;
    await connect(p, host);
    const tw = await connect(p, host); tw.end();
    const half = await connect(p, host); half.end();
    setTimeout(() => keep.filter((c) => c.remotePort === tw.localPort).forEach((c) => c.end()), 50);
  }
  const blocked = spawn(process.execPath, ['-e', "const s=require('net').createServer();s.listen({host:'127.0.0.1',port:0,backlog:1},()=>process.stdout.write(s.address().port+'\\\\n',()=>{Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,20000);process.exit()}))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(String(await new Promise((ok) => blocked.stdout.once('data', ok))).trim());
  for (let i = 0; i < 3; i++) keep.push(net.connect(port, '127.0.0.1').on('error', () => {}));
  setTimeout(() => { console.log('ready'); }, 300);
  require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
    console.log(execSync('ss -tanpH', { encoding: 'utf8' }).trimEnd());
    console.log('end');
  });
  process.stdin.on('end', () => { blocked.kill('SIGKILL'); process.exit(0); });
})();`;

interface Scene {
  child: ChildProcess;
  pid: number;
  ss(): Promise<string>;
}

/** Starts the scene in a fresh network namespace, as root (unshare -n) or as `user` (unshare -rn). */
async function startScene(user?: string): Promise<Scene> {
  const argv = ['--net', ...(user ? ['--user', '--map-root-user'] : []), process.execPath, '-e', SCENE];
  const child = user ? spawn('runuser', ['-u', user, '--', 'unshare', ...argv]) : spawn('unshare', argv);
  child.stderr!.pipe(process.stderr);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  expect(await next()).toBe('ready');
  // As a user, runuser forks the scene (unshare execs node in place): its only child. Not by name:
  // Node 24 names its main thread (and so the process) MainThread, Node 26 node-MainThread.
  const pid = user ? Number(spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0] || child.pid) : child.pid!;
  return {
    child,
    pid,
    async ss() {
      child.stdin!.write('ss\n');
      const out: string[] = [];
      for (let line = await next(); line !== 'end'; line = await next()) out.push(line);
      return out.join('\n');
    },
  };
}

const canUnshare = isRoot() && hasProgram('unshare') && hasProgram('ss');

describe.each([['root', undefined], ['nobody', 'nobody']] as const)('count in a namespace of its own, as %s', (_who, user) => {
  if (!canUnshare) {
    it.skipIf(!STRICT)('needs root (to switch users and unshare) and ss', () => expect.fail('strict mode: run as root with ss installed'));
    return;
  }
  let scene: Scene;
  beforeAll(async () => {
    scene = await startScene(user);
  });
  afterAll(async () => {
    if (!scene) return;
    const closed = once(scene.child, 'close');
    scene.child.stdin!.end(); // the scene kills its blocked listener and exits
    const late = setTimeout(() => process.kill(scene.pid, 'SIGKILL'), 3000);
    await closed;
    clearTimeout(late);
  });

  it('gives the numbers of ss -tan, state by state, with the total', async () => {
    const r = await count(['--netns', String(scene.pid), '--json'], user ? { user } : {});
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const ss = countByState(parseSs(await scene.ss()));
    expect(doc.states).toEqual(Object.fromEntries(Object.entries(ss).filter(([, n]) => n > 0)));
    expect(Object.keys(doc.states)).toEqual(expect.arrayContaining(['LISTEN', 'ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT', 'FIN_WAIT2', 'SYN_SENT']));
    expect(doc.total).toBe(parseSs(await scene.ss()).length);
    const values = Object.values(doc.states) as number[];
    expect(values).toEqual([...values].sort((a, b) => b - a));
  });

  it('counts the sockets a process holds as ss -tanp attributes them', async () => {
    const r = await count(['--pid', String(scene.pid), '--json'], user ? { user } : {});
    expect(r.code).toBe(0);
    const held = parseSsUsers(await scene.ss()).filter((row) => row.users.some((u) => u.startsWith(`${scene.pid}:`)));
    expect(JSON.parse(r.stdout).states).toEqual(Object.fromEntries(Object.entries(countByState(held)).filter(([, n]) => n > 0)));
  });
});

describe('count on this machine', () => {
  it('narrows to a port as ss does with ( sport = :P or dport = :P ), in a table of STATE COUNT lines', async () => {
    const server = net.createServer({ allowHalfOpen: true }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const accepted: net.Socket[] = [];
    server.on('connection', (s) => accepted.push(s));
    const clients = await Promise.all([0, 1, 2].map(() => new Promise<net.Socket>((ok) => { const c = net.connect(port, '127.0.0.1', () => ok(c)); })));
    clients[0]!.end();
    await expect.poll(() => accepted.length).toBe(3);
    try {
      const r = await count(['--port', String(port)]);
      expect(r.code).toBe(0);
      const ss = spawnSync('ss', ['-tanH', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' }).stdout;
      const expected = countByState(parseSs(ss));
      expect(r.stdout).toBe([
        'STATE        COUNT',
        'ESTABLISHED      4',
        'CLOSE_WAIT       1',
        'FIN_WAIT2        1',
        'LISTEN           1',
        'total            7',
        '',
      ].join('\n'));
      expect(expected).toMatchObject({ ESTABLISHED: 4, CLOSE_WAIT: 1, FIN_WAIT2: 1, LISTEN: 1 });
    } finally {
      for (const s of [...clients, ...accepted]) s.destroy();
      server.close();
    }
  });

  it('--watch prints one document per refresh with the change since the previous one, and --count stops it', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const child = spawnCommand('count', ['--port', String(port), '--watch', '150', '--count', '3', '--json']);
    const lines: string[] = [];
    let client: net.Socket | undefined;
    for await (const line of createInterface({ input: child.stdout! })) {
      lines.push(line);
      if (lines.length === 1) client = net.connect(port, '127.0.0.1');
    }
    client?.destroy();
    server.close();
    const docs = lines.map((l) => JSON.parse(l));
    expect(docs).toHaveLength(3);
    expect(docs[0]).toMatchObject({ total: 1, states: { LISTEN: 1 } });
    expect(docs[0].change).toBeUndefined();
    expect(docs[1]).toMatchObject({ total: 3, states: { ESTABLISHED: 2, LISTEN: 1 }, change: { ESTABLISHED: 2, LISTEN: 0 }, totalChange: 2 });
    expect(Date.parse(docs[2].at) - Date.parse(docs[0].at)).toBeGreaterThanOrEqual(250);
  });

  it('--watch shows a CHANGE column and stops cleanly on Ctrl-C (SIGINT), exit status 0', async () => {
    const child = spawnCommand('count', ['--watch', '100']);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('CHANGE')) child.kill('SIGINT');
    });
    const [code, signal] = await once(child, 'close');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toMatch(/refresh 1, every 100 ms\nSTATE +COUNT\n/);
    expect(out).toMatch(/refresh 2, every 100 ms\nSTATE +COUNT +CHANGE\n/);
    expect(out).toMatch(/\ntotal +\d+ +[+-]?\d+\n$/);
  });
});

describe('count rejects bad input with one line and exit status 2', () => {
  const cases: [string[], RegExp][] = [
    [['--port', 'http'], /^tcplab: expected `--port` to be a port number from 1 to 65535, got `http`$/],
    [['--port', '70000'], /^tcplab: expected `--port` to be a port number from 1 to 65535, got `70000`$/],
    [['--port'], /^tcplab: flag --port needs a value; see `tcplab count --help`$/],
    [['--frob'], /^tcplab: unknown flag --frob for `count`; see `tcplab count --help`$/],
    [['everything'], /^tcplab: `count` takes no argument `everything`; see `tcplab count --help`$/],
    [['--watch', '0'], /^tcplab: expected `--watch` to be a refresh period in whole milliseconds, got `0`$/],
    [['--count', '3'], /^tcplab: `--count` goes with `--watch MS`: the number of refreshes to print$/],
    [['--pid', String(MISSING)], new RegExp(`^tcplab: no process with pid ${MISSING}$`)],
    [['--netns', String(MISSING)], new RegExp(`^tcplab: no process with pid ${MISSING}$`)],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await count(args);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
    });
  }

  it.skipIf(!isRoot() && !STRICT)('--pid of another user\'s process, as nobody: says why and what to do', async () => {
    const r = await count(['--pid', '1'], { user: 'nobody' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('tcplab: cannot read /proc/1/fd: process 1 belongs to another user; run as root (sudo) or as its user');
  });
});
