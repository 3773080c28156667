#!/usr/bin/env zx
// Benchmarks tcplab's Redis lock against the round-trip bound (`redis-benchmark -t set`, one
// client), node-redlock and redis-semaphore, all on one redis-server that this script starts on
// 127.0.0.1 (a random port, a temporary folder, no persistence) and stops at the end. Run
// `npm run build` first, then `npx zx scripts/bench-lock.mjs [--seconds=3] [--contenders=50] [--json]`.
// Loops are bounded in time; traffic stays on loopback.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pidusage from 'pidusage';
import { Mutex } from 'redis-semaphore';
import Redlock from 'redlock';
import { $, argv } from 'zx';
import { LockClient, redisConfig, SharedResource } from '../dist/index.js';

const SECONDS = Number(argv.seconds ?? 3);
const CONTENDERS = Number(argv.contenders ?? 50);

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

/** Runs `body` while measuring the redis-server's CPU and this process's CPU and memory. */
async function measured(body) {
  await pidusage(server.pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await body();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redis = await pidusage(server.pid);
  return {
    ...result,
    seconds: Number(seconds.toFixed(2)),
    redisCpuPercent: Math.round(redis.cpu),
    redisRssMiB: Math.round(redis.memory / 2 ** 20),
    clientCpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
    clientRssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

/** Each library as: make a contender (own connections), cycle(key) -> release, close. */
const LIBRARIES = {
  tcplab: () => {
    const locks = new LockClient(endpoint);
    return {
      ready: () => locks.ready(),
      acquire: async (key, deadlineMs) => {
        const lease = await locks.acquire(key, { ttlMs: 10_000, deadlineMs });
        return { fence: lease.fence, release: () => lease.release() };
      },
      close: () => locks.close(),
    };
  },
  redlock: () => {
    const redis = new Redis(endpoint);
    const redlock = new Redlock([redis]); // its defaults: retryCount 10, retryDelay 200 ms, jitter 200 ms
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

/** One client, a fresh key per cycle: acquire + release cycles per second. */
async function distinctKeys(name) {
  const c = LIBRARIES[name]();
  await c.ready();
  const r = await measured(async () => {
    let cycles = 0;
    for (const until = performance.now() + SECONDS * 1000; performance.now() < until; cycles++) {
      const lock = await c.acquire(`${name}:distinct:${cycles}`, 0);
      await lock.release();
    }
    return { cycles };
  });
  await c.close();
  return { ...r, perSecond: Math.round(r.cycles / r.seconds) };
}

/** CONTENDERS clients on one key, each doing a read-modify-write inside: hand-offs per second. */
async function hotKey(name) {
  const contenders = Array.from({ length: CONTENDERS }, () => LIBRARIES[name]());
  await Promise.all(contenders.map((c) => c.ready()));
  const resource = new SharedResource(endpoint, `resource:${name}`);
  const r = await measured(async () => {
    const counts = contenders.map(() => 0);
    let failures = 0;
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(contenders.map(async (c, i) => {
      while (performance.now() < until) {
        const lock = await c.acquire(`${name}:hot`, Math.max(1, Math.round(until - performance.now()))).catch(() => undefined);
        if (!lock) { failures += 1; continue; }
        await resource.increment({ fence: lock.fence });
        await lock.release().catch(() => {});
        counts[i] += 1;
      }
    }));
    return { handoffs: counts.reduce((a, b) => a + b, 0), min: Math.min(...counts), max: Math.max(...counts), failures };
  });
  const { violations } = await resource.stats();
  await Promise.all([...contenders.map((c) => c.close()), resource.close()]);
  return { ...r, perSecond: Math.round(r.handoffs / r.seconds), violations };
}

const bench = await $`redis-benchmark -h 127.0.0.1 -p ${port} -t set -n 50000 -c 1 --csv`.quiet();
const setPerSecond = Math.round(Number(/"SET","([\d.]+)"/.exec(bench.stdout)?.[1] ?? NaN));
const results = { setPerSecond, boundCyclesPerSecond: Math.round(setPerSecond / 2), distinct: {}, hot: {} };
for (const name of Object.keys(LIBRARIES)) results.distinct[name] = await distinctKeys(name);
for (const name of Object.keys(LIBRARIES)) results.hot[name] = await hotKey(name);

if (argv.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`redis-benchmark -t set, 1 client: ${setPerSecond} SET/s; bound for acquire+release (2 round trips): ${results.boundCyclesPerSecond}/s`);
  console.log(`\none client, distinct keys (${SECONDS} s)            cycles/s  % of bound  redis CPU  client CPU`);
  for (const [name, r] of Object.entries(results.distinct)) {
    console.log(`  ${name.padEnd(44)} ${String(r.perSecond).padStart(8)}  ${String(Math.round((r.perSecond / results.boundCyclesPerSecond) * 100)).padStart(9)}%  ${String(r.redisCpuPercent).padStart(8)}%  ${String(r.clientCpuPercent).padStart(9)}%`);
  }
  console.log(`\n${CONTENDERS} contenders, one hot key (${SECONDS} s)        hand-offs/s  min/max  gave up  violations  redis CPU  client CPU  RSS MiB`);
  for (const [name, r] of Object.entries(results.hot)) {
    console.log(`  ${name.padEnd(42)} ${String(r.perSecond).padStart(11)}  ${`${r.min}/${r.max}`.padStart(7)}  ${String(r.failures).padStart(7)}  ${String(r.violations).padStart(10)}  ${String(r.redisCpuPercent).padStart(8)}%  ${String(r.clientCpuPercent).padStart(9)}%  ${String(r.clientRssMiB).padStart(7)}`);
  }
}
server.kill('SIGTERM');
