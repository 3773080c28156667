// `tcplab run` with several reports at once: JUnit and JSON to files, GitHub annotations and the
// human report on stdout, the HTML report; a failing lab shows in each at its line.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tcplab } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tcplab run --reporter', () => {
  it('writes every report from one run, pointing at the failing line', async () => {
    const junit = path.join(dir, 'out.xml');
    const json = path.join(dir, 'out.json');
    const html = path.join(dir, 'out.html');
    const r = await tcplab(['run', 'half-close', 'test/fixtures/labs/wrong.lab.ts', '--reporter', `junit:${junit}`, '--reporter', `json:${json}`, '--reporter', 'github', '--report', html]);
    expect(r.code, r.stderr).toBe(1);
    // The human report is still the one on stdout, with the annotations after its summary.
    expect(r.stdout).toMatch(/^PASS half-close/);
    expect(r.stdout).toMatch(/\n::error file=test\/fixtures\/labs\/wrong.lab.ts,line=12,title=tcplab wrong-expectation::expected server /);
    expect(r.stdout).toContain('::notice title=tcplab::1 passed, 1 failed, 0 skipped');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuites name="tcplab" tests="2" failures="1"');
    expect(xml).toMatch(/file="test\/fixtures\/labs\/wrong.lab.ts" line="12"/);
    expect(JSON.parse(readFileSync(json, 'utf8')).summary).toMatchObject({ passed: 1, failed: 1, skipped: 0 });
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('gives stdout to a machine-read report alone', async () => {
    const r = await tcplab(['run', 'half-close', '--reporter', 'junit']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="tcplab" tests="1" failures="0"/);
    expect(r.stdout.trimEnd().endsWith('</testsuites>')).toBe(true);
  });
});
