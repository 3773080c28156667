// The capture stage: every TCP segment that enters the lab's namespace, with the kernel's own
// timestamp. An nftables rule of the namespace (prerouting, before anything else) hands each
// packet to netfilter's log (NFLOG), which `dumpcap -i nflog:G` reads and writes as pcap on a
// pipe at once (a packet socket would hand them over in blocks of up to 250 ms, and lose the
// last block on stop). A sync packet (UDP to the discard port) marks "everything before now".

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { decodeIpPacket } from './decode.js';
import { decodeNflog, LINKTYPE_NFLOG } from './nflog.js';
import { LINKTYPE_RAW, writePcap, type PcapRecord } from './pcap.js';
import { PcapStream } from './pcap-stream.js';
import type { Packet } from './segment.js';

const GROUP = 7;
const TABLE = 'tcplab_capture';
const SNAPLEN = 160;
const SYNC_PORT = 9;
const START_TIMEOUT_MS = 5000;
const SYNC_TIMEOUT_MS = 2000;


/** The capture's own account: packets kept, and packets the kernel or dumpcap dropped (null: dumpcap died before it could say). */
export interface CaptureCounts {
  packets: number;
  dropped: number | null;
}

/** The dumpcap to run: `TCPLAB_DUMPCAP` where it is elsewhere than on the PATH. */
function dumpcap(): string {
  return process.env.TCPLAB_DUMPCAP || 'dumpcap';
}

/** Why a capture cannot be made here, or undefined when it can (dumpcap and nft are installed). */
export function captureUnavailable(): string | undefined {
  for (const [program, pkg] of [[dumpcap(), 'wireshark-common'], ['nft', 'nftables']] as const) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program]).status !== 0) return `${program} is not installed (Debian and Ubuntu: apt install ${pkg})`;
  }
  return undefined;
}

export class Capture {
  /** Every TCP segment so far, in capture order. */
  readonly packets: Packet[] = [];
  /** The same packets as logged (cut at the snap length), for the pcap file. */
  private readonly raw: PcapRecord[] = [];
  private readonly listeners = new Set<(p: Packet) => void>();
  private readonly syncs = new Map<string, () => void>();
  private stderr = '';
  private exited: Promise<void>;
  private stopped = false;
  /** Why the pcap stream could not be read, if it could not. */
  private failure: string | undefined;

  private constructor(private readonly child: ChildProcess, private readonly toLabMs: (tsUs: number) => number) {
    this.exited = new Promise((resolve) => child.on('close', () => resolve()));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.stderr += d;
    });
  }

  /** Sets up the namespace's log rule and starts dumpcap; resolves once it is capturing. */
  static async start(toLabMs: (tsUs: number) => number): Promise<Capture> {
    const nft = spawnSync('nft', ['-f', '-'], { input: ruleset(), encoding: 'utf8' });
    if (nft.status !== 0) throw new Error(`nft refused the capture's log rule: ${(nft.stderr || nft.error?.message || '').trim().split('\n')[0]}`);
    const child = spawn(dumpcap(), ['-q', '-i', `nflog:${GROUP}`, '-s', String(SNAPLEN), '-B', '16', '-w', '-', '-P'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const capture = new Capture(child, toLabMs);
    const stream = new PcapStream((r) => capture.onRecord(r.tsUs, r.bytes));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(`dumpcap did not start capturing within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(why));
      };
      child.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? 'dumpcap is not installed (Debian and Ubuntu: apt install wireshark-common)' : `dumpcap: ${err.message}`));
      const early = (code: number | null) => fail(`dumpcap exited (code ${code}) before capturing: ${capture.stderr.trim().split('\n').at(-1) ?? ''}`);
      child.on('close', early);
      let started = false;
      child.stdout!.on('data', (chunk: Buffer) => {
        try {
          stream.push(chunk);
        } catch (err) {
          capture.failure = (err as Error).message;
        }
        if (started || stream.linkType === undefined) return;
        if (stream.linkType !== LINKTYPE_NFLOG) return fail(`dumpcap wrote link type ${stream.linkType}, not NFLOG`);
        started = true;
        clearTimeout(timer);
        child.off('close', early);
        resolve();
      });
    });
    return capture;
  }

  private onRecord(pcapTsUs: number, record: Buffer): void {
    const logged = decodeNflog(record);
    if (!logged) return;
    const tsUs = logged.tsUs ?? pcapTsUs;
    if (logged.prefix === 'tcplab-sync') {
      const token = syncToken(logged.payload);
      if (token !== undefined) this.syncs.get(token)?.();
      return;
    }
    const packet = decodeIpPacket(logged.payload, this.toLabMs(tsUs));
    if (!packet) return;
    this.raw.push({ tsUs, bytes: Buffer.from(logged.payload), origLen: ipLength(logged.payload) });
    this.packets.push(packet);
    for (const fn of this.listeners) fn(packet);
  }

  /** dumpcap's process id (its CPU is part of what the capture costs). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Calls `fn` for every segment captured from now on; returns the unsubscribe. */
  onPacket(fn: (p: Packet) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Resolves once every packet that entered the namespace before this call has been read: a
   * marker packet sent now has come back through the same log. False when it did not in time.
   */
  async sync(): Promise<boolean> {
    if (this.stopped) return true;
    // dumpcap is gone (a signal to the lab's process group): nothing more will come.
    if (this.child.exitCode !== null || this.child.signalCode !== null) return false;
    const token = randomBytes(6).toString('hex');
    const socket = dgram.createSocket('udp4');
    try {
      return await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => done(false), SYNC_TIMEOUT_MS);
        const done = (ok: boolean) => {
          clearTimeout(timer);
          this.syncs.delete(token);
          resolve(ok);
        };
        this.syncs.set(token, () => done(true));
        void this.exited.then(() => done(false));
        socket.on('error', () => done(false));
        socket.send(`tcplab-sync ${token}`, SYNC_PORT, '127.0.0.1');
      });
    } finally {
      socket.close();
    }
  }

  /** Reads what is still on its way and stops dumpcap; the counts are final. */
  async stop(): Promise<CaptureCounts> {
    if (!this.stopped) {
      await this.sync();
      this.stopped = true;
      this.child.kill('SIGTERM');
      const hard = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(hard);
      // The log rule's table goes with the lab's namespace.
    }
    // A stream that could not be read to its end lost an unknown number of packets.
    return { packets: this.packets.length, dropped: this.failure === undefined ? droppedFrom(this.stderr) : null };
  }

  /** The capture as a pcap file (raw IP packets, µs timestamps). */
  pcap(): Buffer {
    return writePcap(this.raw, { linkType: LINKTYPE_RAW, snapLen: SNAPLEN });
  }
}

function ruleset(): string {
  return [
    `table inet ${TABLE} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority -400; policy accept;',
    `    meta l4proto tcp log group ${GROUP} snaplen ${SNAPLEN} queue-threshold 1`,
    `    ip daddr 127.0.0.1 udp dport ${SYNC_PORT} log prefix "tcplab-sync" group ${GROUP} queue-threshold 1`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The packet's length on the wire, from its IP header (the capture keeps only the first bytes). */
function ipLength(ip: Buffer): number {
  if (ip.length >= 4 && ip[0]! >> 4 === 4) return ip.readUInt16BE(2);
  if (ip.length >= 6 && ip[0]! >> 4 === 6) return 40 + ip.readUInt16BE(4);
  return ip.length;
}

/** The token of a sync packet (IPv4, UDP, payload `tcplab-sync TOKEN`). */
function syncToken(ip: Buffer): string | undefined {
  if (ip.length < 28 || ip[0]! >> 4 !== 4 || ip[9] !== 17) return undefined;
  const text = ip.subarray((ip[0]! & 15) * 4 + 8).toString('latin1');
  return text.startsWith('tcplab-sync ') ? text.slice(12) : undefined;
}

/** dumpcap's closing line: `Packets received/dropped on interface 'nflog:7': 9/0 (...)`. */
function droppedFrom(stderr: string): number | null {
  const m = /received\/dropped on interface '.*?':\s*(\d+)\/(\d+)/.exec(stderr);
  return m ? Number(m[2]) : null;
}
