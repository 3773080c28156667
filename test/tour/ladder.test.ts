// The ladder renderer on real lab results recorded with `tcplab run <lab> --json`: from before
// captures (test/fixtures/tour/: which segments it infers, in which order, and the states beside
// them), with captures (test/fixtures/ladder/captured.json: the segments and their numbers), and
// on labs run here, with and without a capture.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabResult } from '../../src/runner/result.js';
import { formatLadder, LADDER_COLUMNS } from '../../src/tour/ladder.js';
import { displayWidth, stripAnsi } from '../../src/tour/text.js';
import { hasProgram, isRoot, STRICT, tcplab } from '../helpers.js';

function labs(file: string, folder = 'tour'): LabResult[] {
  return (JSON.parse(readFileSync(new URL(`../fixtures/${folder}/${file}.json`, import.meta.url), 'utf8')) as { labs: LabResult[] }).labs;
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

  it('keeps every line within 80 columns and says the segments are inferred, and why', () => {
    const lines = formatLadder(r, { color: false, lang: 'en' });
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(80);
    expect(lines).toContain("  arrows inferred from states and Node's events: this result holds no capture");
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

const captured = labs('captured', 'ladder');
const capturedLab = (name: string) => captured.find((l) => l.name === name)!;

describe('a ladder from captured segments', () => {
  it('half-close: the handshake with its numbers, the client\'s FIN, the server\'s data and FIN, the last ACK', () => {
    const r = capturedLab('half-close');
    const ladder = rows(r);
    const at = (pred: (row: Row) => boolean) => ladder.findIndex(pred);
    const syn = at((row) => fromClient(row, 'SYN seq=0'));
    const synAck = at((row) => fromServer(row, 'SYN-ACK seq=0 ack=1'));
    const ack = at((row) => fromClient(row, 'ACK seq=1 ack=1'));
    const finA = at((row) => fromClient(row, 'FIN seq=1 ack=1'));
    const data = at((row) => fromServer(row, 'data 64 KiB (2 segments)'));
    const finB = at((row) => fromServer(row, 'FIN seq=65537 ack=2'));
    const last = at((row) => fromClient(row, 'ACK seq=2 ack=65538'));
    expect([syn, synAck, ack, finA, data, finB, last], ladder.map((row) => row.middle).join('\n')).toEqual([...[syn, synAck, ack, finA, data, finB, last]].sort((a, b) => a - b));
    expect(syn).toBeGreaterThanOrEqual(0);
    expect(bare(ladder[data]!.client)).toBe('FIN_WAIT2');
    expect(bare(ladder[data]!.server)).toBe('CLOSE_WAIT');
    expect(ladder.at(-1)).toMatchObject({ client: 'TIME_WAIT', server: 'CLOSED' });
    expect(ladder.every((row) => !row.time.startsWith('~'))).toBe(true);
  });

  it('says the arrows are captured, how many, and that the numbers are relative', () => {
    const lines = formatLadder(capturedLab('half-close'), { color: false, lang: 'en' });
    expect(lines).toContain('  arrows captured: 11 segments; seq and ack relative, as Wireshark shows them');
    expect(lines.join('\n')).not.toContain('~: estimated');
    expect(formatLadder(capturedLab('half-close'), { color: false, lang: 'zh' }).join('\n')).toContain('箭头来自抓包：11 个报文段');
  });

  it('syn-recv: the ACK the lab\'s firewall dropped ends in an x, and the server stays in SYN_RECV', () => {
    const ladder = rows(capturedLab('syn-recv'));
    const lost = ladder.find((row) => /ACK seq=1 ack=1 -+x$/.test(row.middle))!;
    expect(lost).toBeDefined();
    expect(bare(lost.server)).toBe('SYN_RECV');
    expect(ladder.every((row) => bare(row.server) !== 'ESTABLISHED')).toBe(true);
  });

  it('last-ack: the ACKs of data leave the server in LAST_ACK; only the ACK of its FIN ends it', () => {
    const ladder = rows(capturedLab('last-ack'));
    const first = ladder.findIndex((row) => row.server === 'LAST_ACK');
    const end = ladder.findIndex((row) => /^-+ ACK seq=\d+ ack=\d+ -+>$/.test(row.middle) && bare(row.server) === 'CLOSED');
    expect(first).toBeGreaterThan(-1);
    expect(end, ladder.map((row) => `${row.middle} ${row.server}`).join('\n')).toBe(ladder.length - 1);
    expect(ladder.slice(first, end).every((row) => bare(row.server) === 'LAST_ACK')).toBe(true);
  });

  it('self-connect: one socket, the same state on both sides', () => {
    for (const row of rows(capturedLab('self-connect'))) expect(bare(row.client)).toBe(bare(row.server));
  });

  it('every captured lab fits 80 columns in both languages, its lines in time order', () => {
    for (const r of captured) {
      for (const lang of ['en', 'zh'] as const) {
        for (const l of formatLadder(r, { color: false, lang })) expect(displayWidth(l), `${r.name} ${lang}: ${l}`).toBeLessThanOrEqual(80);
      }
      const times = rows(r).map((row) => Number(row.time));
      expect(times, r.name).toEqual([...times].sort((a, b) => a - b));
    }
  });
});

/** A capture needs a namespace of the lab's own (root here), dumpcap and nft. */
const CAN_CAPTURE = isRoot() && hasProgram('dumpcap') && hasProgram('nft');
const WHY = 'capturing needs root, dumpcap (apt-get install wireshark-common) and nft (apt-get install nftables)';
if (!CAN_CAPTURE && !STRICT) console.warn(`skipping the text ladders of labs run here: ${WHY}`);

describe.skipIf(!CAN_CAPTURE && !STRICT)(`text ladders of labs run here (${WHY})`, () => {
  async function run(args: string[]): Promise<LabResult[]> {
    const r = await tcplab(['run', ...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { labs: LabResult[] }).labs;
  }

  it('draws handshake and half-close from their packets, with the real numbers', async () => {
    const [handshake, halfClose] = await run(['handshake', 'half-close']);
    const h = rows(handshake!);
    expect(h.filter((row) => row.middle.trim() !== '').map((row) => row.middle.replace(/-+/g, '-'))).toEqual(['- SYN seq=0 ->', '<- SYN-ACK seq=0 ack=1 -', '- ACK seq=1 ack=1 ->']);
    expect(formatLadder(handshake!, { color: false, lang: 'en' })).toContain('  arrows captured: 3 segments; seq and ack relative, as Wireshark shows them');
    const half = rows(halfClose!);
    const finA = half.findIndex((row) => fromClient(row, 'FIN seq=1 ack=1'));
    const data = half.findIndex((row) => fromServer(row, 'data 64 KiB'));
    const finB = half.findIndex((row) => fromServer(row, 'FIN seq=65537 ack=2'));
    expect(finA, half.map((row) => row.middle).join('\n')).toBeGreaterThan(-1);
    expect(data).toBeGreaterThan(finA);
    expect(finB).toBeGreaterThan(data);
  });

  it('with --no-capture, says the arrows are inferred and why', async () => {
    const [handshake] = await run(['handshake', '--no-capture']);
    const lines = formatLadder(handshake!, { color: false, lang: 'en' });
    expect(lines).toContain("  arrows inferred from states and Node's events: turned off (--no-capture)");
    expect(rows(handshake!).some((row) => fromClient(row, 'SYN'))).toBe(true);
    expect(lines.join('\n')).not.toContain('seq=');
  });
});
