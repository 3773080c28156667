// lock-restart: the lock lives in Redis's memory; a Redis that crashes and restarts without
// persistence has forgotten it. Deterministic: the lab SIGKILLs redis-server while A holds a
// 10 s lock and starts it again on the same port; B then asks for the lock. Without persistence B
// gets it at once and both are inside; with an append-only file fsynced on every write
// (`appendfsync always`) the lock comes back with its TTL and B waits until its deadline.
import { lab, LockClient, SharedResource, startRedis, isLockError, type LabContext, type StartedRedis } from 'tcplab';

async function scenario(t: LabContext, resourceServer: StartedRedis, persistence: 'none' | 'aof-always'): Promise<void> {
  const redis = await startRedis(t, { persistence, name: `redis-${persistence}` });
  const a = new LockClient(redis);
  const b = new LockClient(redis);
  const resource = new SharedResource(resourceServer, `resource:${persistence}`);
  try {
    const held = await a.acquire('lock', { ttlMs: 10_000 });
    const acquiredAt = performance.now();
    const read = await resource.read();
    await redis.restart(); // SIGKILL, then the same config and port
    const pttl = Number(await a.redis.call('PTTL', 'lock'));
    const elapsed = performance.now() - acquiredAt;
    t.note(`${persistence}: after the crash and restart, PTTL of the lock ${pttl}`);
    let secondFence = 0;
    const second = await b.acquire('lock', { ttlMs: 10_000, deadlineMs: 500 }).then(
      async (lease) => {
        secondFence = lease.fence;
        await resource.increment({ fence: lease.fence });
        await lease.release();
        return `acquired with fence ${lease.fence}`;
      },
      (err: unknown) => (isLockError(err, 'deadline') ? 'deadline' : `error: ${String(err)}`),
    );
    await resource.write(read, read + 1, held.fence);
    const released = await held.release().then(() => 'released', (err: unknown) => (isLockError(err) ? `release refused (${err.code})` : String(err)));
    const evals = /cmdstat_eval:calls=(\d+)/.exec(String(await a.redis.call('INFO', 'commandstats')))?.[1] ?? '0';
    const stats = await resource.stats();
    const counts = `${stats.violations} violations, ${stats.writes} writes; B: ${second}; A: ${released}`;
    if (persistence === 'none') {
      t.check(pttl === -2, 'without persistence: the restarted Redis to have forgotten the lock (PTTL -2)', `PTTL ${pttl}`);
      t.check(second.startsWith('acquired') && stats.violations > 0, 'without persistence: B to get the lock while A holds it, violations > 0', counts);
      t.check(secondFence <= held.fence, 'without persistence: the fencing counter to be forgotten too (B\'s token not above A\'s), so fencing cannot help', `A ${held.fence}, B ${secondFence}`);
    } else {
      // Alive, and expiring when it would have without the restart (however long the restart took).
      t.check(pttl > 0 && pttl >= 10_000 - elapsed - 100, 'with appendfsync always: the lock to come back with its TTL', `PTTL ${pttl} after ${Math.round(elapsed)} ms`);
      t.check(second === 'deadline' && stats.violations === 0 && released === 'released', 'with appendfsync always: B to wait until its deadline, 0 violations, A to release normally', counts);
    }
    t.check(Number(evals) >= 1, `${persistence}: the scripts, forgotten by the restarted Redis, to be sent again (NOSCRIPT, then EVAL)`, `EVAL calls ${evals}`);
  } finally {
    await Promise.all([a.close(), b.close(), resource.close()]);
    await redis.stop();
  }
}

export default lab('lock-restart', {
  explain:
    'A single Redis is the lock\'s only memory. Crash and restart it without persistence and the lock is gone: another ' +
    'client acquires it while the first still works inside. With appendonly and appendfsync always, the SET that took ' +
    'the lock is on disk before the reply, so the restarted Redis still holds it, with its expiry time.',
  needs: ['netns', 'redis-server'],
  timeoutMs: 20_000,
}, async (t) => {
  const resourceServer = await startRedis(t, { name: 'redis-resource' });
  try {
    await scenario(t, resourceServer, 'none');
    await scenario(t, resourceServer, 'aof-always');
  } finally {
    await resourceServer.stop();
  }
});
