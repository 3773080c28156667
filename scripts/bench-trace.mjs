// The trace observer's part of scripts/bench-observers.mjs (run from there, as root only, inside
// a fresh network and mount namespace: `--inner=trace`). N short loopback connections (connect,
// end, close) are driven against one listener while drainKernel() is called every 1 ms; measured:
// the CPU time of the drain+parse calls (and of the whole phase) per 1,000 transitions parsed,
// the latency from each transition's kernel timestamp to the return of the drain that delivered
// it, and the events lost (the instance's overruns after close()) and transitions parsed vs
// expected.

import net from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Transitions one connection is expected to give (client and accepted socket together). */
export const TRANSITIONS_PER_CONNECTION = 10;
const CONCURRENCY = 4;
const DRAIN_EVERY_MS = 1;
/** After the last connection closed: drain until this long without a new transition. */
const QUIET_MS = 200;

export async function measureTrace(dist, connections) {
  const { createTraceObserver } = await import(pathToFileURL(join(dist, 'trace.js')).href);
  const server = net.createServer((socket) => socket.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  // atMs then is on performance.now()'s clock.
  const monoAtLabStartMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const observer = createTraceObserver(`tcplab-bench-${process.pid}`, monoAtLabStartMs, DRAIN_EVERY_MS);
  const latencies = [];
  const transitions = {};
  let parsed = 0;
  let drainCpuUs = 0;
  let drains = 0;
  let lastNewMs = performance.now();
  const drain = () => {
    const before = process.cpuUsage();
    const events = observer.drainKernel();
    const returnedMs = performance.now();
    const cpu = process.cpuUsage(before);
    drainCpuUs += cpu.user + cpu.system;
    drains += 1;
    for (const e of events) {
      if (e.kind !== 'transition') continue;
      parsed += 1;
      latencies.push(returnedMs - e.atMs);
      const key = `${e.from}->${e.to}`;
      transitions[key] = (transitions[key] ?? 0) + 1;
      lastNewMs = returnedMs;
    }
  };
  let timer;
  let closed = false;
  const close = () => {
    if (!closed) observer.close();
    closed = true;
  };
  try {
    observer.setPorts(new Set([port]));
    const totalBefore = process.cpuUsage();
    const startMs = performance.now();
    timer = setInterval(drain, DRAIN_EVERY_MS);
    let next = 0;
    const worker = async () => {
      while (next < connections) {
        next += 1;
        const client = net.connect({ host: '127.0.0.1', port });
        await once(client, 'connect');
        client.resume();
        client.end();
        await once(client, 'close');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const trafficMs = performance.now() - startMs;
    while (performance.now() - lastNewMs < QUIET_MS) await new Promise((r) => setTimeout(r, 10));
    clearInterval(timer);
    timer = undefined;
    drain();
    const total = process.cpuUsage(totalBefore);
    const perK = (us) => (parsed ? us / 1000 / (parsed / 1000) : null);
    close();
    const s = [...latencies].sort((a, b) => a - b);
    const at = (q) => s[Math.max(0, Math.ceil(q * s.length) - 1)];
    return {
      connections,
      concurrency: CONCURRENCY,
      drainEveryMs: DRAIN_EVERY_MS,
      trafficMs,
      drains,
      lines: observer.lines,
      transitionsParsed: parsed,
      transitionsExpected: connections * TRANSITIONS_PER_CONNECTION,
      transitions,
      drainCpuMs: drainCpuUs / 1000,
      totalCpuMs: (total.user + total.system) / 1000,
      drainCpuMsPer1000: perK(drainCpuUs),
      totalCpuMsPer1000: perK(total.user + total.system),
      latency: { n: s.length, medianMs: at(0.5), p99Ms: at(0.99), maxMs: s.at(-1) },
      lost: observer.lost,
    };
  } finally {
    if (timer) clearInterval(timer);
    close();
    server.close();
  }
}

/** The README lines for the result (or for why it was skipped). */
export function renderTrace(result, ms) {
  if (!result || result.skipped) return `Trace observer: skipped, ${result?.skipped ?? 'not run'}.`;
  const r = result;
  return [
    `Trace observer (fresh network + mount namespace): ${r.connections} connections (connect, end, close;` +
      ` ${r.concurrency} at a time, ${ms(r.trafficMs)} ms) while drainKernel() runs every ${r.drainEveryMs} ms` +
      ` (${r.drains} drains, ${r.lines} lines read):`,
    '',
    '| trace observer | value |',
    '| --- | ---: |',
    `| CPU ms per 1,000 transitions, drainKernel() calls (read + parse) | ${ms(r.drainCpuMsPer1000)} |`,
    `| CPU ms per 1,000 transitions, whole process (traffic included) | ${ms(r.totalCpuMsPer1000)} |`,
    `| latency kernel timestamp -> drainKernel() returned, median / p99 ms | ${ms(r.latency.medianMs)} / ${ms(r.latency.p99Ms)} |`,
    `| transitions parsed / expected (${TRANSITIONS_PER_CONNECTION} per connection) | ${r.transitionsParsed} / ${r.transitionsExpected} |`,
    `| events lost (overruns after close()) | ${r.lost} |`,
  ].join('\n');
}
