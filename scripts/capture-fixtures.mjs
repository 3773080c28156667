#!/usr/bin/env node
// Captures the observer fixtures of test/fixtures/observe/: builds sockets in as many TCP states
// as it can on loopback inside a fresh network namespace, then reads /proc, ss and netstat at one
// moment. Run as root: `node scripts/capture-fixtures.mjs`. Traffic never leaves that namespace.

import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SELF = fileURLToPath(import.meta.url);
const OUT = join(dirname(SELF), '..', 'test', 'fixtures', 'observe');

/** Fixed ports: the namespace is fresh, so all are free. */
const PORT = {
  v4: 7010,
  v6: 7020,
  dual: 7030,
  v6only: 7031,
  any4: 7032,
  mapped: 7033,
  halfClose: 7040,
  timeWait4: 7050,
  timeWait6: 7051,
  finWait1: 7060,
  closing: 7065,
  lastAck: 7070,
  synSent: 7080,
  keepalive: 7090,
  synRecv: 7095,
};

const CAPTURES = {
  'proc-net-tcp': ['cat', ['/proc/net/tcp']],
  'proc-net-tcp6': ['cat', ['/proc/net/tcp6']],
  'ss-tanoH': ['ss', ['-tanoH']],
  'ss-tanH': ['ss', ['-tanH']],
  'netstat-tanoW': ['netstat', ['-tanoW']],
};

const mode = process.argv[2];
if (mode === '--blocked-listener') blockedListener();
else if (mode === '--inside-namespace') await inside();
else await outside();

async function outside() {
  if (process.getuid?.() !== 0) {
    console.error('capture-fixtures: run as root (it needs `unshare -n`)');
    process.exitCode = 1;
    return;
  }
  const child = spawn('unshare', ['-n', process.execPath, SELF, '--inside-namespace'], { stdio: 'inherit' });
  process.exitCode = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

/** A listener with backlog 1 that never accepts: its event loop is blocked. */
function blockedListener() {
  const server = net.createServer();
  server.listen({ port: PORT.synSent, host: '127.0.0.1', backlog: 1 }, () => {
    process.stdout.write('listening\n', () => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
      process.exit(0);
    });
  });
}

function listen(options, onConnection) {
  const server = net.createServer(options, onConnection ?? (() => {}));
  server.on('connection', (socket) => socket.on('error', () => {}));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => resolve(server));
  });
}

function connect(options) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options, () => {
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Writes until Node's own queue is not empty: the peer's window and our send buffer are full. */
async function fillUntilBlocked(socket) {
  const chunk = Buffer.alloc(256 * 1024);
  for (let i = 0; i < 1000 && socket.writableLength === 0; i++) {
    socket.write(chunk);
    await sleep(1);
  }
  if (socket.writableLength === 0) throw new Error('could not fill the send buffer');
}

/** Resolves with the first socket the server accepts. */
function nextConnection(server) {
  return new Promise((resolve) => server.once('connection', resolve));
}

async function inside() {
  await run('ip', ['link', 'set', 'lo', 'up']);
  const children = [];
  const keep = [];
  const watchdog = setTimeout(() => {
    console.error('capture-fixtures: timed out');
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  }, 60_000);
  try {
    // LISTEN, in each address spelling.
    keep.push(await listen({ port: PORT.v4, host: '127.0.0.1' }));
    keep.push(await listen({ port: PORT.v6, host: '::1' }));
    const dual = await listen({ port: PORT.dual, host: '::' });
    keep.push(dual);
    keep.push(await listen({ port: PORT.v6only, host: '::', ipv6Only: true }));
    keep.push(await listen({ port: PORT.any4, host: '0.0.0.0' }));
    keep.push(await listen({ port: PORT.mapped, host: '::ffff:127.0.0.1' }));

    // ESTABLISHED over IPv4, IPv6 and v4-mapped IPv6.
    keep.push(await connect({ port: PORT.v4, host: '127.0.0.1' }));
    keep.push(await connect({ port: PORT.v6, host: '::1' }));
    keep.push(await connect({ port: PORT.dual, host: '::ffff:127.0.0.1' }));
    keep.push(await connect({ port: PORT.mapped, host: '::ffff:127.0.0.1' }));

    // ESTABLISHED with a keepalive timer.
    keep.push(await listen({ port: PORT.keepalive, host: '127.0.0.1' }));
    const kept = await connect({ port: PORT.keepalive, host: '127.0.0.1' });
    kept.setKeepAlive(true, 60_000);
    keep.push(kept);

    // CLOSE_WAIT (server, half-open, never ends) and FIN_WAIT2 (client ended).
    keep.push(await listen({ port: PORT.halfClose, host: '127.0.0.1', allowHalfOpen: true }));
    const halfClosed = await connect({ port: PORT.halfClose, host: '127.0.0.1' });
    halfClosed.end();
    keep.push(halfClosed);

    // TIME_WAIT on the client, which closes first, over IPv4 and IPv6.
    for (const [port, host] of [[PORT.timeWait4, '127.0.0.1'], [PORT.timeWait6, '::1']]) {
      keep.push(await listen({ port, host }));
      const client = await connect({ port, host });
      const closed = new Promise((resolve) => client.once('close', resolve));
      client.resume();
      client.end();
      await closed;
    }

    // FIN_WAIT1 with a persist timer: the peer reads nothing, the writer is destroyed.
    const finWait1Server = await listen({ port: PORT.finWait1, host: '127.0.0.1', pauseOnConnect: true });
    keep.push(finWait1Server);
    const finWait1Accepted = nextConnection(finWait1Server);
    const writer = await connect({ port: PORT.finWait1, host: '127.0.0.1' });
    keep.push(await finWait1Accepted);
    await fillUntilBlocked(writer);
    writer.destroy();

    // CLOSING: the same hold, then the reading side sends its FIN too.
    const closingServer = await listen({ port: PORT.closing, host: '127.0.0.1', pauseOnConnect: true });
    keep.push(closingServer);
    const closingAccepted = nextConnection(closingServer);
    const closer = await connect({ port: PORT.closing, host: '127.0.0.1' });
    const closingPeer = await closingAccepted;
    keep.push(closingPeer);
    await fillUntilBlocked(closer);
    closer.destroy();
    await sleep(50);
    closingPeer.end();

    // LAST_ACK with a persist timer: the client ends and reads nothing, the server fills and
    // is destroyed from CLOSE_WAIT.
    const lastAckServer = await listen({ port: PORT.lastAck, host: '127.0.0.1', allowHalfOpen: true });
    keep.push(lastAckServer);
    const lastAckAccepted = nextConnection(lastAckServer);
    const ender = await connect({ port: PORT.lastAck, host: '127.0.0.1', allowHalfOpen: true });
    ender.pause();
    keep.push(ender);
    const lastAckPeer = await lastAckAccepted;
    const peerEnded = new Promise((resolve) => lastAckPeer.once('end', resolve));
    lastAckPeer.resume();
    ender.end();
    await peerEnded;
    await fillUntilBlocked(lastAckPeer);
    lastAckPeer.destroy();

    // SYN_RECV: with the client's bare ACK dropped, the server's request socket waits.
    if (await hasNft()) {
      const rules = [
        'add table inet lab',
        'add chain inet lab input { type filter hook input priority 0 ; }',
        `add rule inet lab input tcp dport ${PORT.synRecv} tcp flags & (syn|ack|fin|rst) == ack drop`,
      ];
      for (const rule of rules) await run('nft', rule.split(' '));
      keep.push(await listen({ port: PORT.synRecv, host: '127.0.0.1' }));
      keep.push(await connect({ port: PORT.synRecv, host: '127.0.0.1' }));
    } else {
      console.error('capture-fixtures: no `nft`, no SYN_RECV socket in the fixtures');
    }

    // SYN_SENT: a listener that never accepts, backlog 1, so its accept queue holds 2.
    const listener = spawn(process.execPath, [SELF, '--blocked-listener'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(listener);
    await new Promise((resolve, reject) => {
      listener.stdout.once('data', resolve);
      listener.once('exit', () => reject(new Error('blocked listener exited')));
    });
    for (let i = 0; i < 2; i++) keep.push(await connect({ port: PORT.synSent, host: '127.0.0.1' }));
    for (let i = 0; i < 2; i++) {
      const pending = net.connect({ port: PORT.synSent, host: '127.0.0.1' });
      pending.on('error', () => {});
      keep.push(pending);
      await sleep(20);
    }
    // The first SYN retransmission happens after about 1 s.
    await sleep(1500);

    const outputs = await Promise.all(
      Object.values(CAPTURES).map(([file, args]) => run(file, args, { env: { ...process.env, LC_ALL: 'C' } })),
    );
    await mkdir(OUT, { recursive: true });
    const names = Object.keys(CAPTURES);
    for (let i = 0; i < names.length; i++) await writeFile(join(OUT, `${names[i]}.txt`), outputs[i].stdout);
    await writeFile(join(OUT, 'README.md'), await readme());
    console.log(`capture-fixtures: wrote ${names.length} captures to ${OUT}`);
  } finally {
    clearTimeout(watchdog);
    for (const item of keep) item.destroy?.() ?? item.close?.();
    for (const child of children) child.kill('SIGKILL');
    // Orphaned sockets die with the namespace, when this process exits.
    setTimeout(() => process.exit(process.exitCode ?? 0), 50);
  }
}

async function hasNft() {
  try {
    await run('nft', ['--version']);
    return true;
  } catch {
    return false;
  }
}

async function readme() {
  const { stdout: kernel } = await run('uname', ['-r']);
  const { stdout: ss } = await run('ss', ['-V']);
  const { stdout: netstat } = await run('netstat', ['-V']);
  return `# Observer fixtures

Real output of the socket-table tools, all five captured at one moment (started concurrently)
by \`scripts/capture-fixtures.mjs\`, run as root, inside a fresh network namespace
(\`unshare -n\`, only \`lo\`, so only the lab's sockets appear).

- Captured: ${new Date().toISOString().slice(0, 10)}
- Kernel: ${kernel.trim()} (uname -r)
- ${ss.trim()}; ${netstat.trim().split('\n')[0]}; Node ${process.version}

| file | command |
|------|---------|
${Object.entries(CAPTURES).map(([name, [file, args]]) => `| \`${name}.txt\` | \`${[file, ...args].join(' ')}\` |`).join('\n')}

Sockets, by server port (clients use ephemeral ports):

| port | what |
|------|------|
| ${PORT.v4} | LISTEN 127.0.0.1, ESTABLISHED IPv4 pair |
| ${PORT.v6} | LISTEN ::1, ESTABLISHED IPv6 pair |
| ${PORT.dual} | LISTEN :: (dual-stack: ss \`*\`), ESTABLISHED v4-mapped pair (client to ::ffff:127.0.0.1) |
| ${PORT.v6only} | LISTEN :: with ipv6Only (ss \`[::]\`) |
| ${PORT.any4} | LISTEN 0.0.0.0 |
| ${PORT.mapped} | LISTEN ::ffff:127.0.0.1, ESTABLISHED v4-mapped pair |
| ${PORT.halfClose} | CLOSE_WAIT (server, allowHalfOpen, never ends) and FIN_WAIT2 (client called end()) |
| ${PORT.timeWait4} | TIME_WAIT over IPv4 (client closed first) |
| ${PORT.timeWait6} | TIME_WAIT over IPv6 |
| ${PORT.finWait1} | FIN_WAIT1 with a persist timer (orphaned writer), peer paused ESTABLISHED with a full Recv-Q |
| ${PORT.closing} | CLOSING (same hold, then the paused peer ended: FIN_WAIT2) |
| ${PORT.lastAck} | LAST_ACK with a persist timer (server destroyed in CLOSE_WAIT), client FIN_WAIT2 paused |
| ${PORT.synSent} | LISTEN backlog 1 in a blocked child: 2 ESTABLISHED in its accept queue, 2 clients SYN_SENT with a retransmit timer |
| ${PORT.keepalive} | ESTABLISHED, client with keepalive (60 s) |
| ${PORT.synRecv} | SYN_RECV (nftables drops the client's bare ACK); client ESTABLISHED |

Spellings these captures show (the parsers translate them to Node's spelling):

- ss prints the IPv6 wildcard of a dual-stack socket as \`*\` (\`*:7030\`, peer \`*:*\`) and that of
  a v6-only one as \`[::]\`; binding a specific IPv6 address makes a socket v6-only, so the
  peer of the \`[::1]:7020\` listener is \`[::]:*\`. /proc and netstat show both as \`::\`.
- netstat prints v4-mapped addresses of tcp6 sockets as plain IPv4 (\`tcp6 ... 127.0.0.1:7033\`):
  only the \`tcp6\` column tells them from IPv4 sockets.
- iproute2 before 6.11 prints seconds-and-ms timers as \`1.348ms\`, meaning 1.348 s.
- The SYN_RECV socket needs \`nft\` (Debian's nftables) inside the namespace; without it the
  script skips that socket.

Re-capture with \`sudo node scripts/capture-fixtures.mjs\`. The tests under test/observe/ assert
concrete values of this capture (counts, queue sizes, timer values): update them after a
re-capture.
`;
}
