// The high-concurrency labs, run on the real kernel through the CLI as root and as nobody (the
// namespace is then a user namespace): each passes, in a few seconds, with the counts it claims.

import { beforeAll, describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { asNobody, tcplab } from '../helpers.js';

const LABS = ['time-wait-pileup', 'port-exhaustion', 'tw-bucket-overflow', 'close-wait-http', 'backlog-overflow'];

/** The `observed` text of the lab's expectation whose text starts with `start`, which must hold. */
function observed(lab: LabResult, start: string): string {
  const x = lab.expectations.find((e) => e.text.startsWith(start));
  expect(x, `${lab.name}: no expectation starting with "${start}"`).toBeDefined();
  expect(x!.ok, `${lab.name}: ${x!.text}: ${x!.observed}`).toBe(true);
  return x!.observed;
}

function statesOf(lab: LabResult, socket: string): string[] {
  return lab.sockets.filter((s) => s.name === socket).flatMap((s) => s.states.map((x) => x.state));
}

const CLAIMS: Record<string, (lab: LabResult) => void> = {
  'time-wait-pileup': (lab) => {
    expect(observed(lab, 'clients closing first: 200 TIME_WAIT')).toBe("clients' side 200, server's side 0");
    expect(observed(lab, 'server closing first: 200 TIME_WAIT')).toBe("server's side 200, clients' side 0");
    expect(statesOf(lab, 'client').at(-1)).toBe('TIME_WAIT');
    expect(statesOf(lab, 'server2').at(-1)).toBe('TIME_WAIT');
    expect(statesOf(lab, 'server')).not.toContain('TIME_WAIT');
  },
  'port-exhaustion': (lab) => {
    // Unless the kernel dropped a timewait socket early (6.18, namespaces coming and going), which the lab notes, one by one.
    const lost = lab.events.filter((e) => e.kind === 'note' && /the kernel dropped \d+ timewait sockets/.test(e.detail ?? '')).length;
    expect(observed(lab, '100 connections to :8080, then EADDRNOTAVAIL')).toMatch(lost > 0 ? /^10\d connected, 1 EADDRNOTAVAIL$/ : /^100 connected, 1 EADDRNOTAVAIL$/);
    expect(observed(lab, '100 TIME_WAIT hold every port')).toBe('100 TIME_WAIT');
    expect(observed(lab, 'with tcp_tw_reuse=0, still EADDRNOTAVAIL after 1 s')).toBe('1 EADDRNOTAVAIL');
    expect(observed(lab, 'tcp_tw_reuse=1: 100 new connections')).toBe('100 connected');
    // Unless the wave of reuses itself outlasted the kernel's 1 s reuse delay (a loaded machine), which the lab notes.
    const slowWave = lab.events.some((e) => e.kind === 'note' && e.detail?.includes('longer than the reuse delay'));
    if (!slowWave) expect(observed(lab, 'the next one fails')).toBe('1 EADDRNOTAVAIL');
    expect(observed(lab, 'one more second, and connect() succeeds again')).toBe('1 connected');
    expect(observed(lab, 'tcp_tw_reuse=1 does not help :8081')).toBe('1 EADDRNOTAVAIL');
  },
  'tw-bucket-overflow': (lab) => {
    expect(observed(lab, 'the namespace holds exactly 50 TIME_WAIT')).toBe('50 TIME_WAIT');
    expect(observed(lab, 'counter TcpExt.TCPTimeWaitOverflow to rise')).toMatch(/^\+15[2-9] since the lab began$/);
    expect(statesOf(lab, 'first').at(-1)).toBe('TIME_WAIT');
    expect(statesOf(lab, 'late')).not.toContain('TIME_WAIT');
    expect(statesOf(lab, 'late').at(-1)).toBe('CLOSED');
  },
  'close-wait-http': (lab) => {
    expect(observed(lab, 'a leaky handler: 20 clients gone')).toBe('20 CLOSE_WAIT');
    expect(observed(lab, 'who holds them')).toMatch(/^20 held by pid \d+$/);
    // Node 20 keeps connections with a request in flight; Node 22 and later close them.
    if (Number(process.versions.node.split('.')[0]) < 22) expect(observed(lab, 'closeIdleConnections() leaves them on Node 20')).toBe('20 CLOSE_WAIT');
    else expect(observed(lab, 'closeIdleConnections() closes them')).toBe('0 CLOSE_WAIT');
    expect(observed(lab, 'a handler that reads the body')).toBe('0 CLOSE_WAIT');
    expect(observed(lab, 'the leaky handler with server.setTimeout(300)')).toBe('20 CLOSE_WAIT, then 0');
  },
  'backlog-overflow': (lab) => {
    expect(observed(lab, 'backlog 2: 3 clients queued, 5 left in SYN_SENT')).toBe('3 ESTABLISHED, 5 SYN_SENT');
    observed(lab, 'counter TcpExt.ListenOverflows');
    observed(lab, 'counter TcpExt.SyncookiesSent');
    for (const name of ['late', 'late2', 'late3', 'late4', 'late5']) expect(statesOf(lab, name)).toEqual(['SYN_SENT']);
    const resets = lab.events.filter((e) => e.what === 'error' && e.code === 'ECONNRESET').map((e) => e.actor).sort();
    expect(resets).toEqual(['halfway', 'halfway2', 'halfway3']);
    expect(statesOf(lab, 'halfway')).toContain('ESTABLISHED');
  },
};

function runAs(user?: string) {
  let labs = new Map<string, LabResult>();
  let stderr = '';
  beforeAll(async () => {
    const r = await tcplab(['run', ...LABS, '--json'], user ? { user } : {});
    stderr = r.stderr;
    labs = new Map((JSON.parse(r.stdout || '{"labs":[]}').labs as LabResult[]).map((l) => [l.name, l]));
  }, 60_000);
  for (const name of LABS) {
    it(`${name} passes in a private namespace, in a few seconds, with its counts`, () => {
      const lab = labs.get(name);
      expect(lab, `no result for ${name}; stderr: ${stderr}`).toBeDefined();
      expect(lab!.failure ?? '').toBe('');
      expect(lab!.status).toBe('passed');
      expect(lab!.network).toBe('netns');
      // About 5 s at most; the margin is for a busy 2-core machine.
      expect(lab!.durationMs).toBeLessThan(6000);
      CLAIMS[name]!(lab!);
    });
  }
}

describe('concurrency labs as root', () => {
  runAs();
});

describe('concurrency labs as an unprivileged user (runuser -u nobody)', () => {
  asNobody(() => runAs('nobody'));
});

it('every concurrency lab has its claims checked here', () => {
  expect(LABS.filter((n) => !CLAIMS[n])).toEqual([]);
});
