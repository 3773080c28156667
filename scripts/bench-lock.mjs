#!/usr/bin/env zx
// Benchmarks tcplab's Redis lock against the round-trip bound, node-redlock and redis-semaphore,
// all on one redis-server that this script starts on 127.0.0.1 (a random port, a temporary
// folder, no persistence) and stops at the end. Every figure is the median of `--repeat` runs;
// each repetition measures the bound and then every library, in an order that rotates, so that
// the load of a shared machine falls on all of them alike. Run `npm run build` first, then
// `npx zx scripts/bench-lock.mjs [--seconds=3] [--contenders=50] [--repeat=5] [--json]`
// (`--build=DIR` measures another build of tcplab, e.g. a copy of an older `dist`; `--compare=DIR`
// adds one as a row of its own, `tcplab@compare`, measured in the same repetitions).
// Loops are bounded in time; traffic stays on loopback.
//
// - bound: `redis-benchmark -t set -c 1 -P 1` (one connection, one command at a time, like one
//   client that awaits each reply) gives SET/s; acquire + release is two round trips, so the
//   bound for cycles/s is half of it, against the same server, measured right before and right
//   after each library's run (the mean of the two), since the machine's load drifts.
// - one client, distinct keys: acquire + release of a fresh key, awaited in turn. The row
//   `ioredis, 2 SETs` is the same loop with two plain SETs: the Node client's own floor.
// - one hot key: CONTENDERS clients loop acquire, read-modify-write, release. A hand-off is an
//   acquisition by another client than the previous holder's; a client that takes the lock
//   again right after its own release counts as an acquisition, not a hand-off. Only what
//   happened within the measured seconds counts; acquisitions still waiting at the end are
//   stopped (tcplab's signal) or drained unmeasured (the others have no way to stop them).

import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pidusage from 'pidusage';
import { Mutex } from 'redis-semaphore';
import Redlock from 'redlock';
import { $, argv } from 'zx';

const SECONDS = Number(argv.seconds ?? 3);
const CONTENDERS = Number(argv.contenders ?? 50);
const REPEAT = Number(argv.repeat ?? 5);
const BUILD = path.resolve(argv.build ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dist'));
const { LockClient, redisConfig, SharedResource } = await import(pathToFileURL(path.join(BUILD, 'index.js')).href);
const COMPARE = argv.compare && (await import(pathToFileURL(path.join(path.resolve(argv.compare), 'index.js')).href));
for (const [name, value] of [['seconds', SECONDS], ['contenders', CONTENDERS], ['repeat', REPEAT]]) {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`Expected the \`--${name}\` option to be a positive integer, got \`${value}\``);
}

async function freePort() {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const port = await freePort();
const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-bench-redis-'));
writeFileSync(path.join(dir, 'redis.conf'), redisConfig('127.0.0.1', port, dir, 'none'));
const server = spawn('redis-server', [path.join(dir, 'redis.conf')], { stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => (out += d) && /Ready to accept connections/.test(out) && resolve());
  server.once('exit', () => reject(new Error(`redis-server exited: ${out}`)));
});
const endpoint = { host: '127.0.0.1', port };
const admin = new Redis(endpoint);

/** Runs `body` on an empty keyspace, measuring redis-server's CPU and memory and this process's. */
async function measured(body) {
  await admin.flushall('SYNC');
  await pidusage(server.pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await body();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redis = await pidusage(server.pid);
  return {
    ...result,
    redisCpuPercent: Math.round(redis.cpu),
    redisRssMiB: Math.round(redis.memory / 2 ** 20),
    clientCpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
    clientRssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

/**
 * Each library as a contender with its own connections: `acquire(key, { stop, once })` resolves
 * a lock with `release()`, or undefined when `stop` aborted first; `once`: a single attempt.
 */
function tcplab(Client) {
  return () => {
    const locks = new Client(endpoint); // two connections: commands, and an idle subscriber for hand-overs
    return {
      ready: () => locks.ready(),
      acquire: async (key, { stop, once }) => {
        const lease = await locks.acquire(key, { ttlMs: 10_000, deadlineMs: once ? 0 : 10_000, signal: stop }).catch((err) => {
          if (err.code === 'aborted') return undefined;
          throw err;
        });
        return lease && { fence: lease.fence, release: () => lease.release() };
      },
      close: () => locks.close(),
    };
  };
}

const LIBRARIES = {
  tcplab: tcplab(LockClient),
  ...(COMPARE ? { 'tcplab@compare': tcplab(COMPARE.LockClient) } : {}),
  'node-redlock': () => {
    const redis = new Redis(endpoint);
    const redlock = new Redlock([redis]); // its defaults: retryCount 10, retryDelay 200 ms, retryJitter 100 ms (in 5.0.0-beta.2)
    redlock.on('error', () => {});
    return {
      ready: () => redis.ping(),
      acquire: async (key) => {
        const lock = await redlock.acquire([key], 10_000);
        return { release: () => lock.release() };
      },
      close: () => redis.quit(),
    };
  },
  'redis-semaphore': () => {
    const redis = new Redis(endpoint);
    return {
      ready: () => redis.ping(),
      acquire: async (key) => {
        const mutex = new Mutex(redis, key, { lockTimeout: 10_000, acquireTimeout: 10_000 }); // its defaults otherwise: retry every 10 ms
        await mutex.acquire();
        return { release: () => mutex.release() };
      },
      close: () => redis.quit(),
    };
  },
};

/** The loop of the distinct-keys case with two plain SETs: what the Node client itself costs. */
const FLOOR = 'ioredis, 2 SETs';

/** One client, a fresh key per cycle, acquire then release, each awaited: cycles per second. */
async function distinctKeys(name) {
  if (name === FLOOR) {
    const redis = new Redis(endpoint);
    await redis.ping();
    const r = await measured(async () => {
      let cycles = 0;
      for (const until = performance.now() + SECONDS * 1000; performance.now() < until; cycles++) {
        await redis.set(`floor:${cycles}`, 'x');
        await redis.set(`floor:${cycles}`, 'y');
      }
      return { cycles };
    });
    await redis.quit();
    return { ...r, perSecond: Math.round(r.cycles / SECONDS) };
  }
  const c = LIBRARIES[name]();
  await c.ready();
  const r = await measured(async () => {
    let cycles = 0;
    for (const until = performance.now() + SECONDS * 1000; performance.now() < until; cycles++) {
      const lock = await c.acquire(`${name}:distinct:${cycles}`, { once: true });
      await lock.release();
    }
    return { cycles };
  });
  await c.close();
  return { ...r, perSecond: Math.round(r.cycles / SECONDS) };
}

/** CONTENDERS clients on one key, each doing a read-modify-write inside: acquisitions and hand-offs. */
async function hotKey(name) {
  const contenders = Array.from({ length: CONTENDERS }, () => LIBRARIES[name]());
  await Promise.all(contenders.map((c) => c.ready()));
  const resource = new SharedResource(endpoint, `resource:${name}`);
  const r = await measured(async () => {
    const counts = contenders.map(() => 0);
    let previous = -1;
    let handoffs = 0;
    let gaveUp = 0;
    const until = performance.now() + SECONDS * 1000;
    const stop = AbortSignal.timeout(SECONDS * 1000);
    setMaxListeners(CONTENDERS * 2, stop); // every tcplab waiter listens to it
    await Promise.all(contenders.map(async (c, i) => {
      while (performance.now() < until) {
        let lock;
        try {
          lock = await c.acquire(`${name}:hot`, { stop });
        } catch {
          gaveUp += 1; // node-redlock: its 10 retries failed; tcplab: its deadline passed
          continue;
        }
        if (!lock) return;
        if (performance.now() < until) {
          // Mutual exclusion orders the acquisitions; `violations` below checks that it held.
          counts[i] += 1;
          if (previous !== -1 && previous !== i) handoffs += 1;
          previous = i;
        }
        await resource.increment({ fence: lock.fence });
        await lock.release().catch(() => {});
      }
    }));
    const acquisitions = counts.reduce((a, b) => a + b, 0);
    return { acquisitions, handoffs, min: Math.min(...counts), max: Math.max(...counts), gaveUp };
  });
  const { violations } = await resource.stats();
  await Promise.all([...contenders.map((c) => c.close()), resource.close()]);
  return { ...r, perSecond: Math.round(r.acquisitions / SECONDS), handoffsPerSecond: Math.round(r.handoffs / SECONDS), violations };
}

/** `redis-benchmark -t set` with one connection and no pipelining: SET/s. */
async function setPerSecond() {
  const n = 10_000 * SECONDS; // about half as long as one library's run on this kind of machine
  const out = await $`redis-benchmark -h 127.0.0.1 -p ${port} -t set -n ${n} -c 1 -P 1 --csv`.quiet();
  return Math.round(Number(/"SET","([\d.]+)"/.exec(out.stdout)?.[1] ?? NaN));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rotated = (names, k) => names.map((_, j) => names[(j + k) % names.length]);

const distinctNames = [...Object.keys(LIBRARIES), FLOOR];
const runs = { set: [], distinct: Object.fromEntries(distinctNames.map((n) => [n, []])), hot: Object.fromEntries(Object.keys(LIBRARIES).map((n) => [n, []])) };
// Unmeasured first: JIT compilation, and the scripts' first EVAL after NOSCRIPT.
if (!argv.json) process.stderr.write('warming up\n');
for (const name of distinctNames) await distinctKeys(name);
for (const name of Object.keys(LIBRARIES)) await hotKey(name);
for (let rep = 0; rep < REPEAT; rep++) {
  // The bound is measured right before and right after each row; the row is compared with their mean.
  let before = await setPerSecond();
  runs.set.push(before);
  for (const name of rotated(distinctNames, rep)) {
    const r = await distinctKeys(name);
    const after = await setPerSecond();
    runs.set.push(after);
    const bound = (before + after) / 4;
    runs.distinct[name].push({ ...r, boundCyclesPerSecond: Math.round(bound), fractionOfBound: r.perSecond / bound });
    before = after;
  }
  for (const name of rotated(Object.keys(LIBRARIES), rep)) runs.hot[name].push(await hotKey(name));
  if (!argv.json) process.stderr.write(`repetition ${rep + 1}/${REPEAT} done\n`);
}

/** The median of every field over the repetitions, the range of `perSecond`, the sum of `violations`. */
function summary(rs) {
  const out = {};
  for (const k of Object.keys(rs[0])) out[k] = median(rs.map((r) => r[k]));
  out.perSecondRange = [Math.min(...rs.map((r) => r.perSecond)), Math.max(...rs.map((r) => r.perSecond))];
  if ('violations' in out) out.violations = rs.reduce((a, r) => a + r.violations, 0); // every repetition's, not a median
  return out;
}
const results = {
  seconds: SECONDS,
  contenders: CONTENDERS,
  repeat: REPEAT,
  setPerSecond: Math.round(median(runs.set)),
  setPerSecondRange: [Math.min(...runs.set), Math.max(...runs.set)],
  boundCyclesPerSecond: Math.round(median(runs.set) / 2),
  distinct: Object.fromEntries(distinctNames.map((n) => [n, summary(runs.distinct[n])])),
  hot: Object.fromEntries(Object.keys(LIBRARIES).map((n) => [n, summary(runs.hot[n])])),
  runs,
};

const pct = (x) => `${Math.round(x * 100)}%`;
const range = ([a, b]) => `${a}-${b}`;
if (argv.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`medians of ${REPEAT} repetitions, ${SECONDS} s each; redis-server pid ${server.pid} on 127.0.0.1:${port}`);
  console.log(`redis-benchmark -t set -c 1 -P 1: ${results.setPerSecond} SET/s (${range(results.setPerSecondRange)}); bound for acquire+release (2 round trips): ${results.boundCyclesPerSecond}/s; each row is compared with the bound measured around it`);
  console.log('connections per client: redis-benchmark 1, tcplab 2 (commands, and an idle subscriber), the others 1');
  console.log(`\none client, distinct keys   cycles/s (range)      bound  of bound  redis CPU  client CPU`);
  for (const [name, r] of Object.entries(results.distinct)) {
    console.log(`  ${name.padEnd(24)} ${`${r.perSecond} (${range(r.perSecondRange)})`.padEnd(20)} ${String(r.boundCyclesPerSecond).padStart(6)}  ${pct(r.fractionOfBound).padStart(8)}  ${`${r.redisCpuPercent}%`.padStart(9)}  ${`${r.clientCpuPercent}%`.padStart(10)}`);
  }
  console.log(`\n${CONTENDERS} contenders, one key   hand-offs/s  acquisitions/s (range)  min/max  gave up  violations  redis CPU  client CPU  RSS MiB redis/client`);
  for (const [name, r] of Object.entries(results.hot)) {
    console.log(`  ${name.padEnd(21)} ${String(r.handoffsPerSecond).padStart(11)}  ${`${r.perSecond} (${range(r.perSecondRange)})`.padEnd(22)}  ${`${r.min}/${r.max}`.padStart(7)}  ${String(r.gaveUp).padStart(7)}  ${String(r.violations).padStart(10)}  ${`${r.redisCpuPercent}%`.padStart(9)}  ${`${r.clientCpuPercent}%`.padStart(10)}  ${`${r.redisRssMiB}/${r.clientRssMiB}`.padStart(7)}`);
  }
}
await admin.quit();
server.kill('SIGTERM');
