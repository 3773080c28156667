// The human report's word on a capture that dropped packets (test/fixtures/ladder/captured.json).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLab } from '../../src/report/human.js';
import type { LabResult } from '../../src/runner/result.js';

const r = (JSON.parse(readFileSync(new URL('../fixtures/ladder/captured.json', import.meta.url), 'utf8')) as { labs: LabResult[] }).labs[0]!;

describe('formatLab', () => {
  it('says where the capture dropped packets, and nothing where it dropped none', () => {
    expect(formatLab({ ...r, capture: { packets: 10, dropped: 4 } })).toContain('the capture dropped 4 packets: the ladder and the expectations on packets may miss segments');
    expect(formatLab(r)).not.toContain('dropped');
    expect(formatLab({ ...r, capture: { packets: 10, dropped: null } })).toContain('the capture could not say whether it dropped packets (dumpcap died before it could)');
  });
});
