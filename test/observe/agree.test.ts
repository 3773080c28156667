// The three observers read the same captured moment (test/fixtures/observe) and must agree.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetstat } from '../../src/observe/netstat.js';
import { parseProcNetTcp } from '../../src/observe/proc.js';
import { rowKey, type SocketRow } from '../../src/observe/row.js';
import { parseSs } from '../../src/observe/ss.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/observe/${name}.txt`, import.meta.url), 'utf8');
const proc = [...parseProcNetTcp(fixture('proc-net-tcp')), ...parseProcNetTcp(fixture('proc-net-tcp6'))];
const ss = parseSs(fixture('ss-tanoH'));
const netstat = parseNetstat(fixture('netstat-tanoW'));

/** Sorted `local remote STATE` plus `what` of every row. */
function keyed(rows: SocketRow[], what: (row: SocketRow) => string = () => ''): string[] {
  return rows.map((r) => `${rowKey(r.local, r.remote)} ${r.state} ${what(r)}`.trimEnd()).sort();
}

describe('proc, ss and netstat on one captured moment', () => {
  it('agree on the set of (local, remote, state)', () => {
    expect(proc).toHaveLength(43);
    expect(keyed(ss)).toEqual(keyed(proc));
    expect(keyed(netstat)).toEqual(keyed(proc));
  });

  it('agree on queues and on timer kinds and retries', () => {
    const detail = (r: SocketRow) =>
      `q=${r.recvQueue}/${r.sendQueue} timer=${r.timer ? `${r.timer.kind}/${r.timer.retries}` : '-'}`;
    expect(keyed(ss, detail)).toEqual(keyed(proc, detail));
    expect(keyed(netstat, detail)).toEqual(keyed(proc, detail));
  });

  it('agree on the time left on each timer, within the time between the captures and ss rounding', () => {
    const left = new Map(proc.map((r) => [rowKey(r.local, r.remote), r.timer?.remainingMs]));
    for (const row of [...ss, ...netstat]) {
      const expected = left.get(rowKey(row.local, row.remote));
      if (expected === undefined) {
        expect(row.timer).toBeUndefined();
        continue;
      }
      // ss prints whole seconds past 10 s; the captures ran concurrently, within ~50 ms.
      const tolerance = expected >= 10_000 ? 1100 : 100;
      expect(Math.abs(row.timer!.remainingMs - expected), rowKey(row.local, row.remote)).toBeLessThan(tolerance);
    }
  });
});
