// lock-pause-past-ttl: a correct lock does not stop a paused holder from writing late.
// Deterministic: the holder, a child process, acquires (owner-checked release and all), checks
// that it still holds the lock, reads the resource, and stops itself (SIGSTOP) before writing.
// The lab waits past its 200 ms TTL, lets a second client acquire and update, then resumes it
// (SIGCONT): its write lands on a value it no longer owns. The fencing token (INCR in the acquire
// script) lets the resource refuse that write, because a newer token has already been used.
import { lab, LockClient, SharedResource, startHolder, startRedis, type LabContext, type StartedRedis } from 'tcplab';
import { setTimeout as sleep } from 'node:timers/promises';

async function scenario(t: LabContext, redis: StartedRedis, fenced: boolean): Promise<void> {
  const name = fenced ? 'fenced' : 'unfenced';
  const key = `lock:${name}`;
  const locks = new LockClient(redis);
  const resource = new SharedResource(redis, `resource:${name}`);
  try {
    const first = await startHolder(t, { scenario: 'pause-in-critical-section', host: redis.host, port: redis.port, key, ttlMs: 200, resource: resource.key, fenced }, `first-${name}`);
    const firstFence = Number(/fence (\d+)/.exec(await first.line(/^acquired/))![1]);
    await first.line(/^pausing/);
    await first.stopped();
    await sleep(300); // the first's TTL runs out while it is stopped between its read and its write
    const second = await locks.acquire(key, { ttlMs: 2000, deadlineMs: 1000 });
    t.check(second.fence > firstFence, 'the second holder to get a greater fencing token than the first', `first ${firstFence}, second ${second.fence}`);
    await resource.increment({ ...(fenced ? { fence: second.fence } : {}) });
    await second.release();
    first.signal('SIGCONT');
    const wrote = await first.line(/^write/);
    const released = await first.line(/^release/);
    await first.exited();
    t.note(`${name}: the resumed first holder says "${wrote}", then "${released}"`);
    t.check(/refused/.test(released), `${name}: the first holder's release to be refused (the loss reported)`, released);
    const stats = await resource.stats();
    if (fenced) {
      t.check(stats.violations === 0 && stats.rejected === 1, 'with fencing: the stale write refused, 0 mutual-exclusion violations', `${stats.violations} violations, ${stats.rejected} refused, ${stats.writes} writes`);
    } else {
      t.check(stats.violations > 0, 'without fencing: the paused holder\'s late write lands, mutual-exclusion violations > 0', `${stats.violations} violations, ${stats.writes} writes`);
    }
  } finally {
    await Promise.all([locks.close(), resource.close()]);
  }
}

export default lab('lock-pause-past-ttl', {
  explain:
    'Even with an owner-checked release, a holder paused between its check and its write (GC, page fault, SIGSTOP) ' +
    'resumes after its TTL and writes as if it still held the lock: an update is lost. No check inside the holder can ' +
    'close that gap. A fencing token, strictly increasing per acquisition, passed with every write, lets the resource ' +
    'itself refuse a write older than one it has already accepted.',
  needs: ['netns', 'redis-server'],
  timeoutMs: 20_000,
}, async (t) => {
  const redis = await startRedis(t);
  try {
    await scenario(t, redis, false);
    await scenario(t, redis, true);
  } finally {
    await redis.stop();
  }
});
