#!/usr/bin/env zx
// Measures `tcplab count` side by side with `ss -tan | awk ...` and the seed's `netstat -n | awk ...`
// at 1k, 10k and 100k sockets: the CLI's wall time (what a user waits for, Node's start-up
// included), the in-process count alone, and `cat /proc/net/tcp{,6}` as the kernel's floor.
// Run `npm run build` first, then `npx zx scripts/bench-count.mjs [--sizes=1000,10000,100000]
// [--runs=11] [--json]` as root or as a user allowed `unshare -rn`. Each size runs in a fresh network
// namespace made here (with a private established-hash table sized for it, set in an intermediate
// namespace: KERNEL-NOTES.md), never on the host's table: 90% TIME_WAIT (no fd; half IPv4, half
// IPv6) and the rest ESTABLISHED pairs held by child processes (the fd limit is 20000 each). TIME_WAIT
// lasts 60 s, so each size is measured right after it is built, the tools taking turns.
// `--capture=DIR` instead writes, from 23k sockets, the lines of /proc/net/tcp and tcp6 around
// the 10 000th (where the `sl` column widens) into DIR: test/fixtures/inventory.

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { $ } from 'zx';

$.verbose = false;
const SELF = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SELF), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const SS_AWK = `ss -tan | awk 'NR>1 {++S[$1]} END {for(a in S) print a, S[a]}'`;
const NETSTAT_AWK = `netstat -n | awk '/^tcp/ {++S[$NF]} END {for(a in S) print a, S[a]}'`;
const CAT = 'cat /proc/net/tcp /proc/net/tcp6 > /dev/null';
const HOLD_PER_PROCESS = 8000;
const TOOL_ENV = { ...process.env, LC_ALL: 'C' };

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const inner = arg('inner');

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'inventory', 'census.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const capture = arg('capture');
  const sizes = capture ? [23_000] : arg('sizes', '1000,10000,100000').split(',').map(Number);
  const runs = Number(arg('runs', '11'));
  const results = [];
  for (const size of sizes) {
    console.error(`bench-count: ${size} sockets ...`);
    results.push(await insideNamespace(size, runs, capture));
  }
  if (capture) return 0;
  const doc = { machine: { cores: os.availableParallelism(), kernel: os.release(), node: process.version, loadAverage: os.loadavg().map(round) }, runs, results };
  console.log(process.argv.includes('--json') ? JSON.stringify(doc, null, 2) : table(doc));
  return 0;
}

/** Re-runs this script with `--inner=SIZE` inside a fresh namespace with a private hash. */
async function insideNamespace(size, runs, capture) {
  let buckets = 1024;
  while (buckets < size) buckets *= 2;
  const outer = process.getuid() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const script = `echo ${buckets} > /proc/sys/net/ipv4/tcp_child_ehash_entries && exec unshare --net -- "$@"`;
  const args = [...outer, '--', 'sh', '-c', script, 'bench', process.execPath, SELF, `--inner=${size}`, `--runs=${runs}`, ...(capture ? [`--capture=${capture}`] : [])];
  const r = await $({ cwd: ROOT, nothrow: true, quiet: true })`unshare ${args}`;
  // The inner run said what went wrong on stderr, in one line.
  if (r.exitCode !== 0) throw Object.assign(new Error(r.stderr.trim() || `exit status ${r.exitCode}`), { said: true });
  return capture ? undefined : JSON.parse(r.stdout);
}

// ---- inside the namespace ---------------------------------------------------------------

function sysctl(key, value) {
  writeFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, `${value}\n`);
}

async function listen(host) {
  const server = net.createServer((socket) => socket.resume());
  server.listen({ host, port: 0, backlog: 4096 });
  await once(server, 'listening');
  return server;
}

/** `n` connections closed by their client: n TIME_WAIT, spread over the listeners' ports. */
async function timeWaits(servers, n) {
  let started = 0;
  const one = (server) => new Promise((resolve, reject) => {
    const { address, port } = server.address();
    const socket = net.connect({ host: address, port }, () => socket.end());
    socket.resume();
    socket.once('error', reject);
    socket.once('close', resolve);
  });
  await Promise.all(Array.from({ length: 256 }, async () => {
    while (started < n) await one(servers[started++ % servers.length]);
  }));
}

// A child process that opens COUNT connections to its own listener and keeps both ends open.
const HOLDER = `
const net = require('node:net');
const count = Number(process.argv[1]);
const kept = [];
const server = net.createServer((s) => kept.push(s.pause())).listen(0, '127.0.0.1', async () => {
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, () => new Promise((ok) => kept.push(net.connect(server.address().port, '127.0.0.1', ok)))));
  }
  process.stdout.write('ready\\n');
});`;

async function holders(connections) {
  const children = [];
  for (let left = connections; left > 0; left -= HOLD_PER_PROCESS) {
    const child = spawn(process.execPath, ['-e', HOLDER, String(Math.min(left, HOLD_PER_PROCESS))], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await once(child.stdout, 'data');
  }
  return children;
}

function timed(command) {
  const t = performance.now();
  const out = execFileSync(command[0], command.slice(1), { encoding: 'latin1', env: TOOL_ENV, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ms: performance.now() - t, out };
}

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { medianMs: round(s[Math.floor(s.length / 2)]), minMs: round(s[0]), maxMs: round(s.at(-1)) };
}

const round = (v) => Math.round(v * 10) / 10;

/** `NAME count` lines of the awk one-liners, translated to canonical names. */
function awkCounts(text, translate) {
  const out = {};
  for (const line of text.trim().split('\n').filter(Boolean)) {
    const [name, n] = line.split(' ');
    out[translate(name) ?? name] = Number(n);
  }
  return out;
}

async function measureInside(size, capture) {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  sysctl('net.ipv4.tcp_max_tw_buckets', 2 * size + 1000);
  sysctl('net.ipv4.ip_local_port_range', '1024 65535');
  sysctl('net.ipv4.tcp_tw_reuse', 0);
  const lib = await import(pathToFileURL(join(ROOT, 'dist', 'inventory', 'census.js')).href);
  const states = await import(pathToFileURL(join(ROOT, 'dist', 'states.js')).href);
  const servers = [];
  for (const host of ['127.0.0.1', '::1']) for (let i = 0; i < 4; i++) servers.push(await listen(host));
  const tw = Math.round(size * 0.9);
  const children = await holders(Math.floor((size - tw - servers.length) / 2));
  const built = performance.now();
  await timeWaits(servers, tw);
  try {
    const counts = await lib.countSockets();
    if (capture) return writeCapture(capture);
    const runs = Number(arg('runs', '11'));
    const cliCommand = [process.execPath, CLI, 'count', '--json'];
    let cli;
    try {
      cli = JSON.parse(timed(cliCommand).out);
    } catch (error) {
      throw new Error(`\`node dist/cli/main.js count --json\` failed (is \`count\` routed in main.ts?): ${String(error.stderr || error.message).trim()}`);
    }
    const first = { cli, ss: timed(['sh', '-c', SS_AWK]).out, netstat: timed(['sh', '-c', NETSTAT_AWK]).out };
    // The entry function alone, without main.js's other imports: what a thin main.js would cost.
    const entryCommand = [process.execPath, '-e', `import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'cli', 'count.js')).href)}).then((m) => m.countCommand([]))`];
    const ms = { cli: [], entry: [], node: [], ssAwk: [], netstatAwk: [], cat: [], inProcess: [] };
    for (let i = 0; i < runs; i++) {
      ms.cli.push(timed(cliCommand).ms);
      ms.entry.push(timed(entryCommand).ms);
      ms.node.push(timed([process.execPath, '-e', '0']).ms);
      ms.ssAwk.push(timed(['sh', '-c', SS_AWK]).ms);
      ms.netstatAwk.push(timed(['sh', '-c', NETSTAT_AWK]).ms);
      ms.cat.push(timed(['sh', '-c', CAT]).ms);
      const t = performance.now();
      await lib.countSockets();
      ms.inProcess.push(performance.now() - t);
    }
    // TIME_WAIT made first expires 60 s after: a slow run sees the table shrink.
    const endTotal = lib.totalOf(await lib.countSockets());
    const ss = awkCounts(first.ss, states.stateFromSs);
    const netstat = awkCounts(first.netstat, states.stateFromNetstat);
    const byState = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
    // netstat without -a leaves listeners out.
    const same = (a, b, skip = '') => {
      const key = (c) => JSON.stringify(Object.entries(c).filter(([s, n]) => s !== skip && n > 0).sort());
      return key(a) === key(b);
    };
    console.log(JSON.stringify({
      sockets: lib.totalOf(counts), byState, ehashBuckets: Number(readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'latin1')),
      secondsSinceBuilt: round((performance.now() - built) / 1000), endTotal,
      agree: { ss: same(ss, first.cli.states), netstat: same(netstat, first.cli.states, 'LISTEN') },
      ms: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, stats(v)])),
    }));
    return 0;
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

/** Header, first 3 lines and the lines around the 10 000th of each table file. */
function writeCapture(dir) {
  for (const file of ['tcp', 'tcp6']) {
    const lines = readFileSync(`/proc/net/${file}`, 'latin1').split('\n');
    const keep = [...lines.slice(0, 4), ...lines.slice(9_997, 10_004)];
    writeFileSync(join(dir, `proc-net-${file}-wide.txt`), keep.join('\n') + '\n');
  }
  return 0;
}

function table(doc) {
  const cell = (s) => `${s.medianMs} ms`;
  const lines = [
    `${doc.machine.cores} cores, Linux ${doc.machine.kernel}, Node ${doc.machine.node}, load average ${doc.machine.loadAverage.join(' ')} at the end; median of ${doc.runs} runs (min-max in --json)`,
    '',
    '| sockets | `tcplab count` | in-process count | `ss -tan \\| awk` | `netstat -n \\| awk` | `cat /proc/net/tcp{,6}` |',
    '|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of doc.results) {
    lines.push(`| ${r.sockets.toLocaleString('en')} | ${cell(r.ms.cli)} | ${cell(r.ms.inProcess)} | ${cell(r.ms.ssAwk)} | ${cell(r.ms.netstatAwk)} | ${cell(r.ms.cat)} |`);
  }
  const at = (k) => doc.results.map((r) => r.ms[k].medianMs).join(', ');
  lines.push('', `Node's start-up alone (\`node -e 0\`): ${at('node')} ms; the count entry function without main.js's other imports: ${at('entry')} ms.`);
  const shrunk = doc.results.filter((r) => r.endTotal !== r.sockets).map((r) => `${r.sockets} -> ${r.endTotal}`);
  if (shrunk.length) lines.push(`the table changed during the run (TIME_WAIT expiring; rerun on a quieter machine): ${shrunk.join(', ')}`);
  const disagree = doc.results.filter((r) => !r.agree.ss || !r.agree.netstat).map((r) => r.sockets);
  lines.push('', disagree.length ? `counts differ from ss or netstat at: ${disagree.join(', ')}` : 'the three tools gave the same counts at every size');
  return lines.join('\n');
}

// Last, once every constant above is initialized. The inner run exits explicitly: its servers
// would keep it alive.
const code = await (inner ? measureInside(Number(inner), arg('capture')) : main()).catch((error) => {
  console.error(error.said ? error.message : `bench-count${inner ? ` (${inner} sockets)` : ''}: ${error.message}`);
  return 1;
});
if (inner) process.exit(code);
process.exitCode = code;
