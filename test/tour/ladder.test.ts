// The ladder renderer on real lab results captured with `tcplab run <lab> --json`
// (test/fixtures/tour/): which segments it infers, in which order, and the states beside them.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { formatLadder, LADDER_COLUMNS } from '../../src/tour/ladder.js';
import { displayWidth, stripAnsi } from '../../src/tour/text.js';

function labs(file: string): LabResult[] {
  return (JSON.parse(readFileSync(new URL(`../fixtures/tour/${file}.json`, import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
}

function lab(file: string, name = file): LabResult {
  const found = labs(file).find((l) => l.name === name);
  if (!found) throw new Error(`no lab ${name} in fixture ${file}`);
  return found;
}

interface Row {
  time: string;
  client: string;
  middle: string;
  server: string;
}

/** The ladder's rows (the lines with a time), cut into their columns. */
function rows(r: LabResult, lang: 'en' | 'zh' = 'en'): Row[] {
  const cut = (line: string, [a, b]: readonly [number, number]) => line.slice(a, b).trim();
  return formatLadder(r, { color: false, lang })
    .filter((l) => /^\s+~?\d+\.\d\s/.test(l))
    .map((l) => ({ time: cut(l, LADDER_COLUMNS.time), client: cut(l, LADDER_COLUMNS.client), middle: cut(l, LADDER_COLUMNS.middle), server: cut(l, LADDER_COLUMNS.server) }));
}

const fromClient = (row: Row, what: string) => row.middle.includes(` ${what} `) && row.middle.endsWith('>');
const fromServer = (row: Row, what: string) => row.middle.includes(` ${what}`) && row.middle.startsWith('<');
const bare = (state: string) => state.replace(/^\((.*)\)$/, '$1');

describe('the half-close ladder', () => {
  const r = lab('half-close');
  const ladder = rows(r);

  it('names the two ends in its header: A on the left, B on the right', () => {
    const header = formatLadder(r, { color: false, lang: 'en' })[0]!;
    expect(header).toMatch(/^\s+ms\s+A :\d+\s+B :\d+$/);
  });

  it('shows the handshake, then FIN from the client, its ACK, data from the server after it, then the server\'s FIN and the last ACK', () => {
    const find = (pred: (row: Row) => boolean, after = -1) => ladder.findIndex((row, i) => i > after && pred(row));
    const syn = find((row) => fromClient(row, 'SYN'));
    const finA = find((row) => fromClient(row, 'FIN'), syn);
    const ackA = find((row) => fromServer(row, 'ACK'), finA);
    const data = find((row) => fromServer(row, 'data 64 KiB'), ackA);
    const finB = find((row) => fromServer(row, 'FIN'), data);
    const lastAck = find((row) => fromClient(row, 'ACK'), finB);
    expect([syn, finA, ackA, data, finB, lastAck].every((i) => i >= 0)).toBe(true);
    expect(syn).toBeLessThan(finA);
    expect(lastAck).toBeGreaterThan(finB);
  });

  it('has the client in FIN_WAIT2 while the data arrives after its FIN, the server in CLOSE_WAIT', () => {
    const data = ladder.find((row) => fromServer(row, 'data 64 KiB'))!;
    expect(bare(data.client)).toBe('FIN_WAIT2');
    expect(bare(data.server)).toBe('CLOSE_WAIT');
  });

  it('puts LAST_ACK on the server side once it sends its FIN, TIME_WAIT on the client side at the end', () => {
    const finB = ladder.find((row) => fromServer(row, 'FIN'))!;
    expect(bare(finB.server)).toBe('LAST_ACK');
    const last = ladder[ladder.length - 1]!;
    expect(last.client).toBe('TIME_WAIT');
    expect(last.server).toBe('CLOSED');
  });

  it('shows observed states bare and states only implied by the segments in parentheses', () => {
    const observedA = r.sockets.find((s) => s.name === 'A')!.states.map((s) => s.state);
    for (const row of ladder) {
      if (row.client && !row.client.startsWith('(')) expect(observedA).toContain(row.client);
    }
    // The client's SYN_SENT lasts microseconds on loopback: never sampled, always implied.
    expect(ladder[0]!.client).toBe('(SYN_SENT)');
  });

  it('keeps every line within 80 columns and says the segments are inferred', () => {
    const lines = formatLadder(r, { color: false, lang: 'en' });
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(80);
    expect(lines.join('\n')).toContain('inferred');
    for (const l of formatLadder(r, { color: false, lang: 'zh' })) expect(displayWidth(l)).toBeLessThanOrEqual(80);
  });

  it('colours only when asked, and the colours change nothing else', () => {
    const plain = formatLadder(r, { color: false, lang: 'en' }).join('\n');
    const coloured = formatLadder(r, { color: true, lang: 'en' }).join('\n');
    expect(plain).not.toContain('\x1b[');
    expect(coloured).toContain('\x1b[');
    expect(stripAnsi(coloured)).toBe(plain);
  });
});

describe('the other ladders', () => {
  it('closing: the client\'s FIN waits behind data, the server\'s FIN puts the client in CLOSING, both end in TIME_WAIT', () => {
    const ladder = rows(lab('closing'));
    const queued = ladder.findIndex((row) => row.middle.startsWith('[FIN queued'));
    const finB = ladder.findIndex((row) => fromServer(row, 'FIN'));
    expect(queued).toBeGreaterThan(-1);
    expect(finB).toBeGreaterThan(queued);
    expect(bare(ladder[finB]!.client)).toBe('CLOSING');
    expect(ladder.some((row) => row.client === 'CLOSING')).toBe(true);
    const last = ladder[ladder.length - 1]!;
    expect([last.client, last.server]).toEqual(['TIME_WAIT', 'TIME_WAIT']);
  });

  it('self-connect: one socket on both sides, the SYNs and SYN-ACKs crossing', () => {
    const r = lab('self-connect');
    expect(formatLadder(r, { color: false, lang: 'en' })[0]).toContain('(same socket)');
    const ladder = rows(r);
    expect(ladder[0]!.middle).toMatch(/SYN -+>\s+<-+ SYN/);
    expect([ladder[0]!.client, ladder[0]!.server]).toEqual(['(SYN_SENT)', '(SYN_SENT)']);
    expect(ladder[1]!.middle).toMatch(/SYN-ACK -+>\s+<-+ SYN-ACK/);
    expect(ladder.at(-1)!.client).toBe('ESTABLISHED');
  });

  it('stale-syn: a forged SYN from hping3, the listener\'s SYN-ACK, the RST, and the listener still in LISTEN', () => {
    const r = lab('stale-syn');
    expect(formatLadder(r, { color: false, lang: 'en' })[0]).toMatch(/hping3 :40000/);
    const ladder = rows(r);
    const texts = ladder.map((row) => row.middle);
    expect(texts.findIndex((t) => t.includes('SYN (old, forged)') && t.endsWith('>'))).toBeGreaterThan(-1);
    expect(texts.findIndex((t) => t.startsWith('<') && t.includes('SYN-ACK'))).toBeGreaterThan(-1);
    expect(texts.findIndex((t) => t.includes('RST') && t.endsWith('>'))).toBeGreaterThan(-1);
    expect(bare(ladder.at(-1)!.server)).toBe('LISTEN');
    expect(ladder.every((row) => row.client === '')).toBe(true);
  });

  it('syn-sent: the SYN gets no answer and is retransmitted, at an estimated time', () => {
    const ladder = rows(lab('all', 'syn-sent'));
    expect(ladder[0]!.middle).toMatch(/^-+ SYN -+x$/);
    const retry = ladder.find((row) => row.middle.includes('SYN again (#1)'))!;
    expect(retry.time.startsWith('~')).toBe(true);
    expect(retry.client).toBe('SYN_SENT');
    expect(formatLadder(lab('all', 'syn-sent'), { color: false, lang: 'en' }).join('\n')).toMatch(/Also in this lab: queued ESTABLISHED/);
  });

  it('syn-recv: the final ACK is lost, the client is ESTABLISHED while the server stays in SYN_RECV', () => {
    const ladder = rows(lab('all', 'syn-recv'));
    const lost = ladder.find((row) => /ACK -+x$/.test(row.middle))!;
    expect(bare(lost.client)).toBe('ESTABLISHED');
    expect(bare(lost.server)).toBe('SYN_RECV');
    expect(ladder.some((row) => row.server === 'SYN_RECV' && row.client === 'ESTABLISHED')).toBe(true);
  });

  it('refused and reset: RST from the side that ends it, and the error Node reports', () => {
    const refused = rows(lab('all', 'refused'));
    expect(refused.find((row) => fromServer(row, 'RST'))).toBeDefined();
    expect(refused.some((row) => row.middle.includes('(ECONNREFUSED)'))).toBe(true);
    const reset = rows(lab('all', 'reset'));
    expect(reset.find((row) => fromClient(row, 'RST'))).toBeDefined();
    expect(reset.some((row) => row.middle.includes('(ECONNRESET)'))).toBe(true);
    expect(reset.at(-1)).toMatchObject({ client: 'CLOSED', server: 'CLOSED' });
  });

  it('orphan-fin-wait2: the client leaves FIN_WAIT2 without any segment', () => {
    const ladder = rows(lab('all', 'orphan-fin-wait2'));
    const gone = ladder.find((row) => row.client === 'CLOSED')!;
    expect(gone.middle).toContain('no segment');
    expect(gone.server).toBe('CLOSE_WAIT');
  });

  it('with the trace observer every transition is seen: no state is left implied, and the order holds', () => {
    const ladder = rows(lab('half-close-trace', 'half-close'));
    expect(ladder.every((row) => !row.client.startsWith('(') && !row.server.startsWith('('))).toBe(true);
    const finB = ladder.findIndex((row) => fromServer(row, 'FIN'));
    expect(ladder[finB]!.server).toBe('LAST_ACK');
    expect(ladder.slice(finB + 1).some((row) => fromClient(row, 'ACK') && row.server === 'CLOSED')).toBe(true);
  });

  it('time-wait-2msl: the client leaves TIME_WAIT after 60 s without any segment', () => {
    const ladder = rows(lab('time-wait-2msl'));
    const last = ladder.at(-1)!;
    expect(last.client).toBe('CLOSED');
    expect(last.middle).toContain('2MSL over');
    expect(Number(last.time) - Number(ladder.find((row) => row.client === 'TIME_WAIT')!.time)).toBeGreaterThan(55_000);
  });

  it('keeps its lines in time order', () => {
    for (const r of [...labs('all'), lab('half-close-trace', 'half-close'), lab('time-wait-2msl')]) {
      const times = rows(r).map((row) => Number(row.time.replace('~', '')));
      expect(times, r.name).toEqual([...times].sort((a, b) => a - b));
    }
  });

  it('every lab of a full run fits 80 columns, in both languages', () => {
    for (const r of labs('all')) {
      for (const lang of ['en', 'zh'] as const) {
        for (const l of formatLadder(r, { color: false, lang })) expect(displayWidth(l), `${r.name} ${lang}: ${l}`).toBeLessThanOrEqual(80);
      }
    }
  });

  it('says so when a lab has no connection to draw', () => {
    const r: LabResult = { ...lab('half-close'), sockets: [], events: [] };
    expect(formatLadder(r, { color: false, lang: 'en' })).toEqual(['  (no connection to draw in this lab)']);
  });
});
