// redlock: one lock over five redis-servers, each on a simulated host of its own (a network
// namespace with a veth to a bridge in the lab's namespace), held when a majority (3) sets it.
// Deterministic: a host is cut off by nftables rules (family bridge) in the lab's namespace that
// drop every frame to and from its address as it crosses the bridge, as a dead link would, so
// its answers never come; the lock is acquired with 4 of 5 hosts and cannot be with 2, whatever
// the timing, which is only measured.
import { isLockError, lab, Redlock, SharedResource, startRedis, type LabContext, type RedlockLease, type StartedRedis } from 'tcplab';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

const HOSTS = 5;
const BRIDGE = 'tcplab-br';
/** An instance that does not answer within this many ms counts as a no (Redlock: a few ms to tens). */
const INSTANCE_TIMEOUT_MS = 50;
const FAIL_DEADLINE_MS = 1000;
/** Past the deadline, an attempt in flight and its undo may each still take one instance timeout, plus a loaded machine's delays. */
const FAIL_MARGIN_MS = 2 * INSTANCE_TIMEOUT_MS + 700;
/** Acquisitions timed in each case. */
const RUNS = 10;
const CONTENDERS = 4;
const CONTENTION_MS = 1500;
/** How long a host cut off for a few seconds may stay silent after the cut: its next retransmission. */
const RECOVERY_MS = 15_000;

// Run by each host in its fresh namespace: loopback up, a veth pair whose other end ($2) goes to
// the lab's namespace (the lab's process $3), the host's address ($1), then exec redis-server.
const HOST_SETUP = 'ip link set lo up; ip link add eth0 type veth peer name "$2" netns "$3"; ip addr add "$1/24" dev eth0; ip link set eth0 up; shift 3; exec "$@"';

async function ip(t: LabContext, ...args: string[]): Promise<void> {
  const r = await t.exec('ip', args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** A bridge at 10.77.0.1, then hosts 10.77.0.11-15, each running redis-server on port 6379. */
async function startHosts(t: LabContext): Promise<StartedRedis[]> {
  await ip(t, 'link', 'add', BRIDGE, 'type', 'bridge');
  await ip(t, 'addr', 'add', '10.77.0.1/24', 'dev', BRIDGE);
  await ip(t, 'link', 'set', BRIDGE, 'up');
  return Promise.all(Array.from({ length: HOSTS }, async (_, i) => {
    const [name, host, veth] = [`host-${i + 1}`, `10.77.0.${11 + i}`, `tcplab-v${i + 1}`];
    const prefix = ['unshare', '--net', '--', 'sh', '-ec', HOST_SETUP, name, host, veth, String(process.pid)];
    const server = await startRedis(t, { name, bind: { host, port: 6379 }, prefix });
    await ip(t, 'link', 'set', veth, 'master', BRIDGE, 'up');
    return server;
  }));
}

/** Every frame between the lab and these hosts dropped on the bridge, both ways, as a lost link would. */
async function cutOff(t: LabContext, hosts: StartedRedis[]): Promise<void> {
  for (const { host } of hosts) {
    await t.drop(`ip saddr ${host}`, { family: 'bridge', hook: 'input' });
    await t.drop(`ip daddr ${host}`, { family: 'bridge', hook: 'output' });
  }
}

/** `runs` acquisitions, each released: acquire latency (median, max) and the fewest and most votes. */
async function latency(locks: Redlock, runs: number): Promise<{ median: number; max: number; fewest: number; most: number; validity: number }> {
  const times: number[] = [];
  const votes: number[] = [];
  let validity = Infinity;
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    const lease = await locks.acquire('lock', { ttlMs: 2000, deadlineMs: 2000, retryMs: 20 });
    times.push(performance.now() - t0);
    votes.push(lease.votes);
    validity = Math.min(validity, lease.validityMs);
    await lease.release();
  }
  times.sort((a, b) => a - b);
  return { median: Math.round(times[runs >> 1]!), max: Math.round(times.at(-1)!), fewest: Math.min(...votes), most: Math.max(...votes), validity: Math.round(validity) };
}

/** Contenders loop acquire, read-modify-write (while still valid), release, for CONTENTION_MS. */
async function contend(clients: Redlock[], resource: SharedResource): Promise<{ sections: number; skipped: number }> {
  const stop = AbortSignal.timeout(CONTENTION_MS);
  setMaxListeners(clients.length * 2, stop);
  let [sections, skipped] = [0, 0];
  await Promise.all(clients.map(async (client) => {
    while (!stop.aborted) {
      const lease: RedlockLease | undefined = await client.acquire('lock', { ttlMs: 1000, deadlineMs: 5000, retryMs: 30, signal: stop }).catch((err: unknown) => {
        if (isLockError(err, 'aborted')) return undefined;
        throw err;
      });
      if (!lease) return;
      if (performance.now() < lease.validUntil) {
        await resource.increment({ workMs: 5 });
        sections += 1;
      } else {
        skipped += 1;
      }
      await lease.release();
    }
  }));
  return { sections, skipped };
}

export default lab('redlock', {
  explain:
    'Redlock takes one lock on N independent Redis servers: SET NX PX with the same random token on all of them at ' +
    'once, and the lock is held when a majority (3 of 5) said yes while time is left on the TTL after the round and a ' +
    'clock-drift allowance; a failed attempt is undone everywhere and retried until the deadline. So one host cut off ' +
    'changes nothing but latency, and three cut off make every attempt fail. Kleppmann\'s critique: its safety assumes ' +
    'that pauses, network delays and clock drift are bounded. A holder paused (GC, page fault, SIGSTOP) past the TTL, ' +
    'or a Redis server whose clock jumps forward and expires the key early, lets another client acquire while the first ' +
    'still believes it holds the lock: two writers. Only the resource can stop the late one, by refusing a fencing token ' +
    'older than one it has already seen (lock-pause-past-ttl); Redlock cannot give one, since five independent servers ' +
    'share no counter that could hand out strictly increasing numbers.',
  needs: ['netns', 'nft', 'redis-server'],
  timeoutMs: 40_000,
}, async (t) => {
  const hosts = await startHosts(t);
  const store = await startRedis(t, { name: 'resource' }); // the protected resource, on a server of its own
  const locks = new Redlock(hosts, { instanceTimeoutMs: INSTANCE_TIMEOUT_MS });
  const contenders = Array.from({ length: CONTENDERS }, () => new Redlock(hosts, { instanceTimeoutMs: INSTANCE_TIMEOUT_MS }));
  const resource = new SharedResource(store);
  try {
    await Promise.all([locks, ...contenders].map((c) => c.ready()));
    const pongs = await Promise.all(locks.instances.map((r) => r.call('PING').catch(() => 'no answer')));
    t.check(pongs.every((p) => p === 'PONG'), `all ${HOSTS} hosts up: each redis-server answers PING over the bridge`,
      hosts.map((h, i) => `${h.host} ${String(pongs[i])}`).join(', '));

    const all = await latency(locks, RUNS);
    t.note(`${HOSTS} of ${HOSTS} hosts reachable: acquire median ${all.median} ms, max ${all.max} ms, validity >= ${all.validity} ms of 2000`);
    t.check(all.fewest >= locks.quorum && all.most === HOSTS, `with ${HOSTS} hosts reachable: ${RUNS} acquisitions, each by a majority, every host voting`,
      `${all.fewest}-${all.most} votes, median ${all.median} ms`);

    await cutOff(t, hosts.slice(0, 1));
    const cutAt = performance.now();
    const four = await latency(locks, RUNS);
    t.note(`4 of ${HOSTS} reachable: acquire median ${four.median} ms, max ${four.max} ms (every attempt waits ${INSTANCE_TIMEOUT_MS} ms for the silent host)`);
    t.check(four.fewest >= locks.quorum && four.most <= HOSTS - 1, `host-1 cut off: ${RUNS} acquisitions, each by a majority (${locks.quorum}) of the 4 left, never host-1`,
      `${four.fewest}-${four.most} votes, median ${four.median} ms`);
    const { sections, skipped } = await contend(contenders, resource);
    const stats = await resource.stats();
    t.note(`4 of ${HOSTS} reachable, ${CONTENDERS} contenders for ${CONTENTION_MS} ms: ${sections} critical sections, ${skipped} skipped (validity gone)`);
    t.check(stats.violations === 0 && sections > 0, `host-1 cut off, ${CONTENDERS} contenders: 0 mutual-exclusion violations`, `${stats.violations} violations, ${stats.writes} writes`);

    await cutOff(t, hosts.slice(1, 3));
    const t0 = performance.now();
    const failed = await locks.acquire('lock', { ttlMs: 2000, deadlineMs: FAIL_DEADLINE_MS, retryMs: 100 }).then(
      (lease) => `acquired with ${lease.votes} votes`,
      (err: unknown) => (isLockError(err) ? `${err.code}: ${err.detail}` : String(err)),
    );
    const waited = Math.round(performance.now() - t0);
    t.note(`2 of ${HOSTS} reachable: gave up after ${waited} ms (deadline ${FAIL_DEADLINE_MS} ms)`);
    t.check(failed.startsWith('deadline') && waited >= FAIL_DEADLINE_MS && waited <= FAIL_DEADLINE_MS + FAIL_MARGIN_MS,
      `hosts 1-3 cut off: acquire fails by its ${FAIL_DEADLINE_MS} ms deadline (within ${FAIL_MARGIN_MS} ms past it)`, `${failed}, after ${waited} ms`);

    await t.stopDropping();
    const t1 = performance.now();
    const back = await locks.acquire('lock', { ttlMs: 2000, deadlineMs: 5000, retryMs: 20 });
    const recovered = Math.round(performance.now() - t1);
    await back.release();
    t.note(`cut lifted: acquired again after ${recovered} ms with ${back.votes} votes (a cut-off host answers at its connection's next TCP retransmission)`);
    t.check(back.votes >= locks.quorum, 'cut lifted: acquire works again', `${back.votes} votes after ${recovered} ms`);
    // A PING waits behind everything still unsent on host-1's connection: it answers once TCP retransmits.
    const giveUp = new AbortController();
    const answered = await Promise.race([locks.instances[0]!.call('PING'), sleep(RECOVERY_MS, 'no answer', { signal: giveUp.signal })]);
    giveUp.abort();
    const silentMs = Math.round(performance.now() - t1);
    t.note(`host-1, cut off for ${Math.round(t1 - cutAt)} ms, answered again ${silentMs} ms after the cut was lifted: retransmissions back off exponentially, so a long cut leaves a long silence after it`);
    t.check(answered === 'PONG', `cut lifted: host-1 answers again within ${RECOVERY_MS} ms`, `${String(answered)} after ${silentMs} ms`);
  } finally {
    await Promise.all([locks, ...contenders].map((c) => c.close()));
    await resource.close();
    await Promise.all([store, ...hosts].map((h) => h.stop()));
  }
});
