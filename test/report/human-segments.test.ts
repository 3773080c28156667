// The human report's segments, on real captures (test/fixtures/ladder/captured.json): one line per
// segment with the lab's socket names and relative numbers, the first 40 of a long capture.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSegments } from '../../src/report/human-segments.js';
import type { LabResult } from '../../src/runner/result.js';

const labs = (JSON.parse(readFileSync(new URL('../fixtures/ladder/captured.json', import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
const lab = (name: string) => labs.find((l) => l.name === name)!;
const plain = (lines: string[]) => lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));

describe('formatSegments', () => {
  it('prints the half-close dialogue as it was captured', () => {
    const lines = plain(formatSegments(lab('half-close')));
    expect(lines[1]).toBe('  PACKETS (ms; seq and ack relative) 11 captured');
    expect(lines[2]).toMatch(/^ +\d+\.\d{3}  A -> B +SYN seq=0 win=\d+ <mss 65495,sackOK,wscale \d+>$/);
    expect(lines[3]).toMatch(/^ +\d+\.\d{3}  B -> A +SYN\|ACK seq=0 ack=1 win=\d+ <mss 65495,sackOK,wscale \d+>$/);
    expect(lines[4]).toMatch(/A -> B +ACK seq=1 ack=1 win=\d+$/);
    expect(lines.some((l) => /A -> B +FIN\|ACK seq=1 ack=1 win=/.test(l))).toBe(true);
    expect(lines.filter((l) => /B -> A .* len=\d+/.test(l)).length).toBeGreaterThan(0);
  });

  it('shows the first 40 segments of a long capture and says where the rest are', () => {
    const lines = plain(formatSegments(lab('last-ack')));
    expect(lines).toHaveLength(2 + 40 + 1);
    expect(lines.at(-1)).toBe(`  ... ${lab('last-ack').segments!.length - 40} more: --json or --pcap DIR has them all`);
  });

  it('says why nothing was captured', () => {
    expect(plain(formatSegments({ ...lab('reset'), segments: undefined, capture: undefined, noCapture: 'turned off (--no-capture)' }))).toEqual(['', '  PACKETS not captured: turned off (--no-capture)']);
  });
});
