// The redlock lab, run through the built CLI on the real kernel with five real redis-servers on
// hosts of their own, as root and as user nobody: it must pass with the figures it claims (votes
// in each case, the failure at its deadline) and leave nothing behind: no redis-server of its
// hosts, no namespace that still holds an address of its 10.77.0.0/24.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { asNobody, cannotRun, eventually, hasProgram, processesMatching, tcplab } from '../helpers.js';

const SUBNET = '10.77.0.';

/** The observed text of the lab's check whose text contains `part` (the check must have passed). */
function observed(lab: LabResult, part: string): string {
  const found = lab.expectations.find((x) => x.text.includes(part));
  expect(found, `no check mentioning "${part}": ${lab.expectations.map((x) => x.text).join(' | ')}`).toBeDefined();
  expect(found!.ok).toBe(true);
  return found!.observed ?? '';
}

/** `fewest-most votes` of a check. */
function votes(lab: LabResult, part: string): [number, number] {
  const m = /^(\d+)-(\d+) votes/.exec(observed(lab, part));
  expect(m, `no vote range in the check mentioning "${part}"`).not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

function note(lab: LabResult, pattern: RegExp): RegExpExecArray {
  const found = lab.events.filter((e) => e.kind === 'note').map((e) => pattern.exec(e.detail ?? '')).find((m) => m !== null);
  expect(found, `no note matching ${pattern}`).toBeDefined();
  return found!;
}

/** Processes of the lab's hosts, and namespaces (one pid each) still holding one of its addresses. */
function leftovers(): string[] {
  const found = processesMatching(SUBNET).filter((l) => /redis-server|unshare|sh -ec/.test(l));
  const seen = new Set<string>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const ns = readlinkSync(`/proc/${pid}/ns/net`);
      if (seen.has(ns)) continue;
      seen.add(ns);
      if (readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8').includes(SUBNET)) found.push(`${ns} (process ${pid}) holds ${SUBNET}0/24`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function runRedlock(user?: string) {
  let lab: LabResult | undefined;
  let stderr = '';
  beforeAll(async () => {
    const r = await tcplab(['run', 'redlock', '--json'], user ? { user } : {});
    stderr = r.stderr;
    lab = (JSON.parse(r.stdout).labs as LabResult[])[0];
  }, 120_000);

  it('passes: a majority of 5 suffices, 2 hosts fail at the deadline, the lock comes back', () => {
    expect(lab, `no result; stderr: ${stderr}`).toBeDefined();
    expect(lab!.failure ?? '').toBe('');
    expect(lab!.status).toBe('passed');
    expect(lab!.network).toBe('netns');
    expect(observed(lab!, 'hosts up').match(/PONG/g)).toHaveLength(5);
    const [fewest, most] = votes(lab!, 'with 5 hosts reachable');
    expect(fewest).toBeGreaterThanOrEqual(3);
    expect(most).toBe(5);
    const [fewestCut, mostCut] = votes(lab!, 'host-1 cut off: 10 acquisitions');
    expect(fewestCut).toBeGreaterThanOrEqual(3);
    expect(mostCut).toBeLessThanOrEqual(4);
    expect(observed(lab!, '0 mutual-exclusion violations')).toMatch(/^0 violations, [1-9]\d* writes$/);
    const failed = /^deadline: .* the last one set on ([0-2]) of 5 instances \(quorum 3\), after (\d+) ms$/.exec(observed(lab!, 'hosts 1-3 cut off'));
    expect(failed, 'the acquire with 2 hosts must fail by its deadline').not.toBeNull();
    // Not before its deadline (how soon after it, the lab itself checks).
    expect(Number(failed![2])).toBeGreaterThanOrEqual(1000);
    expect(Number(/^(\d+) votes/.exec(observed(lab!, 'acquire works again'))![1])).toBeGreaterThanOrEqual(3);
    expect(observed(lab!, 'host-1 answers again')).toMatch(/^PONG after \d+ ms$/);
  });

  it('notes the latencies: a silent host costs every acquire its instance timeout', () => {
    expect(lab).toBeDefined();
    const all = Number(note(lab!, /^5 of 5 hosts reachable: acquire median (\d+) ms/)[1]);
    const cut = Number(note(lab!, /^4 of 5 reachable: acquire median (\d+) ms/)[1]);
    expect(cut).toBeGreaterThanOrEqual(49);
    expect(all).toBeLessThan(cut);
    note(lab!, /^2 of 5 reachable: gave up after \d+ ms/);
  });

  it('leaves no redis-server and no namespace of its hosts behind', async () => {
    expect(lab).toBeDefined();
    const clean = await eventually(() => leftovers().length === 0);
    expect(clean ? [] : leftovers()).toEqual([]);
  });
}

describe('redlock lab', () => {
  const missing = ['redis-server', 'nft'].filter((p) => !hasProgram(p));
  if (missing.length > 0) {
    const why = `needs ${missing.join(' and ')} (apt-get install ${missing.map((p) => (p === 'nft' ? 'nftables' : p)).join(' ')})`;
    return cannotRun(why, `strict mode: ${why}`);
  }
  describe('as this user', () => runRedlock());
  describe('as an unprivileged user (runuser -u nobody)', () => {
    asNobody(() => runRedlock('nobody'));
  });
});
