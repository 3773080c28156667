// One step of the tour as text, from real results (test/fixtures/tour/): the dialogue, the
// kernel's table, the ladder, and a skipped step with its reason and what to do.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { formatStep, hintFor, type StepContext } from '../../src/tour/step.js';
import { displayWidth } from '../../src/tour/text.js';
import { wordsFor } from '../../src/tour/words.js';

const all = (JSON.parse(readFileSync(new URL('../fixtures/tour/all.json', import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
const lab = (name: string) => all.find((l) => l.name === name)!;
const ctx = (over: Partial<StepContext> = {}): StepContext => ({ index: 6, total: 14, lang: 'en', color: false, shows: [], fresh: [], ...over });

describe('formatStep', () => {
  it('tells half-close as a dialogue, then the table, then the ladder', () => {
    const text = formatStep(lab('half-close'), ctx({ fresh: ['FIN_WAIT2'] })).join('\n');
    expect(text.split('\n')[0]).toMatch(/^── 6\/14 half-close · The four-way close, as a dialogue ─+ passed$/);
    expect(text).toMatch(/^ {2}A: I'm done talking\. +\(FIN\)$/m);
    expect(text).toMatch(/^ {2}B: Noted\. Wait, I'm still talking\.\.\. +\(ACK, then data\)$/m);
    expect(text.indexOf('What the kernel did')).toBeLessThan(text.indexOf('Ladder'));
    expect(text).toMatch(/SOCKET +LOCAL +REMOTE +STATE/);
    expect(text).toContain('new in the tour: FIN_WAIT2');
  });

  it('says which states the lab meant to show were too brief to sample', () => {
    const text = formatStep(lab('handshake'), ctx({ shows: ['LISTEN', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED'] })).join('\n');
    expect(text).toContain('Not sampled here (too brief, or not watched): SYN_SENT SYN_RECV');
  });

  it('shows a skipped step with its reason and what to do, and no table or ladder', () => {
    const skipped: LabResult = {
      ...lab('syn-recv'), status: 'skipped', sockets: [], events: [], expectations: [],
      reason: "needs `nft`, which is not installed (apt-get install nftables)",
    };
    const lines = formatStep(skipped, ctx({ index: 3 }));
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/ SKIPPED$/);
    expect(text).toContain('SKIPPED: needs `nft`, which is not installed (apt-get install nftables)');
    expect(text).toContain('What to do: install it (sudo apt-get install nftables) and run the tour again.');
    expect(text).not.toContain('Ladder');
  });

  it('fits 80 columns for every lab of a full run, in English and Chinese, with no colour codes unless asked', () => {
    for (const r of all) {
      for (const lang of ['en', 'zh'] as const) {
        const lines = formatStep(r, ctx({ lang }));
        for (const l of lines) expect(displayWidth(l), `${r.name} ${lang}: ${l}`).toBeLessThanOrEqual(80);
        expect(lines.join('\n')).not.toContain('\x1b[');
      }
    }
    expect(formatStep(lab('reset'), ctx({ color: true })).join('\n')).toContain('\x1b[');
  });

  it('speaks Chinese with --lang zh: the dialogue and the explanation', () => {
    const text = formatStep(lab('half-close'), ctx({ lang: 'zh' })).join('\n');
    expect(text).toContain('四次挥手');
    expect(text).toMatch(/A: 我说完了。 +\(FIN\)/);
    expect(text).toContain('一个 FIN 只关闭一个方向');
  });
});

const captured = (JSON.parse(readFileSync(new URL('../fixtures/ladder/captured.json', import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;

describe('the handshake step, captured', () => {
  const r = captured.find((l) => l.name === 'handshake')!;
  const [syn, synAck, ack] = r.segments!;

  it('shows the classic figure with the initial sequence numbers x and y the capture saw', () => {
    const lines = formatStep(r, ctx({ index: 1 }));
    const text = lines.join('\n');
    expect(text).toContain("The classic figure with this run's numbers (x, y: each end's initial sequence");
    expect(text).toMatch(new RegExp(`^ {4}A -> B {2}SYN +seq=x +x = ${syn!.seq}$`, 'm'));
    expect(text).toMatch(new RegExp(`^ {4}B -> A {2}SYN-ACK +seq=y {2}ack=x\\+1 +y = ${synAck!.seq}, x\\+1 = ${syn!.seq + 1}$`, 'm'));
    expect(text).toMatch(new RegExp(`^ {4}A -> B {2}ACK +seq=x\\+1 {2}ack=y\\+1 +x\\+1 = ${ack!.seq}, y\\+1 = ${synAck!.seq + 1}$`, 'm'));
    expect(text.indexOf('Ladder')).toBeLessThan(text.indexOf('The classic figure'));
    for (const lang of ['en', 'zh'] as const) {
      for (const l of formatStep(r, ctx({ lang }))) expect(displayWidth(l), l).toBeLessThanOrEqual(80);
    }
    expect(formatStep(r, ctx({ lang: 'zh' })).join('\n')).toContain('经典的三次握手图');
  });

  it('has no figure where the ladder is inferred, or for another lab', () => {
    expect(formatStep(lab('handshake'), ctx()).join('\n')).not.toContain('classic figure');
    expect(formatStep({ ...r, segments: undefined, noCapture: 'turned off (--no-capture)' }, ctx()).join('\n')).not.toContain('classic figure');
    expect(formatStep(captured.find((l) => l.name === 'half-close')!, ctx()).join('\n')).not.toContain('classic figure');
  });
});

describe('hintFor', () => {
  it('maps the runner\'s reasons to what to do', () => {
    const w = wordsFor('en');
    expect(hintFor("needs a private network namespace (it changes sysctls or drops packets), and this user cannot create network namespaces", w)).toBe(w.hintNetns);
    expect(hintFor('needs `hping3`, which is not installed (apt-get install hping3)', w)).toContain('apt-get install hping3');
    expect(hintFor('hping3 forges IPv4 packets only; run with --family 4 or mapped', w)).toBe(w.hintFamily);
    expect(hintFor('something else', w)).toBe(w.hintOther);
  });
});
