// Expectations on the segments a socket sends, checked against the capture: a FIN within a
// deadline, an RST, at least two retransmitted SYNs, never an RST. A verdict is taken only on a
// capture brought up to date (a sync packet has come back through the same log).

import type { ActorRef } from '../actors/events.js';
import { callSite, type Where } from '../actors/where.js';
import type { Packet, Segment, TcpFlag } from '../capture/segment.js';
import { TCP_FLAGS, flagText } from '../capture/segment.js';
import { SEGMENT_ANALYSES, type CapturedSegment, type CountOption, type SegmentMatch, type WithinOptions } from '../lab/define.js';
import type { Endpoint } from '../observe/row.js';
import type { Timeline } from '../timeline/timeline.js';
import { LabFailure, LabSkip, ms } from './failure.js';

/** What the packet expectations need of the capture stage. */
export interface CaptureView {
  /** Every segment captured so far, in sequence space. */
  segments(): readonly Segment[];
  onPacket(fn: (p: Packet) => void): () => void;
  /** Resolves once every packet sent before the call has been read; false if that failed. */
  sync(): Promise<boolean>;
  /** `capture, 14 packets`. */
  text(): string;
}

export interface PacketEnv {
  timeline: Timeline;
  now(): number;
  /** When the script's latest step (end, write, exec ...) was taken. */
  lastStepMs(): number;
  /** The capture, or why there is none (`--no-capture`, the host's loopback, dumpcap missing). */
  capture: CaptureView | { unavailable: string };
  settle(text: string, where: Where, ok: boolean, observed: string, source: string): void;
  /** Records an expectation that could not be checked, with why; the lab goes on. */
  notChecked(text: string, where: Where, why: string): void;
  defer(check: () => void): void;
}

const DEFAULT_WITHIN = 1000;
const ANALYSES: ReadonlySet<string> = new Set(SEGMENT_ANALYSES);

/** A match as the lab wrote it, checked: the flags that must all be set, and the rest. */
interface Wanted {
  flags: TcpFlag[];
  data: boolean;
  analysis?: string;
  len?: { atLeast?: number; atMost?: number };
  text: string;
}

/** `toSend` and `neverSends` for one socket. */
export function packetExpectations(env: PacketEnv, actor: ActorRef, who: () => string) {
  /** The capture; where there is none, the lab's own checks on segments cannot run at all. */
  const capture = (): CaptureView => {
    if ('unavailable' in env.capture) throw new LabSkip(`looks at packets, and no capture could be made: ${env.capture.unavailable}`);
    return env.capture;
  };
  const unavailable = (): string | undefined => ('unavailable' in env.capture ? `no capture: ${env.capture.unavailable}` : undefined);
  /** The segments this socket sent at or after `fromMs`, in sequence space. */
  const sent = (view: CaptureView, fromMs: number): Segment[] => {
    const mine = ownPairs(env.timeline, actor);
    return view.segments().filter((s) => s.atMs >= fromMs && mine.has(pairKey(s.src, s.dst)));
  };
  return {
    async segmentsOf(): Promise<CapturedSegment[]> {
      const view = capture();
      await view.sync();
      const mine = ownPairs(env.timeline, actor);
      return view.segments().flatMap((s) => {
        const sent = mine.has(pairKey(s.src, s.dst));
        if (!sent && !mine.has(pairKey(s.dst, s.src))) return [];
        return [{ atMs: s.atMs, sent, flags: flagText(s.flags), seq: s.seq, ack: s.ack, relSeq: s.relSeq, relAck: s.relAck, win: s.win, len: s.len, analysis: [...s.analysis] }];
      });
    },

    async toSend(match: SegmentMatch, options: WithinOptions & { count?: CountOption } = {}): Promise<void> {
      const at = callSite();
      const wanted = parseMatch(match, at);
      const count = parseCount(options.count, at);
      const within = options.within ?? DEFAULT_WITHIN;
      const countText = count.text ? ` ${count.text}` : '';
      const text = `${who()} to send ${wanted.text}${countText} within ${within} ms`;
      const why = unavailable();
      if (why) return env.notChecked(text, at, why);
      const view = capture();
      const callMs = env.now();
      // A segment the script's latest step made may leave before this line runs: it counts.
      const fromMs = Math.min(callMs, env.lastStepMs());
      const deadline = callMs + within;
      const hits = () => sent(view, fromMs).filter((s) => s.atMs <= deadline && matches(s, wanted));
      // With an upper bound, more may come until the deadline: only then is the count known.
      const enough = () => count.atMost === undefined && hits().length >= count.atLeast;
      if (!enough()) {
        await new Promise<void>((resolve) => {
          const off = view.onPacket(() => {
            if (enough()) finish();
          });
          const timer = setTimeout(finish, Math.max(0, deadline - env.now()));
          function finish() {
            off();
            clearTimeout(timer);
            resolve();
          }
        });
      }
      const synced = await view.sync();
      const found = hits();
      const ok = found.length >= count.atLeast && (count.atMost === undefined || found.length <= count.atMost);
      const observed = ok && found.length > 0
        ? `${found.length > 1 ? `${found.length} × ${wanted.text}, the first ` : ''}${describeOne(found[0]!)}`
        : describeSent(sent(view, fromMs).filter((s) => s.atMs <= deadline), fromMs, Math.min(deadline, env.now()), wanted);
      env.settle(text, at, ok, observed + (synced ? '' : '; the capture could not be brought up to date'), view.text());
    },

    neverSends(match: SegmentMatch): void {
      const at = callSite();
      const wanted = parseMatch(match, at);
      const why = unavailable();
      if (why) return env.notChecked(`${who()} never to send ${wanted.text}`, at, why);
      const view = capture();
      env.defer(() => {
        const bad = sent(view, 0).filter((s) => matches(s, wanted));
        env.settle(`${who()} never to send ${wanted.text}`, at, bad.length === 0,
          bad.length === 0 ? `no ${wanted.text} among ${sent(view, 0).length} segments it sent` : `${bad.length} × ${wanted.text}, first ${describeOne(bad[0]!)}`, view.text());
      });
    },
  };
}

/** The address pairs (src, dst) of every incarnation of the actor's connection. */
function ownPairs(timeline: Timeline, actor: ActorRef): Set<string> {
  const out = new Set<string>();
  const bound = timeline.boundTo(actor);
  if (bound) out.add(pairKey(bound.local, bound.remote));
  // Earlier incarnations included: a retired history stays its owner's.
  for (const h of timeline.historiesOf(actor)) out.add(pairKey(h.local, h.remote));
  return out;
}

/** The same key for a v4-mapped socket's row and the IPv4 packets on the wire. */
export function pairKey(src: Endpoint, dst: Endpoint): string {
  return `${plain(src.address)}:${src.port} ${plain(dst.address)}:${dst.port}`;
}

function plain(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function matches(s: Segment, w: Wanted): boolean {
  if (!w.flags.every((f) => s.flags.includes(f))) return false;
  if (w.data && s.len === 0) return false;
  if (w.analysis && !(s.analysis as string[]).includes(w.analysis)) return false;
  if (w.len?.atLeast !== undefined && s.len < w.len.atLeast) return false;
  if (w.len?.atMost !== undefined && s.len > w.len.atMost) return false;
  return true;
}

function parseMatch(match: SegmentMatch, where: Where): Wanted {
  const spec = typeof match === 'string' ? { flags: match } : match;
  if (typeof spec !== 'object' || spec === null) throw new LabFailure(where, 'usage', `expected a segment as flags ('FIN', 'SYN|ACK', 'RST', 'data') or { flags, analysis, len }, got \`${String(match)}\``);
  const words = (spec.flags ?? '').split('|').map((f) => f.trim().toUpperCase()).filter(Boolean);
  const data = words.includes('DATA');
  const flags = words.filter((f) => f !== 'DATA');
  for (const f of flags) {
    if (!(TCP_FLAGS as readonly string[]).includes(f)) throw new LabFailure(where, 'usage', `unknown TCP flag \`${f}\`; the flags are ${TCP_FLAGS.join(', ')}, and \`data\` for a segment that carries bytes`);
  }
  if (spec.analysis !== undefined && !ANALYSES.has(spec.analysis)) throw new LabFailure(where, 'usage', `unknown analysis \`${String(spec.analysis)}\`; the analyses are ${[...ANALYSES].join(', ')}`);
  const len = typeof spec.len === 'number' ? { atLeast: spec.len, atMost: spec.len } : spec.len;
  const parts = [flags.length > 0 ? flags.join('|') : data ? '' : 'a segment', data ? 'data' : '', spec.analysis ? `(${spec.analysis})` : '', len ? `of ${lenText(len)} bytes` : ''];
  return { flags: flags as TcpFlag[], data, ...(spec.analysis ? { analysis: spec.analysis } : {}), ...(len ? { len } : {}), text: parts.filter(Boolean).join(' ') };
}

function lenText(len: { atLeast?: number; atMost?: number }): string {
  if (len.atLeast !== undefined && len.atLeast === len.atMost) return String(len.atLeast);
  if (len.atMost === undefined) return `at least ${len.atLeast ?? 0}`;
  return len.atLeast === undefined ? `at most ${len.atMost}` : `${len.atLeast} to ${len.atMost}`;
}

function parseCount(count: CountOption | undefined, where: Where): { atLeast: number; atMost?: number; text: string } {
  if (count === undefined) return { atLeast: 1, text: '' };
  if (typeof count === 'number' && Number.isInteger(count) && count >= 0) return { atLeast: count, atMost: count, text: `exactly ${count} times` };
  if (typeof count === 'object' && count !== null) {
    const { atLeast = 0, atMost } = count;
    if (Number.isInteger(atLeast) && atLeast >= 0 && (atMost === undefined || (Number.isInteger(atMost) && atMost >= atLeast))) {
      return { atLeast, ...(atMost !== undefined ? { atMost } : {}), text: atMost === undefined ? `at least ${atLeast} times` : atLeast === 0 ? `at most ${atMost} times` : `${atLeast} to ${atMost} times` };
    }
  }
  throw new LabFailure(where, 'usage', `expected the \`count\` option to be a non-negative integer or { atLeast, atMost }, got \`${JSON.stringify(count)}\``);
}

/** `FIN|ACK seq=1 ack=1 at 12.4 ms`. */
export function describeOne(s: Segment): string {
  const data = s.len > 0 ? ` len=${s.len}` : '';
  const ack = s.flags.includes('ACK') ? ` ack=${s.relAck}` : '';
  const what = s.analysis.length > 0 ? ` (${s.analysis.join(', ')})` : '';
  return `${flagText(s.flags)} seq=${s.relSeq}${ack}${data} win=${s.win}${what} at ${ms(s.atMs)} ms`;
}

/** What the socket sent in the window: the last few segments, then how long nothing came. */
function describeSent(list: Segment[], fromMs: number, deadline: number, wanted: Wanted): string {
  if (list.length === 0) return `nothing sent from ${ms(fromMs)} ms to ${ms(deadline)} ms`;
  const shown = list.slice(-4).map(describeOne);
  const more = list.length > 4 ? `${list.length - 4} more, then ` : '';
  const hits = list.filter((s) => matches(s, wanted)).length;
  const quiet = deadline - list.at(-1)!.atMs;
  return `${hits} × ${wanted.text}; sent ${more}${shown.join(', ')}${quiet > 1 ? `, then nothing for ${ms(quiet)} ms` : ''}`;
}
