// startRedis: its own folder and config, restarts on the same port, persistence as asked,
// and nothing left behind when stopped.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectRedis, redisConfig, startRedis } from '../../src/lock/index.js';
import { redisAvailable, starter } from './redis.js';

describe('redisConfig', () => {
  it('binds loopback, does not daemonize, persists only when asked', () => {
    const none = redisConfig('127.0.0.1', 6400, '/tmp/x', 'none');
    expect(none).toContain('bind 127.0.0.1\nport 6400\ndaemonize no');
    expect(none).toContain('save ""');
    expect(none).toContain('appendonly no');
    expect(redisConfig('::1', 6400, '/tmp/x', 'aof-always')).toMatch(/appendonly yes\nappendfsync always/);
  });
});

describe('startRedis on a real redis-server', () => {
  if (!redisAvailable()) return;

  for (const [persistence, survives] of [['none', false], ['aof-always', true]] as const) {
    it(`with persistence ${persistence}, a crash and restart ${survives ? 'keeps' : 'forgets'} a key`, async () => {
      const server = await startRedis(starter, { persistence });
      try {
        expect(readFileSync(`${server.dir}/redis.conf`, 'utf8')).toContain(`port ${server.port}`);
        const redis = connectRedis(server);
        await redis.call('SET', 'k', 'v', 'PX', 60_000);
        const pid = server.pid;
        await server.restart();
        expect(server.pid).not.toBe(pid);
        expect(await redis.call('GET', 'k')).toBe(survives ? 'v' : null);
        await redis.quit();
      } finally {
        await server.stop();
      }
      expect(existsSync(server.dir)).toBe(false);
    });
  }

  it('refuses an unknown persistence', async () => {
    await expect(startRedis(starter, { persistence: 'rdb' as 'none' })).rejects.toThrow("Expected the `persistence` option to be 'none' or 'aof-always', got `rdb`");
  });
});
