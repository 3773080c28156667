// The trace_pipe parser on real output captured on this kernel (6.18): transitions, resets,
// retransmissions and destructions, over IPv4, IPv6 and v4-mapped sockets.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTraceLine } from '../../src/observe/trace-parse.js';

const lines = readFileSync(new URL('../fixtures/observe/trace-pipe.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);
const events = lines.map(parseTraceLine);

describe('parseTraceLine', () => {
  it('parses every line of the captured trace', () => {
    expect(events.filter((e) => e === undefined)).toEqual([]);
  });

  it('reads a listen transition with its µs timestamp and process', () => {
    expect(events[0]).toEqual({
      kind: 'transition', tsUs: 2134880154, pid: 3818, comm: 'node',
      local: { address: '127.0.0.1', port: 38213 }, remote: { address: '0.0.0.0', port: 0 }, from: 'CLOSED', to: 'LISTEN',
    });
  });

  it('keeps the kernel\'s sport 0 of CLOSE -> SYN_SENT (the port is picked later)', () => {
    expect(events[1]).toMatchObject({ kind: 'transition', from: 'CLOSED', to: 'SYN_SENT', local: { port: 0 }, remote: { port: 38213 } });
  });

  it('spells IPv6 and v4-mapped addresses as Node does', () => {
    const v6 = events.find((e) => e?.local.address === '::1');
    expect(v6).toBeDefined();
    expect(events.some((e) => e?.local.address === '::ffff:127.0.0.1')).toBe(true);
  });

  it('reads resets, retransmissions and destructions', () => {
    const kinds = new Set(events.map((e) => e?.kind));
    for (const k of ['transition', 'send_reset', 'receive_reset', 'retransmit', 'destroy']) expect(kinds).toContain(k);
    const rst = events.find((e) => e?.kind === 'send_reset');
    expect(rst).toMatchObject({ state: 'CLOSED', reason: 'TCP_STATE' });
    expect(events.find((e) => e?.kind === 'retransmit')).toMatchObject({ state: 'SYN_SENT' });
  });

  it('ignores lines of other events and garbage', () => {
    expect(parseTraceLine('# tracer: nop')).toBeUndefined();
    expect(parseTraceLine('  node-1 [000] ..... 1.000001: sched_switch: prev_comm=x')).toBeUndefined();
  });
});
