// lock-setnx-expire: the seed's lock, SETNX then EXPIRE, and a holder that dies between the two.
// Deterministic: the holder is a child process that sends SETNX, says so, and would send EXPIRE
// only when told; the lab SIGKILLs it first. The key is left with no TTL (PTTL -1) and nobody
// can ever acquire it. The same crash right after the atomic SET NX PX leaves a TTL: it frees itself.
import { connectRedis, isLockError, lab, LockClient, SharedResource, startHolder, startRedis } from 'tcplab';

export default lab('lock-setnx-expire', {
  explain:
    'SETNX then EXPIRE is two commands: a holder that crashes between them leaves a lock with no TTL, held forever by a ' +
    'dead process (PTTL -1), and every later acquire fails at its deadline. SET key token NX PX ttl does both in one ' +
    'command: the same crash leaves a lock that expires by itself, and the next client gets it when the TTL runs out.',
  needs: ['netns', 'redis-server'],
  timeoutMs: 20_000,
}, async (t) => {
  const redis = await startRedis(t);
  const admin = connectRedis(redis);
  const locks = new LockClient(redis);
  const resource = new SharedResource(redis);
  try {
    // The seed's recipe: value "IP + task id", SETNX, then EXPIRE 1 s, killed in between.
    const seed = await startHolder(t, { scenario: 'setnx-then-expire', host: redis.host, port: redis.port, key: 'lock:two-step', ttlMs: 1000, value: '127.0.0.1:task-1' }, 'setnx-holder');
    seed.signal('SIGKILL');
    await seed.exited();
    const stuck = Number(await admin.call('PTTL', 'lock:two-step'));
    t.check(stuck === -1, 'the two-step lock, its holder killed after SETNX, to be left without a TTL (PTTL -1)', `PTTL ${stuck}`);
    const late = await locks.acquire('lock:two-step', { ttlMs: 1000, deadlineMs: 1500 }).then(
      (lease) => `acquired (fence ${lease.fence})`,
      (err: unknown) => (isLockError(err, 'deadline') ? 'deadline' : String(err)),
    );
    t.check(late === 'deadline', 'a later client to fail at its 1500 ms deadline, past the 1000 ms the TTL would have been', late);
    t.note(`after the deadline: PTTL ${String(await admin.call('PTTL', 'lock:two-step'))}, value ${String(await admin.call('GET', 'lock:two-step'))}: held for good`);

    // The atomic recipe, killed at the same point.
    const atomic = await startHolder(t, { scenario: 'set-nx-px', host: redis.host, port: redis.port, key: 'lock:atomic', ttlMs: 300 }, 'atomic-holder');
    atomic.signal('SIGKILL');
    await atomic.exited();
    const ttl = Number(await admin.call('PTTL', 'lock:atomic'));
    t.check(ttl > 0 && ttl <= 300, 'the atomic lock, its holder killed, to keep its TTL (0 < PTTL <= 300 ms)', `PTTL ${ttl}`);
    const started = performance.now();
    const lease = await locks.acquire('lock:atomic', { ttlMs: 1000, deadlineMs: 1500 });
    const waited = Math.round(performance.now() - started);
    t.check(waited >= ttl - 20 && waited < ttl + 500, `the next client to get the lock when the TTL runs out (~${ttl} ms), not later`, `acquired after ${waited} ms, fence ${lease.fence}`);
    await resource.increment({ fence: lease.fence });
    await lease.release();
    const stats = await resource.stats();
    t.check(stats.violations === 0, 'the shared resource to record no mutual-exclusion violation', `${stats.violations} violations, ${stats.writes} writes`);
  } finally {
    await Promise.all([admin.quit(), locks.close(), resource.close()]);
    await redis.stop();
  }
});
