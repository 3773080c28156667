// The tour as one HTML page, from recorded results (test/fixtures/ladder/captured.json): a
// section per step with its dialogue and its ladder from the packets, the handshake's figure
// with the captured numbers, the state diagram of the whole tour; self-contained, in both languages.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { tourPage, type TourPageMeta } from '../../src/tour/html.js';

const labs = (JSON.parse(readFileSync(new URL('../fixtures/ladder/captured.json', import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
const META: TourPageMeta = { lang: 'en', version: '9.9.9', wallMs: 12_345, generatedAt: '2025-06-01T12:00:00.000Z', long: false };

const sections = (html: string) => html.split('<section class="lab ').slice(1);

describe('tourPage', () => {
  const html = tourPage(labs, META);

  it('is one self-contained document: no URL, no script, links only to its own sections', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link\b|<script\b|<img\b|<iframe\b|@import|url\(|\ssrc=/i);
    expect([...html.matchAll(/href="([^"]*)"/g)].every((m) => m[1]!.startsWith('#'))).toBe(true);
    expect(html).toContain('<title>tcplab tour: the TCP state machine, observed on this kernel</title>');
  });

  it('has a section per step, in order, with its dialogue and its ladder from the packets', () => {
    const parts = sections(html);
    expect(parts).toHaveLength(labs.length + 1);
    for (const [i, r] of labs.entries()) {
      expect(parts[i]).toContain(`data-lab="${r.name}"`);
      expect(parts[i]).toContain(`Step ${i + 1} of ${labs.length}`);
      if (r.sockets.length > 0) expect(parts[i], r.name).toContain('<svg class="ladder"');
    }
    const half = parts[labs.findIndex((r) => r.name === 'half-close')]!;
    expect(half).toContain('<li><strong>A</strong>: I&#39;m done talking. <span class="segments">(FIN)</span></li>');
    expect(half).toContain('data-source="captured"');
    expect(half).toContain('data-label="data 64 KiB (2 segments)"');
    expect(half).toContain('arrows captured: 11 segments; seq and ack relative, as Wireshark shows them');
  });

  it('shows the handshake with the initial sequence numbers the capture saw', () => {
    const syn = labs.find((r) => r.name === 'handshake')!.segments![0]!;
    const part = sections(html)[0]!;
    expect(part).toMatch(new RegExp(`<pre class="handshake">A -&gt; B {2}SYN +seq=x +x = ${syn.seq}\\n`));
    expect(sections(html).slice(1).join('')).not.toContain('class="handshake"');
  });

  it('ends with the state diagram of the whole tour and the eleven states checked off', () => {
    const end = sections(html).at(-1)!;
    expect(end).toContain('<svg class="state-diagram"');
    expect((end.match(/<g class="state-node/g) ?? []).length).toBe(12);
    expect((end.match(/<li class="check /g) ?? []).length).toBe(11);
    expect(end).toContain('14 passed, 0 failed, 0 skipped · The tour took 12.3 s.');
    expect(end).toMatch(/data-edge="FIN_WAIT2>TIME_WAIT" data-taken="[1-9]/);
  });

  it('shows a skipped step with its reason and what to do, and no drawing', () => {
    const skipped: LabResult = { ...labs[2]!, status: 'skipped', reason: 'needs `nft`, which is not installed (apt-get install nftables)', sockets: [], events: [], segments: undefined };
    const part = sections(tourPage([skipped], META))[0]!;
    expect(part).toContain('SKIPPED: needs `nft`, which is not installed (apt-get install nftables)');
    expect(part).toContain('What to do: install it (sudo apt-get install nftables) and run the tour again.');
    expect(part).not.toContain('<svg');
  });

  it('speaks Chinese with --lang zh, the arrows\' words included', () => {
    const zh = tourPage(labs, { ...META, lang: 'zh' });
    expect(zh).toContain('<html lang="zh-Hans">');
    expect(zh).toContain('四次挥手');
    expect(zh).toContain('箭头来自抓包：11 个报文段');
    expect(zh).toContain('数据 64 KiB（2 个报文段）');
    expect(zh).toContain('经典的三次握手图');
  });

  it('escapes what it takes from a result', () => {
    const r: LabResult = { ...labs[0]!, name: '<b>x</b>', explain: '<script>alert(1)</script>' };
    const out = tourPage([r], META);
    expect(out).not.toContain('<b>x</b>');
    expect(out).not.toContain('<script>');
  });
});
