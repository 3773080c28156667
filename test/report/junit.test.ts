// The JUnit and GitHub reporters on real `tcplab run --json` output (fixtures captured from this
// kernel): structure, escaping, and the failing expectation's file and line.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { githubAnnotations } from '../../src/report/github.js';
import { junitReport, xmlText } from '../../src/report/junit.js';
import { ROOT } from '../helpers.js';

const labs = (name: string) => (JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'report', name), 'utf8')) as { labs: LabResult[] }).labs;
const passed = labs('labs.json');
const failed = labs('failed.json');

/** Tags open and close in order (a small well-formedness check: no attributes with `>` in them). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-z-]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe('junitReport', () => {
  it('has one testsuite per topic and one testcase per lab, with counts', () => {
    const xml = junitReport([...passed, ...failed], 1234, '2026-11-27T00:00:00.000Z');
    expect(balanced(xml)).toBe(true);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="tcplab" tests="4" failures="1" errors="0" skipped="0" time="1.234"/);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain('<testsuite name="close" tests="2" failures="0"');
    expect(xml).toContain('<testsuite name="labs" tests="1" failures="1"');
    expect(xml).toContain('<testcase name="half-close" classname="tcplab.close" file="lab/close/half-close.lab.ts"');
  });

  it('puts the failure on the failing expectation\'s file and line', () => {
    const xml = junitReport(failed, 1);
    expect(xml).toMatch(/<testcase name="wrong-expectation" classname="tcplab.labs" file="test\/fixtures\/labs\/wrong.lab.ts" line="12" time="[\d.]+">/);
    expect(xml).toMatch(/<failure message="expected server 127.0.0.1:\d+&lt;-127.0.0.1:\d+ to reach CLOSE_WAIT within 200 ms; observed ESTABLISHED from [\d.]+ to [\d.]+ ms \(trace, with proc every [\d.]+ ms\)" type="expectation">test\/fixtures\/labs\/wrong.lab.ts:12: expected/);
  });

  it('marks a skipped lab and escapes what XML cannot hold', () => {
    const skipped: LabResult = { ...passed[0]!, name: 'a<b>&"c"', status: 'skipped', reason: 'needs root \x1b[31mnow\x1b[0m\x00' };
    const xml = junitReport([skipped], 1);
    expect(balanced(xml)).toBe(true);
    expect(xml).toContain('name="a&lt;b&gt;&amp;&quot;c&quot;"');
    expect(xml).toContain('<skipped message="needs root now"/>');
    expect(xmlText('\x07bell & <tag>')).toBe('bell &amp; &lt;tag&gt;');
  });
});

describe('githubAnnotations', () => {
  it('writes an error on the failing line, with workflow-command escaping, and a notice of counts', () => {
    const lines = githubAnnotations([...passed, ...failed]).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^::error file=test\/fixtures\/labs\/wrong.lab.ts,line=12,title=tcplab wrong-expectation::expected server 127.0.0.1:\d+<-127.0.0.1:\d+ to reach CLOSE_WAIT within 200 ms; observed /);
    expect(lines[1]).toBe('::notice title=tcplab::3 passed, 1 failed, 0 skipped');
  });

  it('escapes newlines, percent signs, and commas and colons in properties', () => {
    const r: LabResult = { ...failed[0]!, name: 'a,b:c', failure: 'x, y.ts:3: 100% wrong\nsecond line', expectations: [] };
    expect(githubAnnotations([r]).split('\n')[0]).toBe('::error file=x%2C y.ts,line=3,title=tcplab a%2Cb%3Ac::100%25 wrong%0Asecond line');
    const s: LabResult = { ...passed[0]!, status: 'skipped', reason: 'needs nft' };
    expect(githubAnnotations([s]).split('\n')[0]).toBe('::warning file=lab/close/half-close.lab.ts,title=tcplab half-close skipped::needs nft');
  });
});
