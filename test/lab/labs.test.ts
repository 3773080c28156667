// Every built-in lab, run on the real kernel through the CLI, with each observer, and as an
// unprivileged user: each must pass, and its report must hold what the lab claims to show.

import { beforeAll, describe, expect, it } from 'vitest';
import { builtinLabs } from '../../src/lab/catalog.js';
import type { LabResult } from '../../src/runner/result.js';
import { asNobody, cannotRun, hasProgram, isRoot, STRICT, tcplab } from '../helpers.js';

/** Labs that `run --all` runs; the long ones (60 s and more) have tests of their own. */
const LONG = ['time-wait-2msl'];
/** Topics with test files of their own (test/lab/lock.test.ts, test/lab/concurrency.test.ts). */
const OWN_TESTS = ['lock', 'concurrency'];
const LABS = builtinLabs().filter((e) => !OWN_TESTS.includes(e.topic)).map((e) => e.name).filter((n) => !LONG.includes(n));

function statesOf(lab: LabResult, socket: string): string[] {
  return lab.sockets.filter((s) => s.name === socket).flatMap((s) => s.states.map((x) => x.state));
}

/** What each lab must have observed, beyond passing its own expectations. */
const CLAIMS: Record<string, (lab: LabResult) => void> = {
  handshake: (lab) => {
    expect(statesOf(lab, 'listener')).toContain('LISTEN');
    expect(statesOf(lab, 'client')).toContain('ESTABLISHED');
    expect(statesOf(lab, 'server')).toContain('ESTABLISHED');
  },
  refused: (lab) => {
    // Polling sees no socket at all; the trace sees SYN_SENT for about 0.1 ms, then CLOSED.
    for (const s of lab.sockets.filter((x) => x.name === 'client')) expect(s.states.map((x) => x.state)).toEqual(['SYN_SENT', 'CLOSED']);
    expect(lab.events.find((e) => e.what === 'error')?.code).toBe('ECONNREFUSED');
  },
  'active-close': (lab) => {
    const tw = lab.sockets.find((s) => s.name === 'client')!.states.find((s) => s.state === 'TIME_WAIT')!;
    expect(tw.timer?.kind).toBe('timewait');
    expect(tw.timer!.remainingMs).toBeGreaterThan(50_000);
    expect(statesOf(lab, 'server').at(-1)).toBe('CLOSED');
    expect(statesOf(lab, 'server')).not.toContain('TIME_WAIT');
  },
  'half-close': (lab) => {
    expect(statesOf(lab, 'A')).toEqual(expect.arrayContaining(['FIN_WAIT2', 'TIME_WAIT']));
    expect(statesOf(lab, 'B')).toEqual(expect.arrayContaining(['CLOSE_WAIT', 'CLOSED']));
    const afterFin = lab.events.filter((e) => e.actor === 'A' && e.what === 'data').reduce((n, e) => n + (e.bytes ?? 0), 0);
    expect(afterFin).toBe(64 * 1024);
  },
  'close-wait-leak': (lab) => {
    expect(statesOf(lab, 'server').at(-1)).toBe('CLOSE_WAIT');
    expect(statesOf(lab, 'server')).not.toContain('LAST_ACK');
    expect(statesOf(lab, 'client')).toContain('FIN_WAIT2');
  },
  'fin-wait-1': (lab) => {
    const fw1 = lab.sockets.find((s) => s.name === 'client')!.states.find((s) => s.state === 'FIN_WAIT1')!;
    expect(fw1.untilMs - fw1.atMs).toBeGreaterThanOrEqual(300);
    expect(fw1.lastTimer?.kind).toBe('persist');
  },
  closing: (lab) => {
    expect(statesOf(lab, 'client')).toEqual(expect.arrayContaining(['FIN_WAIT1', 'CLOSING', 'TIME_WAIT']));
    expect(statesOf(lab, 'server')).toEqual(expect.arrayContaining(['FIN_WAIT2', 'TIME_WAIT']));
  },
  'last-ack': (lab) => {
    expect(statesOf(lab, 'server')).toEqual(expect.arrayContaining(['CLOSE_WAIT', 'LAST_ACK', 'CLOSED']));
    expect(statesOf(lab, 'client').at(-1)).toBe('TIME_WAIT');
  },
  'syn-sent': (lab) => {
    const late = lab.sockets.find((s) => s.name === 'late')!;
    expect(late.states.map((s) => s.state)).toEqual(['SYN_SENT']);
    expect(late.states[0]!.lastTimer).toMatchObject({ kind: 'retransmit' });
    expect(late.states[0]!.lastTimer!.retries).toBeGreaterThanOrEqual(1);
  },
  'syn-recv': (lab) => {
    expect(statesOf(lab, 'client').filter((s) => s !== 'SYN_SENT')).toEqual(['ESTABLISHED']);
    expect(statesOf(lab, 'server')).toEqual(['SYN_RECV']);
  },
  'orphan-fin-wait2': (lab) => {
    const fw2 = lab.sockets.find((s) => s.name === 'client')!.states.find((s) => s.state === 'FIN_WAIT2')!;
    // tcp_fin_timeout is 2 s in the lab's namespace: the orphan lasts about that long, not 60 s.
    expect(fw2.untilMs - fw2.atMs).toBeGreaterThan(1500);
    expect(fw2.untilMs - fw2.atMs).toBeLessThan(4000);
    expect(statesOf(lab, 'client').at(-1)).toBe('CLOSED');
  },
  'stale-syn': (lab) => {
    expect(lab.expectations.find((x) => x.text.startsWith('counter Tcp.OutRsts to rise'))).toMatchObject({ ok: true });
    expect(lab.expectations.find((x) => x.text === 'the listener to hand out no connection')).toMatchObject({ ok: true });
  },
  'self-connect': (lab) => {
    const self = lab.sockets.find((s) => s.name === 'self')!;
    expect(self.local).toBe(self.remote);
    expect(self.states.map((s) => s.state)).toContain('ESTABLISHED');
  },
  reset: (lab) => {
    expect(statesOf(lab, 'client')).not.toContain('TIME_WAIT');
    expect(statesOf(lab, 'server')).not.toContain('TIME_WAIT');
    expect(lab.events.some((e) => e.actor === 'server' && e.code === 'ECONNRESET')).toBe(true);
  },
};

/** What only the kernel's own transitions show: states too brief for any sampling. */
const TRACE_CLAIMS: Record<string, (lab: LabResult) => void> = {
  'active-close': (lab) => {
    expect(statesOf(lab, 'client')).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT']);
    expect(statesOf(lab, 'server')).toEqual(['SYN_RECV', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
  },
  'self-connect': (lab) => {
    expect(statesOf(lab, 'self').slice(0, 3)).toEqual(['SYN_SENT', 'SYN_RECV', 'ESTABLISHED']);
  },
  refused: (lab) => {
    expect(lab.sockets.find((s) => s.name === 'client')?.states.map((s) => s.state)).toEqual(['SYN_SENT', 'CLOSED']);
  },
  reset: (lab) => {
    expect(lab.events.some((e) => e.kind === 'kernel' && e.what === 'send_reset')).toBe(true);
    expect(lab.events.some((e) => e.kind === 'kernel' && e.what === 'receive_reset' && e.actor === 'server')).toBe(true);
  },
};

function runAll(observer: string, options: { user?: string; family?: string } = {}) {
  let labs = new Map<string, LabResult>();
  let stderr = '';
  beforeAll(async () => {
    const r = await tcplab(['run', ...LABS, '--json', '--observer', observer, '--family', options.family ?? '4'], options.user ? { user: options.user } : {});
    stderr = r.stderr;
    labs = new Map((JSON.parse(r.stdout).labs as LabResult[]).map((l) => [l.name, l]));
  }, 120_000);
  for (const name of LABS) {
    it(`${name} passes`, () => {
      const lab = labs.get(name);
      expect(lab, `no result for ${name}; stderr: ${stderr}`).toBeDefined();
      expect(lab!.failure ?? '').toBe('');
      expect(lab!.status).toBe('passed');
      expect(lab!.observer).toBe(observer);
      expect(lab!.network).toBe('netns');
      expect(lab!.family).toBe(options.family ?? '4');
      CLAIMS[name]?.(lab!);
      expect(lab!.resources?.find((r) => r.name === 'lab')).toMatchObject({ cpuMs: expect.any(Number), peakRssBytes: expect.any(Number) });
      if (observer === 'trace') TRACE_CLAIMS[name]?.(lab!);
    });
  }
}

describe.each(['proc', 'ss', 'netstat'])('built-in labs observed through %s', (observer) => {
  if (observer !== 'proc' && !hasProgram(observer) && !STRICT) {
    it.skip(`${observer} is not installed`, () => {});
    return;
  }
  runAll(observer);
});

describe.each(['4', '6', 'mapped'])('built-in labs observed through the kernel\'s trace, family %s', (family) => {
  if (!isRoot()) return cannotRun('needs root for tracefs', 'strict mode: run the suite as root so that the trace observer runs');
  runAll('trace', { family });
});

describe('built-in labs as an unprivileged user (runuser -u nobody)', () => {
  asNobody(() => runAll('proc', { user: 'nobody' }));
});

describe.each(['6', 'mapped'])('built-in labs observed through proc, family %s', (family) => {
  runAll('proc', { family });
});

describe('time-wait-2msl (60 s)', () => {
  it('sees TIME_WAIT last TCP_TIMEWAIT_LEN, then the socket leave the table', async () => {
    const r = await tcplab(['run', 'time-wait-2msl', '--json']);
    const lab = JSON.parse(r.stdout).labs[0] as LabResult;
    expect(lab.failure ?? '').toBe('');
    expect(lab.status).toBe('passed');
    const client = lab.sockets.find((s) => s.name === 'client')!;
    const tw = client.states.find((s) => s.state === 'TIME_WAIT')!;
    expect(tw.timer?.kind).toBe('timewait');
    expect(tw.untilMs - tw.atMs).toBeGreaterThan(55_000);
    expect(client.states.at(-1)!.state).toBe('CLOSED');
  }, 120_000);
});

it('every lab has a claim checked here', () => {
  expect(LABS.filter((n) => !CLAIMS[n])).toEqual([]);
});
