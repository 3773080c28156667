// lock-contention: 200 clients, each with its own pooled connections, on one hot key and then on
// 200 keys: hand-offs per second, per-client fairness, violations; then the TCP side, pooled
// connections staying ESTABLISHED while connect-per-operation leaves one TIME_WAIT per operation
// on the client. Deterministic in what it checks: counts and order (the lock's wait queue is
// first come, first served), not speeds, which are reported.
import { setMaxListeners } from 'node:events';
import { connectionsTo, connectRedis, formatCounts, isLockError, lab, LockClient, SharedResource, startRedis, type StartedRedis } from 'tcplab';

const CLIENTS = 200;
const PHASE_MS = 1500;

interface PhaseResult { total: number; perSecond: number; min: number; max: number; violations: number }

/** Every client loops acquire, read-modify-write, release on `keyOf(i)` for PHASE_MS. */
async function phase(redis: StartedRedis, clients: LockClient[], name: string, keyOf: (i: number) => string): Promise<PhaseResult> {
  // One resource per lock key, all on one connection of their own.
  const connection = connectRedis(redis);
  const resources = new Map<string, SharedResource>();
  const resourceOf = (key: string) => resources.get(key) ?? resources.set(key, new SharedResource(connection, `resource:${name}:${key}`)).get(key)!;
  const stop = AbortSignal.timeout(PHASE_MS);
  setMaxListeners(clients.length * 2, stop); // every waiter listens to it
  const counts = clients.map(() => 0);
  const t0 = performance.now();
  await Promise.all(clients.map(async (client, i) => {
    while (!stop.aborted) {
      // Waiters are woken in turn (first come, first served); the retry is only a fallback.
      const lease = await client.acquire(keyOf(i), { ttlMs: 5000, deadlineMs: 10_000, retryMs: 1000, signal: stop }).catch((err: unknown) => {
        if (isLockError(err, 'aborted')) return undefined;
        throw err;
      });
      if (!lease) return;
      await resourceOf(keyOf(i)).increment({ fence: lease.fence });
      await lease.release();
      counts[i]! += 1;
    }
  }));
  const elapsed = performance.now() - t0;
  let violations = 0;
  for (const r of resources.values()) violations += (await r.stats()).violations;
  await connection.quit();
  const total = counts.reduce((a, b) => a + b, 0);
  return { total, perSecond: Math.round(total / (elapsed / 1000)), min: Math.min(...counts), max: Math.max(...counts), violations };
}

export default lab('lock-contention', {
  explain:
    '200 clients contend for one lock, then each uses a lock of its own: mutual exclusion holds (0 lost updates), one hot ' +
    'key is bounded by hand-offs (the release hands the lock to the next in line and tells it, in one script) while 200 keys run in parallel, ' +
    'and the wait queue serves clients in turn. ' +
    'Each client keeps its connections (one for commands, one for wake-ups) ESTABLISHED; opening a connection per ' +
    'operation and closing it from the client leaves a TIME_WAIT per operation on the client, 60 s each.',
  needs: ['netns', 'redis-server'],
  // Over 100,000 segments of Redis round trips, half of them lost by netfilter's log at this rate:
  // their capture would cost seconds and show nothing this lab is about.
  noCapture: 'over 100,000 Redis round-trip segments, which show nothing this lab is about',
  sysctls: { 'net.ipv4.tcp_max_tw_buckets': 4096 },
  timeoutMs: 40_000,
}, async (t) => {
  const redis = await startRedis(t);
  const clients = Array.from({ length: CLIENTS }, () => new LockClient(redis));
  try {
    await Promise.all(clients.map((c) => c.ready()));
    for (const [name, keyOf] of [['one key', () => 'hot'], [`${CLIENTS} keys`, (i: number) => `key-${i}`]] as const) {
      const r = await phase(redis, clients, name.replace(' ', '-'), keyOf);
      t.note(`${name}: ${r.total} acquisitions in ${PHASE_MS} ms, ${r.perSecond}/s; per client min ${r.min}, max ${r.max}`);
      t.check(r.violations === 0, `${name}: 0 mutual-exclusion violations under contention`, `${r.violations} violations in ${r.total} critical sections`);
      const spread = `${r.perSecond} acquisitions/s, per client min ${r.min} max ${r.max}`;
      if (keyOf(0) === keyOf(1)) t.check(r.min >= 1 && r.max <= r.min + 2, `${name}: clients served in turn, first come first served (per-client counts within 2)`, spread);
      else t.check(r.min >= 1, `${name}: every client to make progress on its own key`, spread);
    }
    const pooled = await connectionsTo(redis.port);
    t.check((pooled.ESTABLISHED ?? 0) >= CLIENTS && !pooled.TIME_WAIT, `pooled: every client's connection to Redis ESTABLISHED, none in TIME_WAIT`, formatCounts(pooled));

    // Connect per operation: a new connection for each acquire+release, closed by the client.
    for (let batch = 0; batch < CLIENTS; batch += 20) {
      await Promise.all(Array.from({ length: 20 }, async (_, j) => {
        const once = new LockClient(redis);
        const lease = await once.acquire(`once-${batch + j}`, { deadlineMs: 5000 });
        await lease.release();
        await once.close({ quit: false });
      }));
    }
    // The last closes may not have reached the kernel yet, or still be in FIN_WAIT1/2 (Node 26
    // hands a close over a little later): wait, with a deadline, for the TIME_WAITs to be there.
    let after = await connectionsTo(redis.port);
    for (const until = Date.now() + 2000; (after.TIME_WAIT ?? 0) < CLIENTS && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = await connectionsTo(redis.port);
    }
    t.check((after.TIME_WAIT ?? 0) >= CLIENTS, `connect per operation: ${CLIENTS} operations leave >= ${CLIENTS} TIME_WAIT on the client side`, formatCounts(after));
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await redis.stop();
  }
});
