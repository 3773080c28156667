// Labs run in private network namespaces that vanish with them, and the host's networking is
// never touched: its sysctls and nftables ruleset are the same after the labs that change
// sysctls and drop packets as before.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, hasProgram, isRoot, processesMatching, ROOT, STRICT, tcplab, eventually } from '../helpers.js';

function hostSysctls(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of ['/proc/sys/net/ipv4', '/proc/sys/net/core']) {
    for (const name of readdirSync(dir)) {
      if (!/^(tcp_|somaxconn|ip_local_port_range)/.test(name)) continue;
      try {
        out[`${dir}/${name}`] = readFileSync(`${dir}/${name}`, 'utf8');
      } catch {
        // write-only or unreadable
      }
    }
  }
  return out;
}

function ruleset(): string {
  const r = spawnSync('nft', ['list', 'ruleset'], { encoding: 'utf8' });
  return `${r.status} ${r.stdout}`;
}

/** Network namespaces (by inode) that some process is in right now. */
function liveNetns(): Set<string> {
  const out = new Set<string>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      out.add(readlinkSync(`/proc/${pid}/ns/net`));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}


const needRootAndNft = !isRoot() || !hasProgram('nft');

describe('private network namespaces', () => {
  it.skipIf(needRootAndNft && !STRICT)('leave the host\'s sysctls and nftables ruleset as they were', async () => {
    const before = { sysctls: hostSysctls(), nft: ruleset() };
    const r = await tcplab(['run', 'orphan-fin-wait2', 'syn-recv', 'stale-syn', '--json']);
    expect(JSON.parse(r.stdout).labs.map((l: { status: string }) => l.status)).toEqual(['passed', 'passed', 'passed']);
    expect(hostSysctls()).toEqual(before.sysctls);
    expect(ruleset()).toBe(before.nft);
  });

  it('run each lab in a namespace of its own that is gone after an interrupt', async () => {
    const host = readlinkSync('/proc/self/ns/net');
    const child = spawn(process.execPath, [CLI, 'run', 'test/fixtures/labs/holds.lab.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('READY')) resolve();
      });
      child.on('close', () => reject(new Error(`exited before READY: ${out}`)));
    });
    const lab = processesMatching('holds.lab.ts').find((l) => l.includes('runner/child'))!;
    const netns = readlinkSync(`/proc/${lab.trim().split(/\s+/)[0]}/ns/net`);
    expect(netns).not.toBe(host);
    child.kill('SIGINT');
    await new Promise((resolve) => child.on('close', resolve));
    expect(await eventually(() => !liveNetns().has(netns))).toBe(true);
  });

  it('--no-netns runs on the host loopback and skips, with the reason, the labs that need a namespace', async () => {
    const r = await tcplab(['run', '--all', '--json', '--no-netns']);
    const doc = JSON.parse(r.stdout);
    expect(doc.network).toMatchObject({ network: 'host' });
    const byName = new Map(doc.labs.map((l: { name: string }) => [l.name, l]));
    for (const name of ['syn-recv', 'orphan-fin-wait2', 'stale-syn']) {
      expect(byName.get(name)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^needs a private network namespace/) });
    }
    for (const name of ['handshake', 'half-close', 'closing', 'syn-sent', 'self-connect']) {
      expect(byName.get(name)).toMatchObject({ status: 'passed', network: 'host' });
    }
    expect(r.code).toBe(0);
  });
});
