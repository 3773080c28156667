// The lab's packet drops: the nft scripts the firewall sends (a table per family, a chain per
// hook, created once), checked as text and then loaded by nft itself in a fresh namespace.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Commands } from '../../src/actors/command.js';
import { Firewall } from '../../src/actors/firewall.js';
import type { CommandResult } from '../../src/lab/define.js';
import { probeNetns } from '../../src/runner/netns.js';
import { hasProgram, STRICT } from '../helpers.js';

/** A stand-in for the lab's commands: records what would run, answers as told. */
function recorder(answer: Partial<CommandResult> = {}) {
  const runs: { argv: string[]; input: string }[] = [];
  const commands = {
    run: async (program: string, args: string[], input?: string): Promise<CommandResult> => {
      runs.push({ argv: [program, ...args], input: input ?? '' });
      return { code: 0, stdout: '', stderr: '', ...answer };
    },
  } as unknown as Commands;
  return { runs, firewall: new Firewall(commands) };
}

/** Drops of every kind a lab uses, then a clear: the scripts nft received. */
async function scripts(): Promise<{ runs: { argv: string[]; input: string }[] }> {
  const { runs, firewall } = recorder();
  await firewall.drop('tcp dport 80');
  await firewall.drop('tcp sport 80');
  await firewall.drop('ip saddr 10.77.0.11', { family: 'bridge', hook: 'input' });
  await firewall.drop('ip daddr 10.77.0.11', { family: 'bridge', hook: 'output' });
  await firewall.drop('ip daddr 10.77.0.12', { hook: 'output' });
  await firewall.clear();
  await firewall.teardown();
  return { runs };
}

describe('Firewall', () => {
  it('creates each table and chain once, then adds rules to it', async () => {
    const { runs } = await scripts();
    expect(runs.slice(0, 5).map((r) => r.argv.join(' '))).toEqual(Array(5).fill('nft -f -'));
    expect(runs.slice(0, 5).map((r) => r.input)).toEqual([
      'add table inet tcplab\nadd chain inet tcplab input { type filter hook input priority 0 ; policy accept ; }\nadd rule inet tcplab input tcp dport 80 counter drop\n',
      'add rule inet tcplab input tcp sport 80 counter drop\n',
      'add table bridge tcplab\nadd chain bridge tcplab input { type filter hook input priority 0 ; policy accept ; }\nadd rule bridge tcplab input ip saddr 10.77.0.11 counter drop\n',
      'add chain bridge tcplab output { type filter hook output priority 0 ; policy accept ; }\nadd rule bridge tcplab output ip daddr 10.77.0.11 counter drop\n',
      'add chain inet tcplab output { type filter hook output priority 0 ; policy accept ; }\nadd rule inet tcplab output ip daddr 10.77.0.12 counter drop\n',
    ]);
  });

  it('clears every chain it made and deletes every table at teardown', async () => {
    const { runs } = await scripts();
    expect(runs[5]!.input).toBe('flush chain inet tcplab input\nflush chain bridge tcplab input\nflush chain bridge tcplab output\nflush chain inet tcplab output\n');
    expect(runs.slice(6).map((r) => r.argv.join(' '))).toEqual(['nft delete table inet tcplab', 'nft delete table bridge tcplab']);
  });

  it('does nothing to clear or tear down before a drop', async () => {
    const { runs, firewall } = recorder();
    await firewall.clear();
    await firewall.teardown();
    expect(runs).toEqual([]);
  });

  it('refuses an unknown hook or family, and reports what nft refused', async () => {
    const { firewall } = recorder({ code: 1, stderr: 'Error: syntax error, unexpected junk\nmore' });
    await expect(firewall.drop('x', { hook: 'forward' as 'input' })).rejects.toThrow("Expected the `hook` option to be 'input' or 'output', got `forward` (string)");
    await expect(firewall.drop('x', { family: 'ip' as 'inet' })).rejects.toThrow("Expected the `family` option to be 'inet' or 'bridge', got `ip` (string)");
    await expect(firewall.drop('junk')).rejects.toThrow('nft refused the rule `junk`: Error: syntax error, unexpected junk');
  });

  const mode = probeNetns().mode;
  const canLoad = mode !== undefined && hasProgram('nft');
  it.skipIf(!canLoad && !STRICT)('its scripts load in nft, in a fresh namespace, and the clear leaves empty chains', async () => {
    expect(canLoad, 'strict mode: needs nft (apt-get install nftables) and network namespaces').toBe(true);
    const { runs } = await scripts();
    const load = (input: string) => {
      const ns = mode === 'root' ? ['--net'] : ['--user', '--map-root-user', '--net'];
      const r = spawnSync('unshare', [...ns, '--', 'sh', '-c', 'nft -f - && nft list ruleset'], { input, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout;
    };
    const drops = runs.slice(0, 5).map((r) => r.input).join('');
    const loaded = load(drops);
    for (const line of ['table inet tcplab', 'table bridge tcplab', 'tcp dport 80 counter packets 0 bytes 0 drop', 'ip saddr 10.77.0.11 counter packets 0 bytes 0 drop', 'ip daddr 10.77.0.12 counter packets 0 bytes 0 drop']) {
      expect(loaded).toContain(line);
    }
    const cleared = load(drops + runs[5]!.input);
    expect(cleared).toContain('chain output');
    expect(cleared).not.toContain('drop');
  });
});
