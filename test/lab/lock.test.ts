// The lock labs, run through the built CLI on the real kernel with a real redis-server, as root
// and as user nobody: each must pass, and its checks must show the counts it claims (violations
// where the recipe is broken, none where it is not).

import { beforeAll, describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { asNobody, cannotRun, hasProgram, tcplab } from '../helpers.js';

const LABS = ['lock-setnx-expire', 'lock-unsafe-release', 'lock-pause-past-ttl', 'lock-restart', 'lock-reentrant', 'lock-contention'];

/** The observed text of the lab's check whose text contains `part`. */
function observed(lab: LabResult, part: string): string {
  const found = lab.expectations.find((x) => x.text.includes(part));
  expect(found, `no check mentioning "${part}" in ${lab.name}: ${lab.expectations.map((x) => x.text).join(' | ')}`).toBeDefined();
  expect(found!.ok).toBe(true);
  return found!.observed ?? '';
}

function violations(lab: LabResult, part: string): number {
  const m = /(\d+) violations/.exec(observed(lab, part));
  expect(m, `no violation count in the check mentioning "${part}"`).not.toBeNull();
  return Number(m![1]);
}

/** What each lab must have observed, beyond passing its own checks. */
const CLAIMS: Record<string, (lab: LabResult) => void> = {
  'lock-setnx-expire': (lab) => {
    expect(observed(lab, 'left without a TTL')).toBe('PTTL -1');
    expect(observed(lab, 'later client to fail')).toBe('deadline');
    expect(Number(/PTTL (\d+)/.exec(observed(lab, 'atomic lock, its holder killed'))![1])).toBeGreaterThan(0);
    expect(violations(lab, 'shared resource')).toBe(0);
  },
  'lock-unsafe-release': (lab) => {
    expect(observed(lab, 'plain DEL to delete')).toBe('released: DEL -> 1');
    expect(violations(lab, 'with a plain DEL')).toBeGreaterThan(0);
    expect(observed(lab, 'owner-checked release to be refused')).toMatch(/^release refused \(lost\)/);
    expect(violations(lab, 'with the owner-checked release')).toBe(0);
  },
  'lock-pause-past-ttl': (lab) => {
    expect(violations(lab, 'without fencing')).toBeGreaterThan(0);
    expect(violations(lab, 'with fencing')).toBe(0);
    expect(observed(lab, 'with fencing')).toMatch(/1 refused/);
  },
  'lock-restart': (lab) => {
    expect(observed(lab, 'forgotten the lock')).toBe('PTTL -2');
    expect(violations(lab, 'B to get the lock while A holds it')).toBeGreaterThan(0);
    expect(violations(lab, 'B to wait until its deadline')).toBe(0);
    // Back, with what was left of its TTL (the lab checks it against the restart's own duration).
    expect(Number(/PTTL (\d+)/.exec(observed(lab, 'come back with its TTL'))![1])).toBeGreaterThan(0);
  },
  'lock-reentrant': (lab) => {
    expect(observed(lab, 'nested acquisition')).toMatch(/^depth 2, lock:holds 2/);
    expect(observed(lab, 'another owner to wait')).toMatch(/^deadline after \d+ ms/);
    expect(observed(lab, 'unbalanced')).toBe('unbalanced');
    expect(violations(lab, 'shared resource')).toBe(0);
  },
  'lock-contention': (lab) => {
    expect(violations(lab, 'one key: 0')).toBe(0);
    expect(violations(lab, '200 keys: 0')).toBe(0);
    expect(observed(lab, 'pooled')).not.toMatch(/TIME_WAIT/);
    expect(Number(/TIME_WAIT (\d+)/.exec(observed(lab, 'connect per operation'))![1])).toBeGreaterThanOrEqual(200);
  },
};

function runLockLabs(user?: string) {
  let labs = new Map<string, LabResult>();
  let stderr = '';
  beforeAll(async () => {
    const r = await tcplab(['run', ...LABS, '--json'], user ? { user } : {});
    stderr = r.stderr;
    labs = new Map((JSON.parse(r.stdout).labs as LabResult[]).map((l) => [l.name, l]));
  }, 180_000);
  for (const name of LABS) {
    it(`${name} passes and shows its counts`, () => {
      const lab = labs.get(name);
      expect(lab, `no result for ${name}; stderr: ${stderr}`).toBeDefined();
      expect(lab!.failure ?? '').toBe('');
      expect(lab!.status).toBe('passed');
      expect(lab!.network).toBe('netns');
      CLAIMS[name]!(lab!);
    });
  }
}

describe('lock labs', () => {
  if (!hasProgram('redis-server')) return cannotRun('needs redis-server (apt-get install redis-server)', 'strict mode: install redis-server (apt-get install redis-server)');
  describe('as this user', () => runLockLabs());
  describe('as an unprivileged user (runuser -u nobody)', () => {
    asNobody(() => runLockLabs('nobody'));
  });
  it('every lock lab has a claim checked here', () => {
    expect(LABS.filter((n) => !CLAIMS[n])).toEqual([]);
  });
});
