// `tcplab tour --report tour.html`: the folder checked before anything runs, then the whole tour
// as one page, opened in a real browser (Debian's chromium driven by playwright-core): a section
// per step, the ladders drawn from captured packets with their numbers, the handshake's figure,
// the state diagram of the tour, and not one console error or request.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOUR_ORDER } from '../../src/tour/order.js';
import { hasProgram, isRoot, ROOT, STRICT, tcplab } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-tour-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tcplab tour --report, checked up front', () => {
  it('a folder that does not exist: one line, exit 2, no lab run', async () => {
    const r = await tcplab(['tour', '--report', path.join(dir, 'missing', 'tour.html')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`tcplab: --report: folder ${path.join(dir, 'missing')} does not exist; create it or write the report elsewhere\n`);
  });

  it('a folder given as the file: one line, exit 2', async () => {
    const r = await tcplab(['tour', '--report', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcplab: --report: ${dir} is a folder; give a file name\n`);
  });
});

/** Debian's chromium; TCPLAB_CHROMIUM points elsewhere. */
const CHROMIUM = process.env.TCPLAB_CHROMIUM ?? '/usr/bin/chromium';
/** A capture needs a namespace of each lab's own (root here), dumpcap and nft. */
const CAN = existsSync(CHROMIUM) && isRoot() && hasProgram('dumpcap') && hasProgram('nft');
const WHY = `needs ${CHROMIUM}, root, dumpcap (wireshark-common) and nft (nftables)`;
if (!CAN && !STRICT) console.warn(`skipping the tour's HTML page: ${WHY}`);

describe.skipIf(!CAN && !STRICT)(`the tour's HTML page in chromium (${WHY})`, () => {
  let browser: Browser | undefined;
  const file = path.join(dir, 'tour.html');
  let run: Awaited<ReturnType<typeof tcplab>>;

  beforeAll(async () => {
    run = await tcplab(['tour', '--report', file]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('writes the page beside the text tour, and the tour still passes', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/11 of 11 states observed on this machine/);
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\/|<script\b|\ssrc=/i);
  });

  it('shows every step, its ladder from the packets, the handshake\'s figure and the diagram, with no error', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    try {
      await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
      expect(await page.locator('section.step').evaluateAll((els) => els.map((e) => e.getAttribute('data-lab')))).toEqual([...TOUR_ORDER]);
      const handshake = page.locator('section.step[data-lab="handshake"]');
      expect(await handshake.locator('svg.ladder').getAttribute('data-source')).toBe('captured');
      expect(await handshake.locator('svg.ladder g.segment .seg-label').allTextContents()).toEqual(['SYN seq=0', 'SYN-ACK seq=0 ack=1', 'ACK seq=1 ack=1']);
      expect(await handshake.locator('pre.handshake').textContent()).toMatch(/^A -> B {2}SYN +seq=x +x = \d+\nB -> A {2}SYN-ACK +seq=y {2}ack=x\+1 +y = \d+, x\+1 = \d+\nA -> B {2}ACK /);
      const half = page.locator('section.step[data-lab="half-close"]');
      expect(await half.locator('p.legend.source').textContent()).toMatch(/^arrows captured: \d+ segments; seq and ack relative, as Wireshark shows them$/);
      const labels = await half.locator('svg.ladder g.segment').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-label')}`));
      const finA = labels.indexOf('FIN seq=1 ack=1');
      const data = labels.findIndex((l) => /^data 64 KiB\b/.test(l));
      const finB = labels.indexOf('FIN seq=65537 ack=2');
      expect(finA, labels.join('\n')).toBeGreaterThan(-1);
      expect(data).toBeGreaterThan(finA);
      expect(finB).toBeGreaterThan(data);
      expect(await page.locator('#diagram svg.state-diagram g.state-node.visited').count()).toBe(12);
      expect(await page.locator('#diagram li.check.seen').count()).toBe(11);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'test-output', 'tour.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
