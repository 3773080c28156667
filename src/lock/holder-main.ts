// A lock holder in a process of its own, for labs that must crash or pause a holder at an
// exact point: it prints a line at each step, and stops itself (SIGSTOP) where the lab wants
// the pause, so the lab resumes it (SIGCONT) or kills it (SIGKILL) deterministically.

import { isLockError } from './errors.js';
import { LockClient } from './lock.js';
import { connectRedis } from './redis-client.js';
import { SharedResource } from './resource.js';
import type { HolderOptions } from './holder.js';
import type { Lease } from './lease.js';

function say(line: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${line}\n`, () => resolve()));
}

/** Stops this process until the lab sends SIGCONT. */
async function pause(why: string): Promise<void> {
  await say(`pausing: ${why}`);
  process.kill(process.pid, 'SIGSTOP');
  await say('resumed');
}

/** Releases, and says how it went: `released: ok`, or `release refused (CODE): why`. */
async function release(lease: Lease): Promise<void> {
  try {
    await lease.release();
    await say('released: ok');
  } catch (err) {
    if (!isLockError(err)) throw err;
    await say(`release refused (${err.code}): ${err.detail}`);
  }
}

function forever(): Promise<never> {
  return new Promise(() => setInterval(() => {}, 1 << 30));
}

async function main(o: HolderOptions): Promise<void> {
  const endpoint = { host: o.host, port: o.port };
  switch (o.scenario) {
    case 'setnx-then-expire': {
      const redis = connectRedis(endpoint);
      await say(`SETNX ${o.key} -> ${String(await redis.call('SETNX', o.key, o.value ?? 'holder'))}; EXPIRE comes next`);
      // Sends EXPIRE only when told (SIGUSR2); the lab kills it first: the crash window made exact.
      await new Promise<void>((resolve) => process.once('SIGUSR2', () => resolve()));
      await say(`EXPIRE ${o.key} -> ${String(await redis.call('EXPIRE', o.key, Math.ceil(o.ttlMs / 1000)))}`);
      return forever();
    }
    case 'set-nx-px': {
      const redis = connectRedis(endpoint);
      await say(`SET ${o.key} NX PX ${o.ttlMs} -> ${String(await redis.call('SET', o.key, o.value ?? 'holder', 'NX', 'PX', o.ttlMs))}`);
      return forever();
    }
    case 'pause-before-release': {
      const resource = new SharedResource(endpoint, o.resource);
      if (o.release === 'plain-del') {
        const redis = connectRedis(endpoint);
        const got = await redis.call('SET', o.key, o.value ?? 'holder', 'NX', 'PX', o.ttlMs);
        await say(`acquired: SET NX PX -> ${String(got)}`);
        await say(`wrote: ${await resource.increment()}`);
        await pause('before release');
        await say(`released: DEL -> ${String(await redis.call('DEL', o.key))}`);
      } else {
        const locks = new LockClient(endpoint);
        const lease = await locks.acquire(o.key, { ttlMs: o.ttlMs, deadlineMs: 0 });
        await say(`acquired: fence ${lease.fence}`);
        await say(`wrote: ${await resource.increment()}`);
        await pause('before release');
        await release(lease);
      }
      break;
    }
    case 'pause-in-critical-section': {
      const resource = new SharedResource(endpoint, o.resource);
      const locks = new LockClient(endpoint);
      const lease = await locks.acquire(o.key, { ttlMs: o.ttlMs, deadlineMs: 0 });
      await say(`acquired: fence ${lease.fence}`);
      lease.throwIfLost();
      const v = await resource.read();
      await pause(`read ${v}, about to write ${v + 1}`);
      const result = await resource.write(v, v + 1, o.fenced ? lease.fence : undefined);
      await say(`write ${v + 1}${o.fenced ? ` with fence ${lease.fence}` : ''}: ${result}`);
      await release(lease);
      break;
    }
    default: {
      const never: never = o.scenario;
      throw new Error(`unknown scenario ${String(never)}`);
    }
  }
  await say('done');
  process.exit(0);
}

main(JSON.parse(process.argv[2] ?? '{}') as HolderOptions).catch(async (err: unknown) => {
  await say(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
