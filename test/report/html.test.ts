// The HTML report on real `run --json` output (test/fixtures/report/, test/fixtures/tour/all.json):
// one self-contained page that escapes what it shows, and, in a real browser (Debian's chromium
// driven by playwright-core), a lane per socket, a mark per state span, the eleven states of the
// diagram, the expectations' ✓ and ✗, the failure line, and not one console error or request.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlReport, type HtmlReportMeta } from '../../src/report/html.js';
import { esc } from '../../src/report/html-text.js';
import type { LabResult } from '../../src/runner/result.js';
import { TCP_STATES } from '../../src/states.js';
import { hasProgram, isRoot, ROOT, STRICT, tcplab } from '../helpers.js';

interface RunJson {
  version: string;
  labs: LabResult[];
  summary: { durationMs: number };
}

function run(file: string): RunJson {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as RunJson;
}

const passed = run('report/labs.json');
const failed = run('report/failed.json');
const full = run('tour/all.json');
const captured = run('ladder/captured.json');
const META: HtmlReportMeta = { version: passed.version, durationMs: passed.summary.durationMs, generatedAt: '2025-06-01T12:00:00.000Z' };

/** The markup of each lab's section, in order. */
function sections(html: string): string[] {
  return html.split('<section class="lab ').slice(1);
}

const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;
const spans = (r: LabResult) => r.sockets.reduce((n, s) => n + s.states.length, 0);

describe('htmlReport', () => {
  const html = htmlReport([...passed.labs, ...failed.labs, ...full.labs], META);

  it('is one self-contained document: no URL, no external resource, no script', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link\b|<script\b|<img\b|<iframe\b|@import|url\(|\ssrc=/i);
    // The only links are to the page's own sections.
    expect([...html.matchAll(/href="([^"]*)"/g)].every((m) => m[1]!.startsWith('#'))).toBe(true);
  });

  it('escapes every text taken from a result', () => {
    const lab: LabResult = {
      ...failed.labs[0]!,
      name: '<b>bold</b>',
      explain: `<script>alert("x")</script> & 'quoted'`,
      failure: 'lab.ts:1: expected <u>under</u>',
      sockets: failed.labs[0]!.sockets.map((s, i) => (i === 0 ? { ...s, name: 'a"b<c' } : s)),
      events: [...failed.labs[0]!.events, { atMs: 50, kind: 'step', actor: 'a"b<c', what: 'write', detail: '<img src=x onerror=alert(1)>', where: 'x.lab.ts:3' }],
      expectations: [{ text: '<i>it</i>', where: 'x.lab.ts:4', ok: false, observed: '</li><li class="x">' }],
    };
    const out = htmlReport([lab], META);
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');
    expect(out).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(out).toContain('data-socket="a&quot;b&lt;c"');
    for (const raw of ['<script', '<b>bold', '<u>', '<img', '<i>it', '<li class="x">', 'a"b<c']) expect(out).not.toContain(raw);
  });

  it('draws a lane per socket and a mark per state span, for every lab of a full run', () => {
    const labs = [...passed.labs, ...failed.labs, ...full.labs];
    const parts = sections(html);
    expect(parts).toHaveLength(labs.length);
    for (const [i, r] of labs.entries()) {
      const part = parts[i]!;
      expect(count(part, /<g class="lane /g), r.name).toBe(r.sockets.length);
      expect(count(part, /<g class="state-mark /g), r.name).toBe(spans(r));
      if (r.sockets.length > 0) expect(count(part, /<g class="state-node/g), r.name).toBe(12);
    }
  });

  it('puts a failed lab in the summary and its failure line at the top of its section', () => {
    const out = htmlReport([...passed.labs, ...failed.labs], META);
    const failure = failed.labs[0]!.failure!;
    expect(failure).toMatch(/^test\/fixtures\/labs\/wrong\.lab\.ts:12: expected .*; observed /);
    expect(out).toMatch(/<span class="count passed">3 passed<\/span> <span class="count failed">1 failed<\/span>/);
    const part = sections(out)[3]!;
    expect(part.indexOf(`<pre class="failure" role="alert">${esc(failure)}</pre>`)).toBeGreaterThan(0);
    expect(part.indexOf('class="failure"')).toBeLessThan(part.indexOf('<h3>Expectations'));
  });

  it('shows a skipped lab with its reason and no drawing', () => {
    const skipped: LabResult = { ...passed.labs[0]!, status: 'skipped', reason: 'needs nft (apt-get install nftables)', sockets: [], events: [], expectations: [] };
    const out = htmlReport([skipped], META);
    expect(out).toContain('<span class="badge skipped">SKIP</span>');
    expect(out).toContain('skipped: needs nft (apt-get install nftables)');
    expect(out).not.toContain('<svg');
  });
});

describe('htmlReport of captured labs', () => {
  const html = htmlReport(captured.labs, META);
  const parts = sections(html);

  it('draws every ladder from its capture and says so under it, with the count of segments', () => {
    for (const [i, r] of captured.labs.entries()) {
      expect(parts[i], r.name).toContain(`captured ${r.capture!.packets} packets`);
      // A lab whose sockets were never seen (refused, on a sampling observer) has no lanes to draw on.
      if (r.sockets.length === 0) continue;
      expect(parts[i], r.name).toContain('data-source="captured"');
      expect(parts[i], r.name).toMatch(/<p class="legend source captured" data-source="captured"><strong>arrows captured: \d+ segments?; seq and ack relative, as Wireshark shows them<\/strong><\/p>/);
    }
  });

  it('labels each arrow with the real numbers, and puts the absolute ones in its tooltip', () => {
    const handshake = parts[captured.labs.findIndex((r) => r.name === 'handshake')]!;
    expect([...handshake.matchAll(/data-label="([^"]*)"/g)].map((m) => m[1])).toEqual(['SYN seq=0', 'SYN-ACK seq=0 ack=1', 'ACK seq=1 ack=1']);
    const syn = captured.labs.find((r) => r.name === 'handshake')!.segments![0]!;
    expect(handshake).toContain(`<title>SYN seq ${syn.seq} (relative 0), win ${syn.win}, len 0, mss ${syn.options.mss}`);
  });

  it('says the arrows are inferred, and why, for a lab without a capture', () => {
    const part = sections(htmlReport([full.labs[0]!], META))[0]!;
    expect(part).toContain('data-source="inferred"');
    expect(part).toContain('arrows inferred from states and Node&#39;s events: this result holds no capture');
    expect(part).toContain('no capture');
  });

  it('warns where the capture dropped packets', () => {
    const r = captured.labs[0]!;
    const part = sections(htmlReport([{ ...r, capture: { packets: 9, dropped: 2 } }], META))[0]!;
    expect(part).toContain('<p class="warn">The capture dropped 2 packets: the ladder and the expectations on packets may miss segments.</p>');
    expect(part).toContain('captured 9 packets, 2 dropped');
    expect(part).toMatch(/arrows captured: \d+ segments, 2 dropped/);
    expect(parts[0]).not.toContain('class="warn"');
  });
});

/** Debian's chromium; TCPLAB_CHROMIUM points elsewhere (or nowhere, to try the skip). */
const CHROMIUM = process.env.TCPLAB_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const OUT = path.join(ROOT, 'test-output');
if (!HAVE_CHROMIUM && !STRICT) console.warn(`skipping the HTML report's browser checks: ${CHROMIUM} not found (apt-get install chromium)`);

describe.skipIf(!HAVE_CHROMIUM && !STRICT)(`the HTML report in chromium (${CHROMIUM})`, () => {
  let browser: Browser | undefined;
  let dir = '';

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`strict mode: ${CHROMIUM} is missing; install it (apt-get install chromium)`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-report-'));
    mkdirSync(OUT, { recursive: true });
    // Root needs --no-sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the report of `results` from a file at 1280 px, recording console errors, page errors and requests. */
  async function open(results: LabResult[], name: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const file = path.join(dir, `${name}.html`);
    writeFileSync(file, htmlReport(results, META));
    const url = pathToFileURL(file).href;
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    return { page, errors, requests };
  }

  const attr = (page: Page, selector: string, name: string) =>
    page.locator(selector).evaluateAll((els, n) => els.map((e) => e.getAttribute(n) ?? ''), name);

  for (const lab of [...passed.labs, ...failed.labs]) {
    it(`renders ${lab.name} (${lab.status}): lanes, state marks, diagram, expectations, no error`, async () => {
      const { page, errors, requests } = await open([lab], `report-${lab.name}`);
      try {
        expect(await page.getByRole('heading', { level: 2, name: lab.name }).isVisible()).toBe(true);
        const lanes = await attr(page, 'svg.ladder g.lane', 'data-socket');
        expect(lanes).toHaveLength(lab.sockets.length);
        expect([...lanes].sort()).toEqual(lab.sockets.map((s) => s.name).sort());
        const marks = await page.locator('svg.ladder g.state-mark').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-socket')} ${e.getAttribute('data-state')}`));
        expect(marks).toHaveLength(spans(lab));
        expect(marks.sort()).toEqual(lab.sockets.flatMap((s) => s.states.map((st) => `${s.name} ${st.state}`)).sort());
        expect(await page.locator('svg.ladder g.state-mark').first().isVisible()).toBe(true);
        const states = await attr(page, 'svg.state-diagram g.state-node', 'data-state');
        expect(new Set(states)).toEqual(new Set(TCP_STATES));
        const visited = new Set(await attr(page, 'svg.state-diagram g.state-node.visited', 'data-state'));
        for (const st of new Set(lab.sockets.flatMap((s) => s.states.map((x) => x.state)))) expect(visited.has(st), st).toBe(true);
        const marksShown = await page.locator('li.expectation .mark').allTextContents();
        expect(marksShown).toEqual(lab.expectations.map((x) => (x.ok ? '✓' : '✗')));
        if (lab.failure) {
          const line = page.locator(`section.lab .failure`);
          expect(await line.isVisible()).toBe(true);
          expect(await line.textContent()).toBe(lab.failure);
        } else {
          expect(await page.locator('.failure').count()).toBe(0);
        }
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
        await page.screenshot({ path: path.join(OUT, `report-${lab.name}.png`), fullPage: true });
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }

  it('renders captured ladders: an arrow per segment with its label, the source line under them', async () => {
    const { page, errors, requests } = await open(captured.labs, 'report-captured');
    try {
      const handshake = page.locator('section.lab[data-lab="handshake"]');
      expect(await handshake.locator('svg.ladder').getAttribute('data-source')).toBe('captured');
      expect(await handshake.locator('svg.ladder g.segment .seg-label').allTextContents()).toEqual(['SYN seq=0', 'SYN-ACK seq=0 ack=1', 'ACK seq=1 ack=1']);
      expect(await handshake.locator('p.legend.source').textContent()).toBe('arrows captured: 3 segments; seq and ack relative, as Wireshark shows them');
      const labels = await page.locator('section.lab[data-lab="half-close"] svg.ladder g.segment').evaluateAll((els) => els.map((e) => e.getAttribute('data-label')));
      expect(labels.indexOf('FIN seq=1 ack=1')).toBeLessThan(labels.indexOf('data 64 KiB (2 segments)'));
      expect(labels.indexOf('data 64 KiB (2 segments)')).toBeLessThan(labels.indexOf('FIN seq=65537 ack=2'));
      expect(await page.locator('section.lab[data-lab="syn-recv"] svg.ladder g.segment[data-fate="lost"]').count()).toBe(2);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      await page.screenshot({ path: path.join(OUT, 'report-captured.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('renders a whole run, dark too: summary, a section per lab, lanes per socket, no error', async () => {
    const labs = [...passed.labs, ...failed.labs, ...full.labs];
    const { page, errors, requests } = await open(labs, 'report-all');
    try {
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await page.locator('.summary .count').allTextContents()).toEqual([`${passed.labs.length + full.labs.length} passed`, '1 failed', '0 skipped']);
      expect(await page.locator('header .failures .failure').allTextContents()).toEqual([failed.labs[0]!.failure]);
      expect(await page.locator('section.lab').count()).toBe(labs.length);
      const perSection = await page.locator('section.lab').evaluateAll((els) => els.map((e) => [e.querySelectorAll('svg.ladder g.lane').length, e.querySelectorAll('svg.ladder g.state-mark').length]));
      expect(perSection).toEqual(labs.map((r) => [r.sockets.length, spans(r)]));
      const bg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      expect(bg).toBe('rgb(13, 17, 23)');
      await page.screenshot({ path: path.join(OUT, 'report-all-dark.png') });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** A capture needs a namespace of the lab's own (root here), dumpcap and nft. */
const CAN_CAPTURE = isRoot() && hasProgram('dumpcap') && hasProgram('nft');
const WHY = `capturing needs root, dumpcap and nft; the browser, ${CHROMIUM}`;
if (!(HAVE_CHROMIUM && CAN_CAPTURE) && !STRICT) console.warn(`skipping the HTML ladders of labs run here: ${WHY}`);

describe.skipIf(!(HAVE_CHROMIUM && CAN_CAPTURE) && !STRICT)(`the HTML ladders of labs run here (${WHY})`, () => {
  let browser: Browser | undefined;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-report-run-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The arrows' labels and where they come from, per lab, in the report `run ... --report` wrote. */
  async function ladders(args: string[]): Promise<Record<string, { source: string | null; labels: (string | null)[]; line: string | null }>> {
    const file = path.join(dir, `${args.join('-')}.html`);
    const r = await tcplab(['run', ...args, '--report', file]);
    expect(r.code, r.stderr).toBe(0);
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 15_000 });
      const out: Record<string, { source: string | null; labels: (string | null)[]; line: string | null }> = {};
      for (const section of await page.locator('section.lab').all()) {
        out[(await section.getAttribute('data-lab'))!] = {
          source: await section.locator('svg.ladder').getAttribute('data-source'),
          labels: await section.locator('svg.ladder g.segment').evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))),
          line: await section.locator('p.legend.source').textContent(),
        };
      }
      return out;
    } finally {
      await page.close();
    }
  }

  it('run handshake half-close --report: the ladders from the packets, with the real numbers', async () => {
    const got = await ladders(['handshake', 'half-close']);
    expect(got.handshake).toEqual({ source: 'captured', labels: ['SYN seq=0', 'SYN-ACK seq=0 ack=1', 'ACK seq=1 ack=1'], line: 'arrows captured: 3 segments; seq and ack relative, as Wireshark shows them' });
    const half = got['half-close']!;
    expect(half.source).toBe('captured');
    const finA = half.labels.indexOf('FIN seq=1 ack=1');
    const data = half.labels.findIndex((l) => /^data 64 KiB\b/.test(l ?? ''));
    const finB = half.labels.indexOf('FIN seq=65537 ack=2');
    expect(finA, half.labels.join('\n')).toBeGreaterThan(-1);
    expect(data).toBeGreaterThan(finA);
    expect(finB).toBeGreaterThan(data);
  });

  it('run handshake --no-capture --report: the arrows inferred, and the line says so', async () => {
    const got = await ladders(['handshake', '--no-capture']);
    expect(got.handshake!.source).toBe('inferred');
    expect(got.handshake!.labels).toEqual(['SYN', 'SYN-ACK', 'ACK']);
    expect(got.handshake!.line).toBe("arrows inferred from states and Node's events: turned off (--no-capture)");
  });
});
