// The shared resource of the lock labs: a lost update counts as a violation, and a write with
// an older fencing token is refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedResource } from '../../src/lock/index.js';
import { redisAvailable, useRedis } from './redis.js';

describe('SharedResource on a real redis-server', () => {
  if (!redisAvailable()) return;
  const redis = useRedis();
  let r: SharedResource;
  let n = 0;
  beforeAll(() => {
    r = new SharedResource(redis());
  });
  afterAll(async () => {
    await r?.close();
  });
  const fresh = () => new SharedResource(redis(), `resource-${++n}`);

  it('counts no violation for serial read-modify-writes', async () => {
    const res = fresh();
    for (let i = 0; i < 5; i++) expect(await res.increment()).toBe('written');
    expect(await res.stats()).toEqual({ value: 5, writes: 5, violations: 0, rejected: 0 });
    await res.close();
  });

  it('counts a lost update when two overlap', async () => {
    const res = fresh();
    await Promise.all([res.increment({ workMs: 30 }), res.increment({ workMs: 30 })]);
    expect(await res.stats()).toMatchObject({ value: 1, writes: 2, violations: 1 });
    await res.close();
  });

  it('refuses a write whose fencing token is older than the newest seen', async () => {
    const res = fresh();
    const v = await res.read();
    expect(await res.increment({ fence: 34 })).toBe('written');
    expect(await res.write(v, v + 1, 33)).toBe('rejected');
    expect(await res.increment({ fence: 34 })).toBe('written');
    expect(await res.stats()).toEqual({ value: 2, writes: 2, violations: 0, rejected: 1 });
    await res.close();
  });
});
