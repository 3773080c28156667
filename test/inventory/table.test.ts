// Reading the socket table of a namespace: this one, another process's, large ones.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSocketTable, readTableTexts } from '../../src/inventory/table.js';
import { hasProgram, isRoot, STRICT } from '../helpers.js';

describe('readTableTexts', () => {
  it('reads the same text as a plain read of /proc/net/tcp', async () => {
    const { tcp, tcp6 } = await readTableTexts();
    expect(tcp.split('\n')[0]).toBe(readFileSync('/proc/net/tcp', 'latin1').split('\n')[0]);
    expect(tcp6 === '' || tcp6.startsWith('  sl')).toBe(true);
  });

  it('says in one line when the process of a namespace does not exist', async () => {
    await expect(readTableTexts({ pid: 2 ** 22 + 1 })).rejects.toThrow(/^no process with pid 4194305$/);
  });

  const canUnshare = isRoot() && hasProgram('unshare');
  it.skipIf(!canUnshare && !STRICT)('reads another namespace through /proc/PID/net, tables larger than one read included', async () => {
    // 3000 listeners in a fresh namespace: about 450 KB of text, more than the first read of 256 KB.
    const script = `
      require('node:child_process').execSync('ip link set lo up');
      const net = require('node:net');
      let n = 0;
      for (let i = 0; i < 3000; i++) net.createServer().listen(0, '127.0.0.1', () => { if (++n === 3000) console.log('ready'); });
      setTimeout(() => process.exit(), 20000);`;
    const child = spawn('unshare', ['--net', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(child.stdout!, 'data');
      const { tcp } = await readTableTexts({ pid: child.pid! });
      expect(tcp.length).toBeGreaterThan(256 * 1024);
      expect(tcp).toBe(readFileSync(`/proc/${child.pid}/net/tcp`, 'latin1'));
      const rows = await readSocketTable({ netns: { pid: child.pid! } });
      expect(rows).toHaveLength(3000);
      expect(new Set(rows.map((r) => r.state))).toEqual(new Set(['LISTEN']));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
