// `tcplab watch` run as a user would: a child process watching a port while the test opens and
// closes real connections on it; as root from the kernel's trace, as nobody by polling /proc.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI, isRoot, ROOT, STRICT, tcplab } from '../helpers.js';

interface Line { from: string; to: string; local: string; remote: string; msInFrom: number | null; pid: number | null }

/** Starts `watch --port P --json`, waits for it to say it is watching, runs `act`, stops it with SIGINT. */
async function watchWhile(port: number, act: () => Promise<void>, user?: string) {
  const args = [CLI, 'watch', '--port', String(port), '--json'];
  const child = user ? spawn('runuser', ['-u', user, '--', process.execPath, ...args], { cwd: ROOT }) : spawn(process.execPath, args, { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('watching')) resolve();
    });
    child.on('close', () => reject(new Error(`watch exited early: ${err}`)));
  });
  await act();
  // Wait (10 s at most) until the last expected line arrived, the listener's close, then stop.
  const deadline = Date.now() + 10_000;
  await new Promise<void>((resolve) => {
    const check = () => (out.includes('"from":"LISTEN","to":"CLOSED"') || Date.now() > deadline ? resolve() : setTimeout(check, 20));
    check();
  });
  const code = new Promise<number | null>((resolve) => child.on('close', resolve));
  // runuser does not pass SIGINT on: signal the whole group of the watch.
  if (user) spawn('pkill', ['-INT', '-f', `watch --port ${port} --json`]);
  else child.kill('SIGINT');
  return { code: await code, lines: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), err };
}

/** A server that closes after the client's FIN; one client that connects and ends. */
async function dialogue(port: number): Promise<void> {
  const server = net.createServer({ allowHalfOpen: true }, (c) => c.on('end', () => c.end()));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.end());
    c.on('close', () => resolve());
    c.resume();
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('tcplab watch', () => {
  it.skipIf(!isRoot() && !STRICT)('streams every transition of a port from the kernel\'s trace, with ms in the old state', async () => {
    const port = await freePort();
    const { code, lines, err } = await watchWhile(port, () => dialogue(port));
    expect(code).toBe(0);
    expect(err).toMatch(/through the kernel's trace/);
    const client = lines.filter((l) => l.remote === `127.0.0.1:${port}`).map((l) => `${l.from}>${l.to}`);
    expect(client).toEqual(['SYN_SENT>ESTABLISHED', 'ESTABLISHED>FIN_WAIT1', 'FIN_WAIT1>FIN_WAIT2', 'FIN_WAIT2>TIME_WAIT']);
    const server = lines.filter((l) => l.local === `127.0.0.1:${port}` && l.remote !== '0.0.0.0:0').map((l) => `${l.from}>${l.to}`);
    expect(server).toEqual(['LISTEN>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>CLOSE_WAIT', 'CLOSE_WAIT>LAST_ACK', 'LAST_ACK>CLOSED']);
    expect(lines.find((l) => l.from === 'ESTABLISHED' && l.to === 'FIN_WAIT1')!.msInFrom).toBeGreaterThanOrEqual(0);
    expect(err).toMatch(/transitions in .* \(trace\); into /);
  });

  it.skipIf(!isRoot() && !STRICT)('falls back to polling /proc as an ordinary user, and says so', async () => {
    const port = await freePort();
    const server = net.createServer();
    const { code, lines, err } = await watchWhile(port, async () => {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      // Held long enough for a 10 ms poll to see it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }, 'nobody');
    expect(code).toBe(0);
    expect(err).toMatch(/polling \/proc every 10 ms/);
    expect(lines.map((l) => `${l.from}>${l.to}`)).toEqual(['CLOSED>LISTEN', 'LISTEN>CLOSED']);
  });

  it.skipIf(!isRoot() && !STRICT)('follows a process by --pid, and writes CSV in tcpstates\' column order', async () => {
    // A server in a process of its own: its listener's port is what --pid follows.
    const server = spawn(process.execPath, ['-e', `
      const net = require('node:net');
      const s = net.createServer({ allowHalfOpen: true }, (c) => c.on('end', () => c.end()));
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));
      process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
      const child = spawn(process.execPath, [CLI, 'watch', '--pid', String(server.pid), '--csv'], { cwd: ROOT });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      await new Promise<void>((resolve) => child.stderr.on('data', (d) => { err += d; if (err.includes('watching')) resolve(); }));
      await new Promise<void>((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => c.end());
        c.resume();
        c.on('close', () => resolve());
      });
      const deadline = Date.now() + 5000;
      while (!out.includes('LAST_ACK,CLOSED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const code = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      expect(await code).toBe(0);
      const rows = out.trim().split('\n');
      expect(rows[0]).toBe('TIME(s),PID,COMM,LOCAL,REMOTE,OLDSTATE,NEWSTATE,MS');
      const serverSide = rows.slice(1).map((r) => r.split(',')).filter((c) => c[3] === `127.0.0.1:${port}`).map((c) => `${c[5]}>${c[6]}`);
      expect(serverSide).toEqual(['LISTEN>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>CLOSE_WAIT', 'CLOSE_WAIT>LAST_ACK', 'LAST_ACK>CLOSED']);
    } finally {
      server.kill();
    }
  });

  it('exits 1 when nothing moved, and 2 on bad input', async () => {
    const port = await freePort();
    expect((await tcplab(['watch', '--port', String(port), '--duration', '0.3', '--json'])).code).toBe(1);
    const bad = await tcplab(['watch', '--port', '99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('tcplab: expected `--port` to be an integer from 1 to 65535, got `99999`');
    expect((await tcplab(['watch'])).stderr.trim()).toBe('tcplab: watch needs exactly one of --port P, --pid N or --all');
  });
});
