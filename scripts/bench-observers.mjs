#!/usr/bin/env zx
// Benchmarks the three observers of dist/observe side by side on the real kernel: what one sample
// costs, the shortest CLOSE_WAIT lifetime each catches in 99 of 100 tries, and what a sample
// costs in a namespace with a private established-hash table. Run `npm run build` first, then
// `npx zx scripts/bench-observers.mjs [--json] [--samples=300] [--tries=100] [--connections=2000]`
// as root or as a user allowed `unshare -rn` (the trace observer's part, scripts/bench-trace.mjs,
// runs as root only, in a fresh network and mount namespace). Traffic stays on loopback; the host's sysctls are never written:
// the parts that need a namespace re-run this script inside one (`--inner=...`), and a private
// hash is sized in an intermediate namespace (KERNEL-NOTES.md).
//
// Design of the lifetime part, chosen so that nothing the observer does is blocked by the hold:
// - It runs in a fresh network namespace (`unshare -n`) that shares the host's established hash
//   (when the host's tcp_child_ehash_entries is 0, the default), so a /proc read or an ss dump
//   walks as many buckets as on the host; then once more for proc with a private 1024-bucket
//   hash. There tcp_max_tw_buckets is 0: each try's client closes straight to CLOSED instead of
//   piling up TIME_WAIT rows that every later sample would scan, and nothing outlives the run.
// - The observer runs through the real `Sampler` at its default period in this script's process.
//   The connection is held by a separate child process (the holder): client.end(), then, once the
//   client's shutdown() has returned ('finish'), the accepted socket (allowHalfOpen) stays in
//   CLOSE_WAIT until the holder calls end() on it: CLOSE_WAIT -> LAST_ACK -> gone.
// - The hold is timed in the holder, not with setTimeout (~1 ms granular) but by blocking the
//   holder's thread: a futex wait (Atomics.wait, hrtimer-precise, no CPU taken from the observer)
//   then a busy-wait on process.hrtime for the last 0.4 ms. That blocks only the holder, which
//   has nothing else to do; it runs at nice -10 where permitted (the stimulus gets the priority,
//   the observer under test does not, and the holder hardly uses CPU). The holder bounds the hold it
//   achieved (from before client.end() to after the accepted socket's shutdown); a try held
//   longer than target + max(0.25 ms, 10%), e.g. because the holder was preempted, is redone,
//   so a rung's figure is about holds no longer than that.
// - Each try waits a random delay of up to one sampling cycle before client.end(), so the window
//   falls at a random phase of the sampler. A try counts as caught when any sample delivered
//   between its connect and the first sample started after its release shows that connection
//   (listener port, client port) in CLOSE_WAIT; the next try does not wait for that verdict.

import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, existsSync, readFileSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { $ } from 'zx';
import { measureTrace, renderTrace } from './bench-trace.mjs';

$.verbose = false;

const SELF = fileURLToPath(import.meta.url);
const DIST = join(dirname(SELF), '..', 'dist', 'observe');
const OBSERVERS = ['proc', 'ss', 'netstat'];
/** Hold lengths tried, in ms; the extra rungs only while an observer has not reached 99/100. */
const LADDER_MS = [0.25, 0.5, 1, 2, 5, 10, 20, 50];
const EXTRA_RUNGS_MS = [100, 200];
const PRIVATE_EHASH_BUCKETS = 1024;
/** The last part of a hold or delay that is busy-waited: futex wake-ups came 0.12 ms late (median) here. */
const SPIN_MS = 0.4;
/** Two event-loop turns of the holder (end() to shutdown()) on an idle machine, with margin. */
const HOLD_SLACK_MS = 0.25;
/** Niceness of the holder where permitted (root): its holds then rarely overrun under load. */
const HOLDER_NICE = -10;
const WARMUP_SAMPLES = 10;
const HOST_NETNS_ENV = 'TCPLAB_BENCH_HOST_NETNS';
const TOOL_ENV = { ...process.env, LC_ALL: 'C' };
const run = promisify(execFile);

class UsageError extends Error {}

const json = process.argv.includes('--json');
const inner = process.argv.find((a) => a.startsWith('--inner='))?.slice('--inner='.length);
process.exitCode = process.argv.includes('--holder') ? await holder() : await main();

async function main() {
  try {
    const samples = intOption('samples', 300);
    const tries = intOption('tries', 100);
    if (inner === undefined) return await outer(samples, tries);
    assertInsideFreshNamespace();
    await $`ip link set lo up`;
    const lib = await loadDist();
    const [what, list = OBSERVERS.join(',')] = inner.split(':');
    if (what === 'cost') {
      const hash = Number(readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'latin1'));
      const cost = await measureCosts(lib, samples, false, Math.ceil(samples / 3));
      console.log(JSON.stringify({ ehashEntries: hash, cost }));
    } else if (what === 'lifetime') {
      // No TIME_WAIT: the namespace's own sysctl, see the header.
      await writeFile('/proc/sys/net/ipv4/tcp_max_tw_buckets', '0');
      console.log(JSON.stringify(await measureLifetimes(lib, list.split(','), tries)));
    } else if (what === 'trace') {
      console.log(JSON.stringify(await measureTrace(DIST, intOption('connections', 2000))));
    } else throw new UsageError(`Expected \`--inner\` to be \`cost\`, \`lifetime[:observers]\` or \`trace\`, got \`${inner}\``);
    return 0;
  } catch (error) {
    console.error(`bench-observers${inner ? ` (--inner=${inner})` : ''}: ${error.message}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** Part 1 here, parts 2 and 3 through re-executions of this script inside namespaces. */
async function outer(samples, tries) {
  if (!existsSync(join(DIST, 'sampler.js'))) {
    console.error('bench-observers: dist/ is missing: run `npm run build` first');
    return 2;
  }
  const lib = await loadDist();
  process.env[HOST_NETNS_ENV] = readlinkSync('/proc/self/ns/net');
  const childHash = Number(readFileSync('/proc/sys/net/ipv4/tcp_child_ehash_entries', 'latin1'));
  const hostHash = Number(readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'latin1'));
  const doc = {
    command: 'npx zx scripts/bench-observers.mjs',
    machine: {
      cores: os.availableParallelism(),
      kernel: os.release(),
      node: process.version,
      uid: process.getuid(),
    },
    date: new Date().toISOString(),
    loadAverage: { start: os.loadavg() },
    samples,
    tries,
  };
  progress(`per-sample cost in the host namespace, ${samples} samples each`);
  doc.cost = await measureCosts(lib, samples, true);
  const sharing = childHash === 0 ? 'it does' : `NOT: the host's tcp_child_ehash_entries is ${childHash}`;
  progress(`lifetimes in a fresh namespace sharing the host's hash (${sharing}), ${tries} tries per hold`);
  doc.lifetime = await inNamespace('shared', 'lifetime');
  progress(`proc observer's lifetimes again with a private ${PRIVATE_EHASH_BUCKETS}-bucket hash`);
  doc.lifetimePrivateHash = await inNamespace('private', 'lifetime:proc');
  progress('per-sample cost in fresh namespaces');
  doc.namespaces = {
    host: { ehashEntries: hostHash, cost: doc.cost },
    shared: await inNamespace('shared', 'cost'),
    private: await inNamespace('private', 'cost'),
  };
  const traceSkipped = (await import(pathToFileURL(join(DIST, 'tracefs.js')).href)).traceUnavailable();
  if (traceSkipped) {
    progress(`trace observer skipped: ${traceSkipped}`);
    doc.trace = { skipped: traceSkipped };
  } else {
    progress('trace observer: CPU, latency and losses in a fresh network + mount namespace');
    doc.trace = await inNamespace('shared', 'trace', ['--mount']);
  }
  doc.loadAverage.end = os.loadavg();
  console.log(json ? JSON.stringify(doc, null, 2) : render(doc));
  return 0;
}

// ---- measuring ----------------------------------------------------------------------------

async function loadDist() {
  const load = (file) => import(pathToFileURL(join(DIST, file)).href);
  const [{ createObserver, OBSERVER_TOOL }, { Sampler }] = await Promise.all([load('create.js'), load('sampler.js')]);
  return { createObserver, OBSERVER_TOOL, Sampler };
}

function onPath(program) {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why an observer cannot run here (its program is not installed), or undefined. */
function missingTool(lib, name) {
  const tool = lib.OBSERVER_TOOL[name];
  if (!tool || onPath(tool.program)) return undefined;
  return `\`${tool.program}\` not found (Debian package ${tool.pkg})`;
}

/** Median, p99 and max of a list of durations in ms. */
function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q) => s[Math.max(0, Math.ceil(q * s.length) - 1)];
  return { n: s.length, medianMs: at(0.5), p99Ms: at(0.99), maxMs: s.at(-1) };
}

async function timeCalls(call, n) {
  for (let i = 0; i < WARMUP_SAMPLES; i++) await call();
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    ms.push(performance.now() - t);
  }
  return stats(ms);
}

async function listen(options = {}) {
  const server = net.createServer(options);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * Each observer's `sample(ports)` back to back, ports = one listener; `raw`: bare spawns too.
 * The observers that spawn a program get `spawnN` calls (fewer inside namespaces, for time).
 */
async function measureCosts(lib, n, raw, spawnN = n) {
  const listener = await listen();
  const port = listener.address().port;
  const ports = new Set([port]);
  const out = {};
  try {
    for (const name of OBSERVERS) {
      const missing = missingTool(lib, name);
      if (missing) {
        out[name] = { skipped: missing };
        continue;
      }
      const observer = lib.createObserver(name);
      const rows = await observer.sample(ports);
      if (!rows.some((r) => r.state === 'LISTEN' && r.local.port === port)) {
        throw new Error(`${name}: expected the listener 127.0.0.1:${port} in a sample, got ${rows.length} other rows`);
      }
      out[name] = await timeCalls(() => observer.sample(ports), lib.OBSERVER_TOOL[name] ? spawnN : n);
    }
    if (raw) {
      for (const [program, args] of [['ss', ['-tanH']], ['netstat', ['-tan']]]) {
        const key = `${program} ${args.join(' ')}`;
        const spawnOnce = () => run(program, args, { encoding: 'latin1', env: TOOL_ENV, maxBuffer: 1 << 28 });
        out[key] = onPath(program) ? await timeCalls(spawnOnce, n) : { skipped: `\`${program}\` not found` };
      }
    }
  } finally {
    listener.close();
  }
  return out;
}

/** Part 2, inside the namespace: the ladder of holds for each observer against one holder. */
async function measureLifetimes(lib, names, tries) {
  const holderProcess = fork(SELF, ['--holder'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await reply(holderProcess, 'listening');
    const out = { holderNice: 0 };
    try {
      // The stimulus, not the observer, gets the priority: fewer holds spoilt by preemption.
      os.setPriority(holderProcess.pid, HOLDER_NICE);
      out.holderNice = HOLDER_NICE;
    } catch {
      // Not permitted (no CAP_SYS_NICE, as in a user namespace): spoilt holds are redone anyway.
    }
    for (const name of names) {
      const missing = missingTool(lib, name);
      out[name] = missing ? { skipped: missing } : await climbLadder(lib, name, holderProcess, port, tries);
    }
    return out;
  } finally {
    if (holderProcess.exitCode === null) {
      holderProcess.kill();
      await once(holderProcess, 'exit');
    }
  }
}

async function climbLadder(lib, name, holderProcess, port, tries) {
  const observer = lib.createObserver(name);
  const starts = [];
  /** Tries whose verdict waits for a sample started after their release, by client port. */
  const pending = new Map();
  let caught = 0;
  const sampler = new lib.Sampler(observer, new Set([port]), () => performance.now(), (sample) => {
    starts.push(sample.startedMs);
    for (const [clientPort, watch] of pending) {
      watch.seen ||= sample.rows.some((r) =>
        r.state === 'CLOSE_WAIT' && r.local.port === port && r.remote.port === clientPort);
      if (sample.startedMs <= watch.releasedMs) continue;
      if (watch.seen && watch.counts) caught += 1;
      pending.delete(clientPort);
    }
  });
  const rungs = [];
  sampler.start();
  try {
    for (let i = 0; i < 5; i++) await sampler.next();
    const cycleMs = stats(gaps(starts)).medianMs;
    let rungStart = starts.length;
    let perfectInARow = 0;
    for (const holdMs of [...LADDER_MS, ...EXTRA_RUNGS_MS]) {
      if (LADDER_MS.at(-1) < holdMs && shortestCaught(rungs, tries) !== undefined) break;
      caught = 0;
      const held = [];
      let discarded = 0;
      while (held.length < tries && discarded <= tries) {
        const { clientPort } = await ask(holderProcess, { type: 'connect' }, 'connected');
        // A client port reused at once (no TIME_WAIT): let the earlier try's verdict fall first.
        while (pending.has(clientPort) && !sampler.failure) await sampler.next();
        const watch = { seen: false, releasedMs: Infinity, counts: true };
        pending.set(clientPort, watch);
        const hold = { type: 'hold', holdMs, delayMs: Math.random() * cycleMs };
        const { atMostMs } = await ask(holderProcess, hold, 'released');
        watch.releasedMs = performance.now();
        watch.counts = atMostMs <= holdMs + holdTolerance(holdMs);
        if (watch.counts) held.push(atMostMs);
        else discarded += 1;
      }
      while (pending.size > 0 && !sampler.failure) await sampler.next();
      if (sampler.failure) throw new Error(`${name} sampler stopped: ${sampler.failure.message}`);
      const cycle = stats(gaps(starts.slice(rungStart)));
      rungStart = starts.length;
      rungs.push({ holdMs, caught, tries: held.length, discarded, heldAtMost: stats(held), cycle });
      progress(`  ${name.padEnd(7)} hold ${String(holdMs).padStart(5)} ms: caught ${caught}/${held.length}` +
        ` (held at most ${ms(stats(held).medianMs)} median, ${discarded} tries held too long redone;` +
        ` sample cycle ${ms(cycle.medianMs)} median, ${ms(cycle.p99Ms)} p99, ${ms(cycle.maxMs)} max)`);
      perfectInARow = caught === tries ? perfectInARow + 1 : 0;
      if (perfectInARow === 2) break;
    }
  } finally {
    await sampler.stop();
  }
  return {
    periodMs: observer.periodMs,
    cycle: stats(gaps(starts)),
    shortestMs: shortestCaught(rungs, tries) ?? null,
    rungs,
  };
}

/** How much longer than its target a try's hold may have been and still count (held at most). */
function holdTolerance(holdMs) {
  return Math.max(HOLD_SLACK_MS, 0.1 * holdMs);
}

function gaps(times) {
  return times.slice(1).map((t, i) => t - times[i]);
}

/** The smallest hold from which every rung tried caught >= 99% of the tries. */
function shortestCaught(rungs, tries) {
  let shortest;
  for (let i = rungs.length - 1; i >= 0 && rungs[i].caught >= 0.99 * tries; i--) shortest = rungs[i].holdMs;
  return shortest;
}

// ---- namespaces ---------------------------------------------------------------------------

/**
 * Re-runs this script with `--inner=MODE` in a fresh network namespace, sharing the host's
 * established hash or with a private one (set in an intermediate namespace, never on the host).
 */
async function inNamespace(hash, mode, extraFlags = []) {
  const outerFlag = process.getuid() === 0 ? '-n' : '-rn';
  const self = [process.execPath, SELF, `--inner=${mode}`, ...process.argv.filter((a) => /^--(samples|tries|connections)=/.test(a))];
  const argv = hash === 'private'
    ? ['unshare', outerFlag, 'sh', '-c',
      `echo ${PRIVATE_EHASH_BUCKETS} > /proc/sys/net/ipv4/tcp_child_ehash_entries && exec unshare -n "$@"`, 'sh', ...self]
    : ['unshare', outerFlag, ...extraFlags, ...self];
  const result = await $({ stdio: ['ignore', 'pipe', 'inherit'], nothrow: true })`${argv}`;
  if (result.exitCode !== 0) return { skipped: `\`unshare ${outerFlag} …\` exited with ${result.exitCode}` };
  return JSON.parse(result.stdout);
}

/** The inner modes write sysctls: refuse unless this is not the namespace the outer run was in. */
function assertInsideFreshNamespace() {
  const host = process.env[HOST_NETNS_ENV];
  if (!host || host === readlinkSync('/proc/self/ns/net')) {
    throw new UsageError('`--inner` is for the script itself, inside a fresh network namespace: run it without flags');
  }
}

// ---- the holder: a child process that holds the connection in CLOSE_WAIT -----------------

async function holder() {
  const accepted = new Map();
  const acceptWaiters = new Map();
  const server = await listen({ allowHalfOpen: true });
  server.on('connection', (socket) => {
    const waiter = acceptWaiters.get(socket.remotePort);
    if (waiter) waiter(socket);
    else accepted.set(socket.remotePort, socket);
  });
  const acceptedFrom = (clientPort) => {
    const socket = accepted.get(clientPort);
    accepted.delete(clientPort);
    return socket ?? new Promise((resolve) => acceptWaiters.set(clientPort, resolve));
  };
  let client;
  let peer;
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    try {
      if (message.type === 'connect') {
        client = net.connect({ host: '127.0.0.1', port: server.address().port });
        await once(client, 'connect');
        peer = await acceptedFrom(client.localPort);
        acceptWaiters.delete(client.localPort);
        client.resume();
        peer.resume();
        process.send({ type: 'connected', clientPort: client.localPort });
      } else if (message.type === 'hold') {
        const closed = Promise.all([once(client, 'close'), once(peer, 'close')]);
        pause(message.delayMs);
        // Each shutdown() happens between end() and 'finish': CLOSE_WAIT starts in [t0, t1] and
        // ends in [t2, t3]. The hold is timed from t1; [t2 - t1, t3 - t0] bounds its length.
        const t0 = process.hrtime.bigint();
        client.end();
        await once(client, 'finish');
        const t1 = process.hrtime.bigint();
        pause(message.holdMs, t1);
        const t2 = process.hrtime.bigint();
        peer.end();
        await once(peer, 'finish');
        const t3 = process.hrtime.bigint();
        await closed;
        process.send({ type: 'released', atLeastMs: Number(t2 - t1) / 1e6, atMostMs: Number(t3 - t0) / 1e6 });
      }
    } catch (error) {
      process.send({ type: 'error', message: error.message });
    }
  });
  process.send({ type: 'listening', port: server.address().port });
}

const WAIT_CELL = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the holder until `ms` after `from`: a futex wait (Atomics.wait, an hrtimer, so sub-ms
 * and without burning CPU the observer needs), then a busy-wait for the last SPIN_MS.
 */
function pause(ms, from = process.hrtime.bigint()) {
  const deadline = from + BigInt(Math.round(ms * 1e6));
  const sleepMs = Number(deadline - process.hrtime.bigint()) / 1e6 - SPIN_MS;
  if (sleepMs > 0) Atomics.wait(WAIT_CELL, 0, 0, sleepMs);
  while (process.hrtime.bigint() < deadline);
}

function ask(child, message, type) {
  const answer = reply(child, type);
  child.send(message);
  return answer;
}

function reply(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type !== type && m.type !== 'error') return;
      off();
      if (m.type === 'error') reject(new Error(`holder: ${m.message}`));
      else resolve(m);
    };
    const onExit = (code) => {
      off();
      reject(new Error(`holder exited with ${code}`));
    };
    const off = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

// ---- report -------------------------------------------------------------------------------

function progress(line) {
  console.error(`bench-observers ${(performance.now() / 1000).toFixed(1).padStart(5)}s: ${line}`);
}

function ms(value) {
  if (value === undefined || value === null) return '—';
  return value < 1 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(0);
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function render(doc) {
  const { machine, cost, lifetime, lifetimePrivateHash, namespaces } = doc;
  const cell = (s, key) => (s?.skipped ? 'skipped' : ms(s?.[key]));
  const costRow = (label, s) => [label, cell(s, 'medianMs'), cell(s, 'p99Ms')];
  const out = [
    `${machine.cores} cores, Linux ${machine.kernel}, Node ${machine.node}, uid ${machine.uid}, ${doc.date.slice(0, 16)}Z,` +
      ` load average (1 min) ${doc.loadAverage.start[0].toFixed(2)} at start, ${doc.loadAverage.end[0].toFixed(2)} at end`,
    '',
    `Per-sample cost in the host's network namespace (${doc.samples} calls back to back, ports = one listener):`,
    '',
    table(['read', 'median ms', 'p99 ms'], [
      costRow('`proc` observer: read /proc/net/tcp{,6}, parse', cost.proc),
      costRow('`ss` observer: spawn `ss -tanoH` + port filter, parse', cost.ss),
      costRow('`netstat` observer: spawn `netstat -tanoW`, parse', cost.netstat),
      costRow('raw `ss -tanH` spawn', cost['ss -tanH']),
      costRow('raw `netstat -tan` spawn', cost['netstat -tan']),
    ]),
    '',
  ];
  const columns = [...OBSERVERS.map((name) => ({ label: name, result: lifetime[name] })),
    { label: 'proc, private hash', result: lifetimePrivateHash.proc }];
  if (lifetime.skipped) out.push(`Lifetimes: skipped, ${lifetime.skipped}.`, '');
  else {
    out.push(
      `Shortest CLOSE_WAIT lifetime caught in >= ${Math.ceil(0.99 * doc.tries)} of ${doc.tries} tries, at that hold and` +
      ' every longer one tried (fresh namespace sharing the host\'s hash unless said, Sampler at its default period):',
      '',
      table(['observer', 'period ms', 'sample cycle ms median / p99', 'shortest hold caught'], columns.map(summaryRow)),
      '',
      `Tries caught out of ${doc.tries} per target hold. — = not run (stopped after 100% twice). A try held longer than` +
      ` target + max(${HOLD_SLACK_MS} ms, 10%) was redone; the redone counts are in --json.`,
      '',
      table(['hold ms: target (held at most, median)', ...columns.map((c) => c.label)], ladderRows(columns, doc.tries)),
      '',
    );
  }
  const hashLabel = (n) => (n < 0 ? `${-n} buckets, the host's` : `${n} buckets`);
  const pair = (c) => (c?.skipped ? 'skipped' : `${ms(c?.medianMs)} / ${ms(c?.p99Ms)}`);
  const nsRow = (label, ns) => ns.skipped
    ? [label, ns.skipped, ...OBSERVERS.map(() => '—')]
    : [label, hashLabel(ns.ehashEntries), ...OBSERVERS.map((o) => pair(ns.cost[o]))];
  out.push(
    `Per-sample cost by network namespace, median / p99 ms (proc ${doc.samples} calls; ss and netstat ${doc.samples}` +
      ` in the host, ${Math.ceil(doc.samples / 3)} in fresh namespaces):`,
    '',
    table(['network namespace', 'established hash', ...OBSERVERS], [
      nsRow('host', namespaces.host),
      nsRow('fresh, sharing the host\'s hash', namespaces.shared),
      nsRow(`fresh, private hash`, namespaces.private),
    ]),
    '',
    renderTrace(doc.trace, ms),
  );
  return out.join('\n');
}

function summaryRow({ label, result }) {
  if (!result || result.skipped) return [label, '—', '—', result?.skipped ?? 'skipped'];
  const shortest = result.shortestMs === null ? 'none tried' : `${result.shortestMs} ms`;
  return [label, ms(result.periodMs), `${ms(result.cycle.medianMs)} / ${ms(result.cycle.p99Ms)}`, shortest];
}

function ladderRows(columns, tries) {
  const tried = columns.flatMap(({ result }) => result?.rungs?.map((r) => r.holdMs) ?? []);
  const holds = [...new Set(tried)].sort((a, b) => a - b);
  return holds.map((holdMs) => {
    const rungs = columns.map(({ result }) => result?.rungs?.find((r) => r.holdMs === holdMs));
    const held = rungs.filter(Boolean).map((r) => r.heldAtMost.medianMs);
    const caught = (r) => (r.tries === tries ? String(r.caught) : `${r.caught}/${r.tries}`);
    return [`${holdMs} (${ms(stats(held).medianMs)})`, ...rungs.map((r) => (r ? caught(r) : '—'))];
  });
}

// ---- options ------------------------------------------------------------------------------

function intOption(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (arg === undefined) return fallback;
  const text = arg.slice(name.length + 3);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`Expected the \`--${name}\` option to be a positive integer, got \`${text}\``);
  }
  return value;
}
