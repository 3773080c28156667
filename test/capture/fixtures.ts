// The packet fixtures of test/fixtures/capture/ for the capture tests: each pcap read with our
// reader and decoded, next to tshark's own reading of it (NAME.tshark.tsv, one row per frame).

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeFrame } from '../../src/capture/decode.js';
import { readPcap, type CaptureFile } from '../../src/capture/pcap.js';
import type { Analysis, Packet } from '../../src/capture/segment.js';

export const FIXTURE_DIR = new URL('../fixtures/capture/', import.meta.url);

/** Names of the fixtures tshark read (NAME.pcap with NAME.tshark.tsv). */
export const FIXTURES = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith('.tshark.tsv'))
  .map((f) => f.slice(0, -'.tshark.tsv'.length))
  .sort();

/** One frame as tshark printed it: field name to text, '' when absent. */
export type TsharkRow = Record<string, string>;

/** Rows of a `tshark -T fields -E header=y -E separator=/t` output. */
export function parseTsharkFields(text: string): TsharkRow[] {
  const [header, ...lines] = text.replace(/\n$/, '').split('\n');
  const names = header!.split('\t');
  return lines.map((line) => {
    const values = line.split('\t');
    return Object.fromEntries(names.map((name, i) => [name, values[i] ?? '']));
  });
}

export interface Fixture {
  name: string;
  file: CaptureFile;
  rows: TsharkRow[];
  /** Every frame decoded (undefined where the decoder gave up). */
  packets: (Packet | undefined)[];
}

export function readFixtureBytes(fileName: string): Buffer {
  return readFileSync(new URL(fileName, FIXTURE_DIR));
}

export function readFixture(name: string): Fixture {
  const file = readPcap(readFixtureBytes(`${name}.pcap`));
  const rows = parseTsharkFields(readFixtureBytes(`${name}.tshark.tsv`).toString('utf8'));
  const packets = file.records.map((r) => decodeFrame(r.linkType, r.bytes, r.tsUs / 1000));
  return { name, file, rows, packets };
}

/** The decoded packets of a fixture, failing if one did not decode. */
export function packetsOf(fixture: Fixture): Packet[] {
  return fixture.packets.map((p, i) => {
    if (!p) throw new Error(`${fixture.name}.pcap frame ${i + 1}: did not decode`);
    return p;
  });
}

/** A tshark number column; '' (absent) is undefined. */
export function num(row: TsharkRow, field: string): number | undefined {
  const text = row[field];
  if (text === undefined) throw new Error(`tshark output has no column ${field}`);
  return text === '' ? undefined : Number(text);
}

/** tshark's analysis columns and our names for them. */
const TSHARK_ANALYSES: [string, Analysis][] = [
  ['tcp.analysis.retransmission', 'retransmission'],
  ['tcp.analysis.fast_retransmission', 'fast-retransmission'],
  ['tcp.analysis.spurious_retransmission', 'spurious-retransmission'],
  ['tcp.analysis.out_of_order', 'out-of-order'],
  ['tcp.analysis.lost_segment', 'lost-segment'],
  ['tcp.analysis.duplicate_ack', 'duplicate-ack'],
  ['tcp.analysis.zero_window', 'zero-window'],
  ['tcp.analysis.zero_window_probe', 'zero-window-probe'],
  ['tcp.analysis.zero_window_probe_ack', 'zero-window-probe-ack'],
  ['tcp.analysis.keep_alive', 'keep-alive'],
  ['tcp.analysis.keep_alive_ack', 'keep-alive-ack'],
  ['tcp.analysis.window_update', 'window-update'],
  ['tcp.analysis.window_full', 'window-full'],
];

/**
 * The analysis flags of a tshark row, sorted. tshark also shows "retransmission" on a fast or
 * spurious one (it adds both expert items); Wireshark's own bit, which we report, is the one kind.
 */
export function tsharkAnalysis(row: TsharkRow): Analysis[] {
  const set = new Set(TSHARK_ANALYSES.filter(([field]) => num(row, field) !== undefined).map(([, name]) => name));
  if (set.has('fast-retransmission') || set.has('spurious-retransmission')) set.delete('retransmission');
  return [...set].sort();
}

/**
 * tshark's analysis of each row, as tcplab names it: Linux probes a zero window with a segment
 * Wireshark calls keep-alive; sent while the peer advertises 0 it is a zero-window probe, and
 * an answer that still advertises 0 its ACK.
 */
export function tcplabAnalysis(rows: readonly TsharkRow[]): Analysis[][] {
  const advertised = new Map<string, number>();
  return rows.map((row) => {
    const peerWindow = advertised.get(`${row['tcp.stream']} ${row['tcp.dstport']}`);
    const own = num(row, 'tcp.window_size');
    advertised.set(`${row['tcp.stream']} ${row['tcp.srcport']}`, own!);
    return tsharkAnalysis(row).map((a): Analysis => (a === 'keep-alive' && peerWindow === 0 ? 'zero-window-probe' : a === 'keep-alive-ack' && own === 0 ? 'zero-window-probe-ack' : a)).sort();
  });
}

/** tshark's reading of a capture file, with the columns the analysis test compares. */
export function tsharkRead(file: string): TsharkRow[] {
  const fields = [
    'frame.number', 'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.seq', 'tcp.ack', 'tcp.window_size',
    'tcp.len', ...TSHARK_ANALYSES.map(([field]) => field),
  ];
  const result = spawnSync('tshark', [
    '-r', file,
    '-o', 'tcp.relative_sequence_numbers:TRUE',
    '-o', 'tcp.analyze_sequence_numbers:TRUE',
    '-T', 'fields', '-E', 'header=y', '-E', 'separator=/t',
    ...fields.flatMap((f) => ['-e', f]),
  ], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tshark -r ${file} failed (${result.status}): ${result.stderr}`);
  return parseTsharkFields(result.stdout);
}
