#!/usr/bin/env node
// Captures the packet fixtures of test/fixtures/capture/: small TCP scenarios on loopback, inside
// a network namespace of their own, recorded by dumpcap and read back by tshark next to each pcap.
// Run as root: `node scripts/capture-pcap-fixtures.mjs`. Traffic and settings never leave it.

import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SELF = fileURLToPath(import.meta.url);
const OUT = join(dirname(SELF), '..', 'test', 'fixtures', 'capture');

/** Fixed ports: the namespace is fresh, so all are free. */
const PORT = {
  ipv4: 7101,
  ipv6: 7102,
  zeroWindow: 7103,
  retransmitData: 7104,
  retransmitSyn: 7105,
  keepalive: 7106,
  reset: 7107,
  resetClient: 47107,
  refused: 7108,
  sack: 7109,
  spurious: 7110,
};

/** What tshark prints for each segment; the tests read these columns by name. */
const TSHARK_FIELDS = [
  'frame.number', 'frame.time_epoch', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport',
  'tcp.stream', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.seq', 'tcp.ack', 'tcp.window_size_value',
  'tcp.window_size', 'tcp.len', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.sack_perm',
  'tcp.options.sack_le', 'tcp.options.sack_re', 'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr',
  'tcp.analysis.flags', 'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission',
  'tcp.analysis.spurious_retransmission', 'tcp.analysis.out_of_order', 'tcp.analysis.lost_segment',
  'tcp.analysis.ack_lost_segment', 'tcp.analysis.duplicate_ack', 'tcp.analysis.zero_window',
  'tcp.analysis.zero_window_probe', 'tcp.analysis.zero_window_probe_ack', 'tcp.analysis.keep_alive',
  'tcp.analysis.keep_alive_ack', 'tcp.analysis.window_update', 'tcp.analysis.window_full',
  'tcp.analysis.reused_ports',
];

const SCENARIOS = {
  'ipv4-transfer': {
    what: 'IPv4 handshake, 64 KiB client to server, client end(), server writes 4 KiB then ends',
    run: () => transfer('127.0.0.1', PORT.ipv4),
  },
  'ipv6-transfer': { what: 'the same over ::1', run: () => transfer('::1', PORT.ipv6) },
  'zero-window': {
    what: 'paused receiver; the sender fills the window and ends, its kernel probes the zero window ~2 s (Linux probes with an empty segment at snd_una - 1, which tshark calls a keep-alive), the receiver resumes',
    run: zeroWindow,
  },
  'retransmit-data': {
    what: 'nftables drops what goes to the server for 500 ms while the client sends 100 bytes: RTO retransmissions',
    run: retransmitData,
  },
  'retransmit-syn': {
    what: 'nftables drops what goes to the server for 700 ms while the client connects: the SYN is sent again after 1 s',
    run: retransmitSyn,
  },
  'sack-recovery': {
    what: 'nftables drops the first data segment only (a 1500-byte quota); ten 1000-byte writes back to back follow: a SACK, the retransmission within the first RTT (out of order to tshark)',
    run: sackRecovery,
  },
  'spurious-retransmit': {
    what: 'nftables drops what comes back from the server for 500 ms: the client retransmits data whose ACK the capture saw',
    run: spuriousRetransmit,
  },
  keepalive: {
    what: 'keepalive after 1 s idle (setKeepAlive(true, 1000), tcp_keepalive_intvl=1), idle ~3.2 s, then a normal close',
    run: keepalive,
  },
  reset: {
    what: `client from port ${PORT.resetClient} resets (resetAndDestroy) after reading; then the same 4-tuple is used again with a new ISN and closed normally`,
    run: reset,
  },
  refused: { what: 'connection refused: SYN answered by RST', run: refused },
};

const mode = process.argv[2];
if (mode === '--inside-namespace') await inside();
else await outside();

async function outside() {
  if (process.getuid?.() !== 0) {
    console.error('capture-pcap-fixtures: run as root (it needs `unshare -n`, dumpcap and nft)');
    process.exitCode = 1;
    return;
  }
  const child = spawn('unshare', ['-n', process.execPath, SELF, '--inside-namespace', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exitCode = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function inside() {
  await run('ip', ['link', 'set', 'lo', 'up']);
  await mkdir(OUT, { recursive: true });
  const only = process.argv.slice(3);
  const watchdog = setTimeout(() => {
    console.error('capture-pcap-fixtures: timed out');
    process.exit(1);
  }, 120_000);
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      if (only.length > 0 && !only.includes(name)) continue;
      await capture(name, scenario.run);
    }
    // The same packets in the other framings the reader handles.
    const source = join(OUT, 'ipv4-transfer.pcap');
    await withoutSecondDataSegment(source, join(OUT, 'lost-segment.pcap'));
    await run('editcap', [source, join(OUT, 'no-handshake.pcap'), '1-3']);
    await tsharkReading(join(OUT, 'no-handshake.pcap'));
    await run('editcap', ['-F', 'nsecpcap', source, join(OUT, 'ipv4-transfer.nsec.pcap')]);
    await run('editcap', ['-F', 'pcapng', join(OUT, 'ipv4-transfer.nsec.pcap'), join(OUT, 'ipv4-transfer.pcapng')]);
    await writeFile(join(OUT, 'README.md'), await readme());
    console.log(`capture-pcap-fixtures: wrote ${OUT}`);
  } finally {
    clearTimeout(watchdog);
    // Orphaned sockets die with the namespace, when this process exits.
    setTimeout(() => process.exit(process.exitCode ?? 0), 50);
  }
}

/** Records `scenario` with dumpcap into NAME.pcap, then writes tshark's reading as NAME.tshark.tsv. */
async function capture(name, scenario) {
  const pcap = join(OUT, `${name}.pcap`);
  await rm(pcap, { force: true });
  const dumpcap = spawn('dumpcap', ['-q', '-i', 'lo', '-f', 'tcp', '-s', '256', '-w', pcap, '-P'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  dumpcap.stderr.on('data', (d) => (stderr += d));
  const exited = once(dumpcap, 'exit');
  // dumpcap writes the 24-byte file header once it is capturing.
  for (let waited = 0; ((await stat(pcap).catch(() => undefined))?.size ?? 0) < 24; waited += 20) {
    if (waited > 10_000 || dumpcap.exitCode !== null) throw new Error(`dumpcap did not start: ${stderr}`);
    await sleep(20);
  }
  try {
    await scenario();
    // dumpcap hands packets over in blocks of up to 250 ms and drops the last one on SIGTERM.
    await sleep(400);
  } finally {
    dumpcap.kill('SIGTERM');
    await exited;
  }
  // dumpcap creates its file 0600; the tests need not run as root.
  await chmod(pcap, 0o644);
  await tsharkReading(pcap);
}

/** Writes tshark's reading of `pcap` next to it, as NAME.tshark.tsv. */
async function tsharkReading(pcap) {
  const { stdout } = await run('tshark', [
    '-r', pcap,
    '-o', 'tcp.relative_sequence_numbers:TRUE',
    '-o', 'tcp.analyze_sequence_numbers:TRUE',
    '-T', 'fields', '-E', 'header=y', '-E', 'separator=/t',
    ...TSHARK_FIELDS.flatMap((field) => ['-e', field]),
  ], { maxBuffer: 64 * 1024 * 1024 });
  await writeFile(pcap.replace(/\.pcap$/, '.tshark.tsv'), stdout);
  const { size } = await stat(pcap);
  console.log(`capture-pcap-fixtures: ${pcap}: ${stdout.trim().split('\n').length - 1} segments, ${size} bytes`);
  return stdout;
}

/** A copy of `source` without the client's second data segment, as if the capture had missed it. */
async function withoutSecondDataSegment(source, target) {
  const rows = (await readFile(source.replace(/\.pcap$/, '.tshark.tsv'), 'utf8')).trim().split('\n').map((l) => l.split('\t'));
  const [header, ...segments] = rows;
  const column = (name) => header.indexOf(name);
  const data = segments.filter((r) => r[column('tcp.dstport')] === String(PORT.ipv4) && Number(r[column('tcp.len')]) > 0);
  if (data.length < 2) throw new Error(`lost-segment: expected two client data segments in ${source}, got ${data.length}`);
  await run('editcap', [source, target, data[1][column('frame.number')]]);
  await tsharkReading(target);
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

function nextConnection(server) {
  return new Promise((resolve) => server.once('connection', resolve));
}

function closeServer(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A table dropping every TCP segment sent to `port`, as nft reads it from a file. */
function dropTo(port, rule = `tcp dport ${port} drop`) {
  return `table inet fixture {\n  chain input {\n    type filter hook input priority 0;\n    ${rule}\n  }\n}\n`;
}

/** Loads an nftables script (in this namespace: its ruleset is the namespace's own). */
async function nft(script) {
  const pending = run('nft', ['-f', '-']);
  pending.child.stdin.end(script);
  await pending;
}

async function transfer(host, port) {
  const server = await listen({ host, port, allowHalfOpen: true }, (socket) => {
    socket.resume();
    socket.on('end', () => socket.end(Buffer.alloc(4096, 'b')));
  });
  const client = await connect({ host, port });
  const closed = once(client, 'close');
  client.resume();
  client.end(Buffer.alloc(64 * 1024, 'a'));
  await closed;
  await closeServer(server);
}

async function zeroWindow() {
  const host = '127.0.0.1';
  const server = await listen({ host, port: PORT.zeroWindow, pauseOnConnect: true, allowHalfOpen: true });
  const accepted = nextConnection(server);
  const client = await connect({ host, port: PORT.zeroWindow });
  const peer = await accepted;
  // Writes until Node's own queue is not empty: the peer's window and our send buffer are full.
  const chunk = Buffer.alloc(64 * 1024, 'z');
  for (let i = 0; i < 200 && client.writableLength === 0; i++) {
    client.write(chunk);
    await sleep(5);
  }
  if (client.writableLength === 0) throw new Error('zero-window: could not fill the send buffer');
  client.end();
  // The sender's kernel probes the zero window (persist timer: 200 ms, 400 ms, 800 ms ...).
  await sleep(2200);
  const closed = once(client, 'close');
  client.resume();
  peer.on('end', () => peer.end());
  peer.resume();
  await closed;
  await closeServer(server);
}

async function retransmitData() {
  const host = '127.0.0.1';
  const port = PORT.retransmitData;
  const server = await listen({ host, port, allowHalfOpen: false }, (socket) => socket.resume());
  const client = await connect({ host, port });
  await sleep(50);
  await nft(dropTo(port));
  client.write(Buffer.alloc(100, 'r'));
  await sleep(500);
  await nft('delete table inet fixture');
  // The second retransmission (about 600 ms after the first send) gets through.
  await sleep(700);
  const closed = once(client, 'close');
  client.resume();
  client.end();
  await closed;
  await closeServer(server);
}

async function retransmitSyn() {
  const host = '127.0.0.1';
  const port = PORT.retransmitSyn;
  const server = await listen({ host, port }, (socket) => socket.resume());
  await nft(dropTo(port));
  const connecting = connect({ host, port });
  await sleep(700);
  await nft('delete table inet fixture');
  // The SYN is sent again after about 1 s.
  const client = await connecting;
  const closed = once(client, 'close');
  client.resume();
  client.end('hello');
  await closed;
  await closeServer(server);
}

async function sackRecovery() {
  const host = '127.0.0.1';
  const port = PORT.sack;
  const server = await listen({ host, port }, (socket) => socket.resume());
  const client = await connect({ host, port, noDelay: true });
  await sleep(50);
  await nft(dropTo(port, `tcp dport ${port} meta length > 500 quota until 1500 bytes drop`));
  // Back to back, one write(2) each (no Nagle): ten segments in flight at once.
  for (let i = 0; i < 10; i++) client.write(Buffer.alloc(1000, 48 + i));
  await sleep(300);
  await nft('delete table inet fixture');
  const closed = once(client, 'close');
  client.resume();
  client.end();
  await closed;
  await closeServer(server);
}

async function spuriousRetransmit() {
  const host = '127.0.0.1';
  const port = PORT.spurious;
  const server = await listen({ host, port }, (socket) => socket.resume());
  const client = await connect({ host, port });
  await sleep(50);
  await nft(dropTo(port, `tcp sport ${port} drop`));
  client.write(Buffer.alloc(100, 's'));
  await sleep(500);
  await nft('delete table inet fixture');
  await sleep(700);
  const closed = once(client, 'close');
  client.resume();
  client.end();
  await closed;
  await closeServer(server);
}

async function keepalive() {
  const host = '127.0.0.1';
  const port = PORT.keepalive;
  await run('sysctl', ['-qw', 'net.ipv4.tcp_keepalive_time=1', 'net.ipv4.tcp_keepalive_intvl=1']);
  const server = await listen({ host, port }, (socket) => socket.resume());
  const client = await connect({ host, port });
  client.setKeepAlive(true, 1000);
  client.write('before idle');
  await sleep(3200);
  const closed = once(client, 'close');
  client.resume();
  client.end('after idle');
  await closed;
  await closeServer(server);
}

async function reset() {
  const host = '127.0.0.1';
  const port = PORT.reset;
  const server = await listen({ host, port }, (socket) => socket.end('hello, then reset'));
  const first = await connect({ host, port, localAddress: host, localPort: PORT.resetClient });
  await once(first, 'data');
  const gone = once(first, 'close');
  first.resetAndDestroy();
  await gone;
  await sleep(100);
  // No TIME_WAIT after a reset: the same 4-tuple again, with a new initial sequence number.
  const second = await connect({ host, port, localAddress: host, localPort: PORT.resetClient });
  const closed = once(second, 'close');
  second.resume();
  second.end();
  await closed;
  await closeServer(server);
}

async function refused() {
  const socket = net.connect({ host: '127.0.0.1', port: PORT.refused });
  const [error] = await once(socket, 'error').catch((e) => [e]);
  if (error?.code !== 'ECONNREFUSED') throw new Error(`refused: expected ECONNREFUSED, got ${error?.code}`);
}

async function readme() {
  const { stdout: kernel } = await run('uname', ['-r']);
  const { stdout: tshark } = await run('tshark', ['--version']);
  return `# Packet fixtures

Real captures of small TCP scenarios on loopback, made by \`scripts/capture-pcap-fixtures.mjs\`
(run as root) inside a fresh network namespace (\`unshare -n\`, only \`lo\`, MTU 65536), with
\`dumpcap -q -i lo -f tcp -s 256 -w NAME.pcap -P\` (classic pcap, Ethernet link type, µs, data
segments cut at 256 bytes). Next to each pcap, \`NAME.tshark.tsv\` is tshark's own reading of it:

    tshark -r NAME.pcap -o tcp.relative_sequence_numbers:TRUE -o tcp.analyze_sequence_numbers:TRUE \\
      -T fields -E header=y -E separator=/t ${TSHARK_FIELDS.map((f) => `-e ${f}`).join(' ')}

- Captured: ${new Date().toISOString().slice(0, 10)}
- Kernel: ${kernel.trim()} (uname -r)
- ${tshark.split('\n')[0].replace(/\.$/, '')}; Node ${process.version}

| file | scenario |
|------|----------|
${Object.entries(SCENARIOS).map(([name, s]) => `| \`${name}.pcap\` | ${s.what} |`).join('\n')}
| \`ipv4-transfer.nsec.pcap\` | \`ipv4-transfer.pcap\` rewritten by \`editcap -F nsecpcap\` (nanosecond magic) |
| \`ipv4-transfer.pcapng\` | that one rewritten by \`editcap -F pcapng\` (SHB, IDB with if_tsresol 9, EPB) |
| \`no-handshake.pcap\` | \`ipv4-transfer.pcap\` without its first three frames: relative numbers and windows without the handshake |
| \`lost-segment.pcap\` | \`ipv4-transfer.pcap\` without the client's second data segment (\`editcap\` deleted it): a segment the capture missed |

Re-capture with \`sudo node scripts/capture-pcap-fixtures.mjs [name ...]\` (only the scenarios
named, if any; the files derived from \`ipv4-transfer.pcap\` are always rebuilt). The tests under
test/capture/ compare the decoder and the analysis with the tsv segment by segment, so a
re-capture needs no test changes unless tshark and tcplab disagree on the new packets, or a
timing-dependent flag is gone (sack-recovery's out-of-order needs the retransmission within the
handshake's RTT; the coverage test in analysis.test.ts lists the flags the fixtures must show).
`;
}
