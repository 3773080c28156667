// The whole tour, for real: every lab in its own process and namespace, through runTour. As
// root (or where user namespaces work) all eleven states must be checked off; a step that
// cannot run here must say why. TCPLAB_STRICT=1 turns every skip into a failure.

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { TOUR_ORDER } from '../../src/tour/order.js';
import { runTour, type TourJson, type TourOptions } from '../../src/tour/tour.js';
import { displayWidth } from '../../src/tour/text.js';
import { STRICT } from '../helpers.js';

/** A stream that keeps what it is given (not a TTY: no progress line). */
function buffer(): { out: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

const BASE: Omit<TourOptions, 'out'> = { json: true, lang: 'en', long: false, color: false, observer: 'proc', family: '4', netns: true };

describe('runTour', () => {
  it('prints one JSON document: the labs in the order of the state machine and the eleven states checked off', async () => {
    const { out, text } = buffer();
    const code = await runTour({ ...BASE, out });
    const doc = JSON.parse(text()) as TourJson;
    expect(Object.keys(doc)).toEqual(['labs', 'tour']);
    expect(doc.labs.map((l) => l.name)).toEqual([...TOUR_ORDER]);
    for (const l of doc.labs) {
      expect(l, `${l.name}: ${l.failure ?? ''}`).toMatchObject({ name: expect.any(String), file: expect.stringMatching(/\.lab\.ts$/) });
      expect(l.status, `${l.name}: ${l.failure ?? ''}`).not.toBe('failed');
      if (l.status === 'skipped') expect(l.reason, `${l.name} skipped without a reason`).toMatch(/\w+/);
    }
    const skipped = doc.labs.filter((l: LabResult) => l.status === 'skipped');
    expect(code).toBe(0);
    expect(doc.tour.of).toBe(11);
    expect(Object.keys(doc.tour.states)).toHaveLength(11);
    expect(doc.tour.observed).toBe(Object.values(doc.tour.states).filter(Boolean).length);
    if (STRICT || skipped.length === 0) {
      expect(skipped.map((l) => `${l.name}: ${l.reason}`)).toEqual([]);
      expect(doc.tour.states).toEqual(Object.fromEntries(Object.keys(doc.tour.states).map((s) => [s, true])));
      expect(doc.tour.observed).toBe(11);
    }
  }, 120_000);

  it('in plain text, shows a step that cannot run as skipped with the reason and what to do, and never fails for it', async () => {
    // On the host's loopback the labs that need a namespace of their own (sysctls, nft, hping3) cannot run.
    const { out, text } = buffer();
    const code = await runTour({ ...BASE, json: false, netns: false, out });
    const plain = text();
    const failures = plain.split('\n').filter((l) => /^── .* FAILED$/.test(l) || /: expected .*; observed /.test(l));
    expect(failures).toEqual([]);
    expect(code).toBe(0);
    expect(plain).not.toContain('\x1b');
    expect(plain).toMatch(/── 3\/14 syn-recv · .* SKIPPED\n/);
    expect(plain).toContain('SKIPPED: needs a private network namespace');
    expect(plain).toContain('What to do: run as root');
    expect(plain).toMatch(/── 6\/14 half-close · The four-way close, as a dialogue ─+ passed/);
    expect(plain).toContain("A: I'm done talking.");
    expect(plain).toMatch(/\d+ of 11 states observed on this machine/);
    for (const line of plain.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
  }, 120_000);

  it('rejects a bad option up front, saying what it expected', async () => {
    const { out } = buffer();
    await expect(runTour({ ...BASE, lang: 'fr' as 'en', out })).rejects.toThrow("Expected the `lang` option to be 'en' or 'zh', got `fr` (string)");
  });
});
