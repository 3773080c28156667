// startRedis: its own folder and config, restarts on the same port, persistence as asked,
// and nothing left behind when stopped.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

  it('listens where `bind` says, through the `prefix` command, which runs it in its own process', async () => {
    const port = await starter.unusedPort();
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'tcplab-test-')), 'pid');
    // The prefix writes its own pid, then execs redis-server: the same process.
    const server = await startRedis(starter, { bind: { host: '127.0.0.1', port }, prefix: ['sh', '-c', 'echo $$ > "$0"; exec "$@"', marker] });
    try {
      expect(server.port).toBe(port);
      expect(readFileSync(marker, 'utf8').trim()).toBe(String(server.pid));
      const redis = connectRedis(server);
      expect(await redis.call('PING')).toBe('PONG');
      await redis.quit();
    } finally {
      await server.stop();
      rmSync(path.dirname(marker), { recursive: true, force: true });
    }
  });

  it('refuses a prefix that is not a non-empty array of strings', async () => {
    await expect(startRedis(starter, { prefix: [] })).rejects.toThrow('Expected the `prefix` option to be a non-empty array of strings, got ``');
  });

  it('refuses an unknown persistence', async () => {
    await expect(startRedis(starter, { persistence: 'rdb' as 'none' })).rejects.toThrow("Expected the `persistence` option to be 'none' or 'aof-always', got `rdb`");
  });
});
