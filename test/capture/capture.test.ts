// The capture on the real kernel: every segment of a lab, named by its sockets, over IPv4, IPv6
// and v4-mapped, as root and as nobody; the pcap file says what the JSON says, segment by
// segment, in tshark's own reading; packet expectations fail at their line with what was sent.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabResult, SegmentJson } from '../../src/runner/result.js';
import { asNobody, cannotRun, eventually, hasProgram, processesMarked, STRICT, tcplab } from '../helpers.js';

const CAN_CAPTURE = hasProgram('dumpcap') && hasProgram('nft');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-pcap-'));
  chmodSync(dir, 0o777);
  dirs.push(dir);
  return dir;
}

async function runLab(args: string[], user?: string, env?: NodeJS.ProcessEnv): Promise<LabResult> {
  const r = await tcplab(['run', ...args, '--json'], { ...(user ? { user } : {}), env: { ...process.env, ...env } });
  if (!r.stdout.startsWith('{')) throw new Error(`no JSON: ${r.stderr}`);
  return JSON.parse(r.stdout).labs[0] as LabResult;
}

/** A process's command line, or '' once it is gone. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return '';
  }
}

/** The half-close dialogue in segments: handshake, A's FIN, B's data after it, B's FIN, A's last ACK. */
function checkHalfClose(lab: LabResult): void {
  expect(lab.failure ?? '').toBe('');
  const segs = lab.segments!;
  expect(lab.capture).toEqual({ packets: segs.length, dropped: 0 });
  const line = (s: SegmentJson) => `${s.from}>${s.to} ${s.flags}`;
  expect(segs.slice(0, 3).map(line)).toEqual(['A>B SYN', 'B>A SYN|ACK', 'A>B ACK']);
  expect(segs.slice(0, 3).map((s) => [s.relSeq, s.relAck])).toEqual([[0, 0], [0, 1], [1, 1]]);
  expect(segs[0]!.options).toMatchObject({ mss: expect.any(Number), sackPermitted: true, wscale: expect.any(Number) });
  const aFin = segs.findIndex((s) => s.from === 'A' && s.flags.includes('FIN'));
  const bData = segs.filter((s) => s.from === 'B' && s.len > 0);
  const bFin = segs.findIndex((s) => s.from === 'B' && s.flags.includes('FIN'));
  expect(aFin).toBeGreaterThan(2);
  expect(bData.reduce((n, s) => n + s.len, 0)).toBe(64 * 1024);
  for (const d of bData) expect(segs.indexOf(d)).toBeGreaterThan(aFin);
  expect(bFin).toBeGreaterThan(segs.indexOf(bData.at(-1)!));
  const last = segs.at(-1)!;
  expect(line(last)).toBe('A>B ACK');
  expect(last.relAck).toBe(segs[bFin]!.relSeq + 1);
  // Times are on the lab's clock, in order, and agree with the states: A's FIN before it is seen in FIN_WAIT2.
  for (let i = 1; i < segs.length; i += 1) expect(segs[i]!.atMs).toBeGreaterThanOrEqual(segs[i - 1]!.atMs);
  const fw2 = lab.sockets.find((s) => s.name === 'A')!.states.find((s) => s.state === 'FIN_WAIT2')!;
  expect(segs[aFin]!.atMs).toBeLessThanOrEqual(fw2.atMs);
}

/** tshark's reading of the pcap file, one line per frame: ports, raw seq and ack, flags, length. */
function tsharkLines(file: string): string[] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=,', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.seq_raw', '-e', 'tcp.ack_raw', '-e', 'tcp.flags', '-e', 'tcp.len'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}

const FLAG_BITS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 };

function ourLines(segs: SegmentJson[]): string[] {
  return segs.map((s) => {
    const bits = s.flags.split('|').reduce((n, f) => n + FLAG_BITS[f]!, 0);
    return [s.src.replace(/.*:/, ''), s.dst.replace(/.*:/, ''), s.seq, s.flags.includes('ACK') ? s.ack : 0, `0x${bits.toString(16).padStart(4, '0')}`, s.len].join(',');
  });
}

if (!CAN_CAPTURE) {
  cannotRun('captures segments (needs dumpcap and nft)', 'strict mode: install wireshark-common (dumpcap) and nftables');
} else {
  describe('the capture of a lab', () => {
    for (const family of ['4', '6', 'mapped'] as const) {
      it(`records the half-close dialogue segment by segment over ${family === '4' ? 'IPv4' : family === '6' ? 'IPv6' : 'v4-mapped IPv6'}, and the pcap file agrees`, async () => {
        const dir = folder();
        const lab = await runLab(['half-close', '--family', family, '--pcap', dir]);
        checkHalfClose(lab);
        expect(lab.segments![0]!.src).toMatch(family === '6' ? /^\[::1\]:\d+$/ : /^127\.0\.0\.1:\d+$/);
        const file = path.join(dir, 'half-close.pcap');
        expect(existsSync(file)).toBe(true);
        if (!hasProgram('tshark')) {
          if (STRICT) expect.fail('strict mode: install tshark to check the pcap files');
          return;
        }
        expect(tsharkLines(file)).toEqual(ourLines(lab.segments!));
      }, 30_000);
    }

    it('asserts on packets in the existing labs: half-close, reset, closing', async () => {
      for (const name of ['reset', 'closing']) {
        const lab = await runLab([name]);
        expect(lab.failure ?? '').toBe('');
        const checks = lab.expectations.filter((e) => /send/.test(e.text));
        expect(checks.length).toBeGreaterThan(0);
        for (const c of checks) expect(c).toMatchObject({ ok: true });
        expect(checks.some((c) => c.notChecked)).toBe(false);
      }
    }, 30_000);

    it('--no-capture: no segments, the reason said, packet expectations marked not checked, the lab still passes', async () => {
      const lab = await runLab(['half-close', '--no-capture']);
      expect(lab.status).toBe('passed');
      expect(lab.noCapture).toBe('turned off (--no-capture)');
      expect(lab.segments).toBeUndefined();
      const unchecked = lab.expectations.filter((e) => e.notChecked);
      expect(unchecked.map((e) => e.text)).toEqual([expect.stringContaining('to send FIN'), expect.stringContaining('to send data'), expect.stringContaining('to send FIN')]);
    }, 30_000);

    it('a program missing: the reason names the package, and a lab that needs packets is skipped with it', async () => {
      const env = { TCPLAB_DUMPCAP: '/nonexistent/dumpcap' };
      const half = await runLab(['half-close'], undefined, env);
      expect(half.status).toBe('passed');
      expect(half.noCapture).toMatch(/dumpcap is not installed \(Debian and Ubuntu: apt install wireshark-common\)/);
      const needs = await runLab(['test/fixtures/labs/needs-capture.lab.ts'], undefined, env);
      expect(needs.status).toBe('skipped');
      expect(needs.reason).toMatch(/needs a packet capture, and .*apt install wireshark-common/);
      const ok = await runLab(['test/fixtures/labs/needs-capture.lab.ts']);
      expect(ok.failure ?? '').toBe('');
      expect(ok.status).toBe('passed');
    }, 30_000);

    it('packet expectations fail at their line, with what the socket sent instead', async () => {
      const file = 'test/fixtures/labs/packets-wrong.lab.ts';
      const noFin = await runLab([file], undefined, { TCPLAB_FIXTURE_CASE: 'no-fin' });
      expect(noFin.failure).toMatch(/^test\/fixtures\/labs\/packets-wrong\.lab\.ts:14: expected client \S+ to send FIN within 300 ms; observed 0 × FIN; sent .*PSH\|ACK seq=1 ack=1 len=4 .*, then nothing for \d+\.\d ms \(capture, \d+ packets\)$/);
      const rst = await runLab([file], undefined, { TCPLAB_FIXTURE_CASE: 'rst' });
      expect(rst.failure).toMatch(/packets-wrong\.lab\.ts:17: expected client \S+ never to send RST; observed 1 × RST, first RST\|ACK seq=1 ack=1 .* \(capture, \d+ packets\)$/);
      const bad = await runLab([file], undefined, { TCPLAB_FIXTURE_CASE: 'bad-flag' });
      expect(bad.failure).toMatch(/packets-wrong\.lab\.ts:22: unknown TCP flag `FOO`; the flags are FIN, SYN, RST, PSH, ACK, URG, ECE, CWR/);
    }, 30_000);

    it('leaves no dumpcap behind, also when the run is interrupted', async () => {
      const mark = randomBytes(6).toString('hex');
      const run = tcplab(['run', 'test/fixtures/labs/waits.lab.ts'], { env: { ...process.env, TCPLAB_TEST_MARK: mark } });
      // Interrupted while the lab waits, its capture running.
      expect(await eventually(() => processesMarked(mark).some((pid) => commandOf(pid).startsWith('dumpcap')), 5000)).toBe(true);
      process.kill(processesMarked(mark).sort((a, b) => a - b)[0]!, 'SIGINT');
      const r = await run;
      expect(r.code).toBe(130);
      expect(processesMarked(mark)).toEqual([]);
    }, 30_000);

    describe('as nobody', () => {
      asNobody(() => {
        for (const family of ['4', '6'] as const) {
          it(`records the same dialogue in a user namespace over IPv${family}`, async () => {
            const dir = folder();
            const lab = await runLab(['half-close', '--family', family, '--pcap', dir], 'nobody');
            expect(lab.observer).toBe('proc');
            checkHalfClose(lab);
            expect(existsSync(path.join(dir, 'half-close.pcap'))).toBe(true);
          }, 30_000);
        }
      });
    });
  });
}
