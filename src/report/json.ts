// The JSON report: one document on stdout, `{ "labs": [ ... ] }` as the contract states.

import type { LabResult } from '../runner/result.js';

export interface JsonReport {
  tool: 'tcplab';
  version: string;
  labs: LabResult[];
  summary: { passed: number; failed: number; skipped: number; durationMs: number };
}

export function jsonReport(results: LabResult[], version: string, durationMs: number): JsonReport {
  const count = (s: LabResult['status']) => results.filter((r) => r.status === s).length;
  return {
    tool: 'tcplab',
    version,
    labs: results,
    summary: { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), durationMs: Math.round(durationMs) },
  };
}
