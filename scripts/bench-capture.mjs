#!/usr/bin/env zx
// What capturing every segment costs, and why tcplab captures the way it does.
// 1. The ways to capture on Linux, side by side in one fresh network namespace on the same load
//    (N short connections, 1 KiB each way): dumpcap reading netfilter's log (NFLOG, tcplab's way),
//    dumpcap and tcpdump on `lo` (a packet socket). For each: packets, drops, CPU of the capture
//    process per 1,000 segments, and the delay from a packet's sending to its arrival on the pipe
//    (median of 50 sync packets: what a verdict waits for).
// 2. tcplab itself: `run --all` and the tour with and without the capture, in turns; the
//    10,000-connection lab captured (packets, drops, dumpcap's and the lab's CPU).
// `npx zx scripts/bench-capture.mjs [--connections=2000] [--rounds=2] [--json]` after `npm run build`.

import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';

$.verbose = false;
const SELF = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SELF), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const connections = Number(arg('connections', '2000'));
const rounds = Number(arg('rounds', '2'));
const isRoot = process.getuid() === 0;
const round = (v, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!Number.isInteger(connections) || connections < 1 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('Expected `--connections` and `--rounds` to be positive whole numbers');
  process.exit(2);
}

/** CPU time (user + system, ms) of a live process. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A capture program writing pcap to a pipe: counts records and finds sync packets (UDP to port 9). */
function startCapture(method) {
  const [program, args] = {
    'dumpcap nflog': ['dumpcap', ['-q', '-i', 'nflog:7', '-s', '160', '-B', '16', '-w', '-', '-P']],
    'dumpcap lo': ['dumpcap', ['-q', '-i', 'lo', '-f', 'tcp or udp port 9', '-s', '160', '-B', '16', '-w', '-', '-P']],
    'tcpdump lo': ['tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-s', '160', '-B', '16384', '-w', '-', 'tcp or udp port 9']],
  }[method];
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = Buffer.alloc(0);
  let header = false;
  let tcp = 0;
  let stderr = '';
  const waiting = new Map();
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    let off = 0;
    if (!header && buf.length >= 24) {
      header = true;
      off = 24;
    }
    const link = header ? buf.length >= 24 && method === 'dumpcap nflog' ? 239 : 1 : 0;
    while (header && buf.length - off >= 16) {
      const cap = buf.readUInt32LE(off + 8);
      if (buf.length - off < 16 + cap) break;
      const rec = buf.subarray(off + 16, off + 16 + cap);
      const text = rec.toString('latin1');
      const m = /bench-sync (\d+)/.exec(text);
      if (m) waiting.get(m[1])?.();
      else tcp += 1;
      void link;
      off += 16 + cap;
    }
    buf = buf.subarray(off);
  });
  const ready = new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (header) (clearInterval(t), resolve());
    }, 1);
    child.on('error', reject);
  });
  return {
    ready,
    get tcp() {
      return tcp;
    },
    pid: child.pid,
    /** Sends one sync packet and resolves with the ms until it came out of the pipe. */
    async sync(id) {
      const sock = dgram.createSocket('udp4');
      const start = performance.now();
      const arrived = new Promise((resolve) => waiting.set(String(id), resolve));
      sock.send(`bench-sync ${id}`, 9, '127.0.0.1');
      await arrived;
      sock.close();
      return performance.now() - start;
    },
    async stop() {
      const cpu = cpuMs(child.pid);
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('close', resolve));
      const drops = /dropped on interface '.*?':\s*\d+\/(\d+)/.exec(stderr)?.[1] ?? /(\d+) packets dropped by kernel/.exec(stderr)?.[1] ?? '?';
      return { cpuMs: cpu, dropped: drops };
    },
  };
}

/** N connections through lo, 50 at a time: connect, 1 KiB each way, end. */
async function load(n) {
  const server = net.createServer((c) => {
    c.on('data', () => {});
    c.end(Buffer.alloc(1024, 1));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => c.end(Buffer.alloc(1024, 2)));
      c.on('data', () => {});
      c.on('close', resolve);
      c.on('error', reject);
    })));
  }
  server.close();
}

/** Inside a fresh namespace: each method on the same load, one after the other. */
async function inner() {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('nft', ['-f', '-'], { input: 'table inet bench {\n chain pre {\n  type filter hook prerouting priority -400;\n  meta l4proto tcp log group 7 snaplen 160 queue-threshold 1\n  udp dport 9 log group 7 queue-threshold 1\n }\n}\n' });
  const methods = ['dumpcap nflog', 'dumpcap lo', ...(isRoot ? ['tcpdump lo'] : [])];
  const out = [];
  for (const method of methods) {
    const c = startCapture(method);
    const t0 = performance.now();
    await c.ready;
    const startMs = performance.now() - t0;
    const loadStart = performance.now();
    await load(connections);
    const loadMs = performance.now() - loadStart;
    const delays = [];
    for (let i = 0; i < 50; i += 1) delays.push(await c.sync(i));
    const { cpuMs: cpu, dropped } = await c.stop();
    out.push({ method, startMs: round(startMs), loadMs: round(loadMs), segments: c.tcp, dropped, cpuMs: round(cpu), cpuMsPer1000: round((cpu / c.tcp) * 1000, 2), syncDelayMs: round(median(delays), 2), syncDelayMaxMs: round(Math.max(...delays), 2) });
  }
  process.stdout.write(JSON.stringify(out));
}

/** Wall time of one tcplab command, in s. */
async function timed(args) {
  const t = performance.now();
  const r = await $({ cwd: ROOT, nothrow: true, quiet: true })`${process.execPath} ${CLI} ${args}`;
  return { s: (performance.now() - t) / 1000, code: r.exitCode, stdout: r.stdout };
}

async function main() {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first');
  console.error('bench-capture: the capture methods, in a fresh namespace ...');
  const outer = isRoot ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const methods = JSON.parse((await $({ quiet: true })`unshare ${outer} -- ${process.execPath} ${SELF} --inner --connections=${connections}`).stdout);

  // Without a capture the labs that need one are skipped: the cost is measured on the others,
  // the same list both ways; the packet labs' own time is reported apart.
  console.error('bench-capture: which labs run without a capture ...');
  const probe = JSON.parse((await timed(['run', '--all', '--no-capture', '--json'])).stdout).labs;
  const packetLabs = probe.filter((l) => l.status === 'skipped').map((l) => l.name);
  const both = probe.filter((l) => l.status !== 'skipped').map((l) => l.name);
  const runs = { both: { capture: [], none: [] }, tour: { capture: [], none: [] } };
  for (let r = 0; r < rounds; r += 1) {
    for (const mode of r % 2 === 0 ? ['capture', 'none'] : ['none', 'capture']) {
      console.error(`bench-capture: ${both.length} labs and the tour, ${mode === 'none' ? 'without' : 'with'} capture (round ${r + 1}) ...`);
      const flag = mode === 'none' ? ['--no-capture'] : [];
      const all = await timed(['run', ...both, ...flag, '--reporter', 'json']);
      if (all.code !== 0) throw new Error(`run failed (${mode}): ${all.stdout.slice(0, 300)}`);
      runs.both[mode].push(all.s);
      const tour = await timed(['tour', ...flag]);
      if (tour.code !== 0) throw new Error(`the tour failed (${mode})`);
      runs.tour[mode].push(tour.s);
    }
  }
  const packetRun = await timed(['run', ...packetLabs, '--json']);
  const packetLabsS = round(packetRun.s);
  console.error('bench-capture: the 10,000-connection lab, captured and not ...');
  const tenK = {};
  for (const mode of ['capture', 'none']) {
    const r = await timed(['run', 'test/fixtures/labs/ten-thousand.lab.ts', '--observer', isRoot ? 'trace' : 'proc', '--json', ...(mode === 'none' ? ['--no-capture'] : [])]);
    const lab = JSON.parse(r.stdout).labs[0];
    const cpu = (name) => lab.resources?.find((x) => x.name === name)?.cpuMs;
    tenK[mode] = { wallS: round(r.s), labMs: round(lab.durationMs), segments: lab.capture?.packets, dropped: lab.capture?.dropped, dumpcapCpuMs: cpu('dumpcap'), labCpuMs: cpu('lab'), status: lab.status };
  }
  const doc = {
    machine: { cores: os.availableParallelism(), kernel: os.release(), node: process.version, user: isRoot ? 'root' : 'user' },
    connections, methods,
    runAll: { labs: both.length, captureS: runs.both.capture.map((x) => round(x)), noneS: runs.both.none.map((x) => round(x)), costPercent: round((median(runs.both.capture) / median(runs.both.none) - 1) * 100), packetLabs, packetLabsS },
    tour: { captureS: runs.tour.capture.map((x) => round(x)), noneS: runs.tour.none.map((x) => round(x)) },
    tenThousand: tenK,
  };
  if (process.argv.includes('--json')) return console.log(JSON.stringify(doc, null, 2));
  console.log(`Capture methods, ${connections} connections (connect, 1 KiB each way, end), ${doc.machine.cores} cores, kernel ${doc.machine.kernel}, Node ${doc.machine.node}, as ${doc.machine.user}:\n`);
  console.log('| method | segments | dropped | capture CPU ms | per 1,000 segments | start ms | sync delay ms (median / max) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const m of methods) console.log(`| ${m.method} | ${m.segments} | ${m.dropped} | ${m.cpuMs} | ${m.cpuMsPer1000} | ${m.startMs} | ${m.syncDelayMs} / ${m.syncDelayMaxMs} |`);
  console.log(`\n\`run --all\`'s ${doc.runAll.labs} labs that run without a capture: ${doc.runAll.captureS.join(', ')} s with capture, ${doc.runAll.noneS.join(', ')} s without (median cost ${doc.runAll.costPercent}%); the ${doc.runAll.packetLabs.length} labs that need one (${doc.runAll.packetLabs.join(', ')}): ${doc.runAll.packetLabsS} s`);
  console.log(`tour: ${doc.tour.captureS.join(', ')} s with capture, ${doc.tour.noneS.join(', ')} s without`);
  const c = tenK.capture;
  const n = tenK.none;
  console.log(`10,000 connections: ${c.segments} segments, ${c.dropped} dropped; dumpcap ${c.dumpcapCpuMs} ms CPU (${round((c.dumpcapCpuMs / c.segments) * 1000, 2)} ms per 1,000), the lab's process ${c.labCpuMs} ms against ${n.labCpuMs} ms without capture; the run ${c.wallS} s against ${n.wallS} s`);
  return 0;
}

// Last, once every constant above is initialized.
if (process.argv.includes('--inner')) {
  await inner();
  process.exit(0);
}
process.exitCode = await main().catch((err) => {
  console.error(`bench-capture: ${err.message}`);
  return 1;
});
