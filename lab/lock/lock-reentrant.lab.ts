// lock-reentrant: the same owner acquires again without deadlocking itself; any other owner
// waits. Deterministic: one owner (a task) nests two acquisitions; the nesting count is in Redis
// (KEY:holds), so the lock is freed only when the count returns to zero. Another owner gives up
// at its deadline, then is woken by the final release (pub/sub) instead of its 2 s retry; a third
// release of a two-deep hold is refused as unbalanced.
import { connectRedis, isLockError, lab, LockClient, SharedResource, startRedis } from 'tcplab';
import { setTimeout as sleep } from 'node:timers/promises';

export default lab('lock-reentrant', {
  explain:
    'A reentrant lock lets the owner that holds it acquire it again (a function calling another that takes the same ' +
    'lock) instead of waiting for itself forever. The nesting count lives in Redis with the lock, so any process of the ' +
    'owner sees the same count; the lock is freed at zero; a release more than the acquisitions is an error, not a ' +
    'silent leak. Other owners wait, up to their deadline, and are woken by the release rather than by polling.',
  needs: ['netns', 'redis-server'],
  timeoutMs: 15_000,
}, async (t) => {
  const redis = await startRedis(t);
  const admin = connectRedis(redis);
  const locks = new LockClient(redis);
  const resource = new SharedResource(redis);
  try {
    const task = locks.owner('task-1');
    const other = locks.owner('task-2');
    const outer = await task.acquire('lock', { ttlMs: 5000 });
    await resource.increment({ fence: outer.fence });
    const inner = await task.acquire('lock', { ttlMs: 5000 });
    await resource.increment({ fence: inner.fence });
    const holds = String(await admin.call('GET', 'lock:holds'));
    t.check(inner.depth === 2 && holds === '2' && inner.fence === outer.fence, 'the nested acquisition by the same owner to succeed: depth 2 in Redis, same fencing token',
      `depth ${inner.depth}, lock:holds ${holds}, fences ${outer.fence}/${inner.fence}`);

    const t0 = performance.now();
    const refused = await other.acquire('lock', { deadlineMs: 300 }).then(() => 'acquired', (err: unknown) => (isLockError(err) ? err.code : String(err)));
    const waited = Math.round(performance.now() - t0);
    t.check(refused === 'deadline' && waited >= 295, 'another owner to wait until its 300 ms deadline, then give up', `${refused} after ${waited} ms`);

    await inner.release();
    const still = String(await admin.call('GET', 'lock'));
    t.check(still === outer.token, 'the lock to stay held after the inner release (count 1)', `lock:holds ${String(await admin.call('GET', 'lock:holds'))}`);

    const waiting = other.acquire('lock', { deadlineMs: 5000, retryMs: 2000 });
    await sleep(200);
    const releasedAt = performance.now();
    await outer.release();
    const next = await waiting;
    const wake = Math.round(performance.now() - releasedAt);
    t.check(wake < 150, 'the waiting owner to get the lock on the final release (woken, not after its 1-3 s retry)', `${wake} ms after the release, fence ${next.fence}`);
    await resource.increment({ fence: next.fence });
    await next.release();

    const unbalanced = await inner.release().then(() => 'released', (err: unknown) => (isLockError(err) ? err.code : String(err)));
    t.check(unbalanced === 'unbalanced', 'a third release of a two-deep hold to be refused as unbalanced', unbalanced);
    const stats = await resource.stats();
    t.check(stats.violations === 0, 'the shared resource to record no mutual-exclusion violation', `${stats.violations} violations, ${stats.writes} writes`);
  } finally {
    await Promise.all([admin.quit(), locks.close(), resource.close()]);
    await redis.stop();
  }
});
