// lock-unsafe-release: a plain DEL as the release frees whoever holds the lock by then.
// Deterministic: the first holder, a child process, updates the resource and stops itself
// (SIGSTOP) just before its release; the lab waits past its 200 ms TTL, lets a second client in,
// then resumes it (SIGCONT). Its DEL removes the second's lock and a third client gets in while
// the second is still inside. The owner-checked release (compare token, then delete, in one
// script) refuses instead: the third waits for the second's release.
import { connectRedis, lab, LockClient, SharedResource, startHolder, startRedis, type LabContext, type RedisConnection, type StartedRedis } from 'tcplab';
import { setTimeout as sleep } from 'node:timers/promises';

type Release = 'plain-del' | 'owner-checked';

/** The recipe under test: acquire `key` as `who`, and the matching release. */
function recipe(release: Release, admin: RedisConnection, locks: LockClient) {
  return async (key: string, who: string): Promise<() => Promise<void>> => {
    if (release === 'owner-checked') {
      const lease = await locks.acquire(key, { ttlMs: 2000, deadlineMs: 3000 });
      return () => lease.release();
    }
    // The seed's acquire (made atomic) with a release that does not check the owner.
    for (const until = Date.now() + 3000; Date.now() < until; await sleep(10)) {
      if ((await admin.call('SET', key, who, 'NX', 'PX', 2000)) === 'OK') return async () => void (await admin.call('DEL', key));
    }
    throw new Error(`${who} did not get ${key} within 3000 ms`);
  };
}

async function scenario(t: LabContext, redis: StartedRedis, release: Release): Promise<void> {
  const key = `lock:${release}`;
  const admin = connectRedis(redis);
  const locks = new LockClient(redis);
  const resource = new SharedResource(redis, `resource:${release}`);
  const acquire = recipe(release, admin, locks);
  try {
    const first = await startHolder(t, { scenario: 'pause-before-release', host: redis.host, port: redis.port, key, ttlMs: 200, resource: resource.key, release }, `first-${release}`);
    await first.line(/^pausing/);
    await first.stopped();
    await sleep(300); // the first's TTL runs out while it is stopped
    const releaseSecond = await acquire(key, 'second');
    const read = await resource.read();
    first.signal('SIGCONT');
    const said = await first.line(/^release/);
    await first.exited();
    t.note(`${release}: the first holder, resumed, says "${said}"`);
    // The third's critical section: read, work 50 ms, write.
    const third = (async () => {
      const releaseThird = await acquire(key, 'third');
      await resource.increment({ workMs: 50 });
      await releaseThird();
    })();
    await sleep(100); // the second is still inside
    await resource.write(read, read + 1);
    await releaseSecond();
    await third;
    const stats = await resource.stats();
    if (release === 'plain-del') {
      t.check(said === 'released: DEL -> 1', 'the resumed first holder\'s plain DEL to delete a lock (the second\'s)', said);
      t.check(stats.violations > 0, 'with a plain DEL: the third gets in beside the second, mutual-exclusion violations > 0', `${stats.violations} violations, ${stats.writes} writes`);
    } else {
      t.check(/^release refused/.test(said), 'the resumed first holder\'s owner-checked release to be refused, and say so', said);
      t.check(stats.violations === 0, 'with the owner-checked release: 0 mutual-exclusion violations', `${stats.violations} violations, ${stats.writes} writes`);
    }
  } finally {
    await Promise.all([admin.quit(), locks.close(), resource.close()]);
  }
}

export default lab('lock-unsafe-release', {
  explain:
    'A holder paused past its TTL (a GC pause, a stopped VM) still believes it holds the lock. If its release is a plain ' +
    'DEL, it deletes the lock of whoever acquired it meanwhile, and a third client enters beside the second. Releasing ' +
    'only when the stored value is still the owner\'s own random token (one compare-and-delete script) makes that release ' +
    'a no-op that is reported, and the third waits.',
  needs: ['netns', 'redis-server'],
  timeoutMs: 20_000,
}, async (t) => {
  const redis = await startRedis(t);
  try {
    await scenario(t, redis, 'plain-del');
    await scenario(t, redis, 'owner-checked');
  } finally {
    await redis.stop();
  }
});
