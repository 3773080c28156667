// Captured packets to segments in their connection's sequence space, as Wireshark's TCP
// dissector shows them: conversations by 4-tuple (a new one when a SYN reuses the tuple with
// another ISN), relative sequence numbers, scaled windows and the tcp.analysis flags.

import type { Endpoint } from '../observe/row.js';
import { TCP_FLAG_BITS } from './decode.js';
import type { Analysis, Packet, Segment } from './segment.js';
import { A, analyzeSequence, newFlow, SCALE_NONE, SCALE_UNKNOWN, TH, type Flow } from './sequence-analysis.js';

/**
 * The tcp.analysis flags a segment can get, each with its TCP_A_* bit, in check order. Two bits
 * the analysis also sets are not reported: ACKed unseen segment and port numbers reused (a
 * reused tuple shows as a new `stream` instead).
 */
const ANALYSIS_BITS: readonly [number, Analysis][] = [
  [A.ZERO_WINDOW_PROBE, 'zero-window-probe'],
  [A.ZERO_WINDOW, 'zero-window'],
  [A.LOST_PACKET, 'lost-segment'],
  [A.KEEP_ALIVE, 'keep-alive'],
  [A.WINDOW_UPDATE, 'window-update'],
  [A.WINDOW_FULL, 'window-full'],
  [A.KEEP_ALIVE_ACK, 'keep-alive-ack'],
  [A.ZERO_WINDOW_PROBE_ACK, 'zero-window-probe-ack'],
  [A.DUPLICATE_ACK, 'duplicate-ack'],
  [A.RETRANSMISSION, 'retransmission'],
  [A.FAST_RETRANSMISSION, 'fast-retransmission'],
  [A.SPURIOUS_RETRANSMISSION, 'spurious-retransmission'],
  [A.OUT_OF_ORDER, 'out-of-order'],
];

/**
 * Linux probes a zero window the way it probes an idle peer (tcp_xmit_probe_skb: an empty
 * segment one byte back), which Wireshark calls keep-alive. Sent while the peer advertises a
 * window of 0, it is a zero-window probe, and the answer, which still shows 0, its ACK.
 */
function probeOfZeroWindow(name: Analysis, peerWindow: number | undefined, ownWindow: number): Analysis {
  if (name === 'keep-alive' && peerWindow === 0) return 'zero-window-probe';
  if (name === 'keep-alive-ack' && ownWindow === 0) return 'zero-window-probe-ack';
  return name;
}

/** The analysis of most segments: nothing to say (one array shared by all of them). */
const NONE: Analysis[] = [];

/** One connection's life on one 4-tuple: tcp_analysis of packet-tcp.c. */
interface Conversation {
  stream: number;
  flows: Map<string, Flow>;
  /** When the last pure SYN was sent, and the first RTT (SYN to the first pure ACK); 0: none. */
  synNs: number;
  firstRttNs: number;
}

const endpointKey = (e: Endpoint) => `${e.address}|${e.port}`;

function conversationKey(p: Packet): string {
  const a = endpointKey(p.src);
  const b = endpointKey(p.dst);
  return a < b ? `${a}>${b}` : `${b}>${a}`;
}

function flowOf(conversation: Conversation, endpoint: Endpoint): Flow {
  const key = endpointKey(endpoint);
  let flow = conversation.flows.get(key);
  if (!flow) {
    flow = newFlow();
    conversation.flows.set(key, flow);
  }
  return flow;
}

/** verify_tcp_window_scaling: scaling is on only when both SYN and SYN-ACK offered it. */
function verifyWindowScaling(isSynAck: boolean, fwd: Flow, rev: Flow): void {
  if (fwd.winScale === SCALE_UNKNOWN) {
    fwd.winScale = SCALE_NONE;
    rev.winScale = SCALE_NONE;
  } else if (isSynAck && rev.winScale === SCALE_NONE) {
    fwd.winScale = SCALE_NONE;
  }
}

/**
 * The segments of `packets` (in capture order) in their connections' sequence spaces, analysed
 * as tshark does in one pass with relative sequence numbers and sequence analysis on.
 */
export function analyzeSegments(packets: readonly Packet[]): Segment[] {
  /** The window each side of a conversation last advertised. */
  const advertised = new WeakMap<Flow, number>();
  /** The latest conversation of each 4-tuple. */
  const current = new Map<string, Conversation>();
  let streams = 0;
  const open = (key: string): Conversation => {
    const conversation: Conversation = { stream: streams++, flows: new Map(), synNs: 0, firstRttNs: 0 };
    current.set(key, conversation);
    return conversation;
  };

  return packets.map((packet) => {
    const flags = packet.flags.reduce((bits, flag) => bits | TCP_FLAG_BITS[flag], 0);
    const synAck = flags & (TH.SYN | TH.ACK);
    const timeNs = Math.round(packet.atMs * 1e6);
    const key = conversationKey(packet);
    let conversation = current.get(key) ?? open(key);
    let fwd = flowOf(conversation, packet.src);
    let ta = 0;
    // A SYN with another ISN on a known tuple starts a new conversation (port reuse); the same
    // ISN is a retransmitted SYN, for which what was expected next is restored (newer
    // packet-tcp.c also marks that one "port numbers reused"; tshark 4.0.17 does not).
    if (synAck === TH.SYN && fwd.baseSeqSet) {
      if (packet.seq !== fwd.baseSeq) {
        conversation = open(key);
        fwd = flowOf(conversation, packet.src);
        ta |= A.REUSED_PORTS;
      } else {
        fwd.nextseq = fwd.maxseqtobeacked;
      }
    }
    const rev = flowOf(conversation, packet.dst);
    if (synAck === (TH.SYN | TH.ACK) && fwd.baseSeqSet && packet.seq !== fwd.baseSeq) {
      fwd.baseSeq = packet.seq;
      ta |= A.REUSED_PORTS;
    }

    const facts = { seq: packet.seq, ack: packet.ack, len: packet.len, flags, window: packet.rawWin, timeNs };
    ta = analyzeSequence(facts, fwd, rev, conversation.firstRttNs, ta);

    const relSeq = (packet.seq - fwd.baseSeq) >>> 0;
    const relAck = flags & TH.ACK ? (packet.ack - rev.baseSeq) >>> 0 : 0;
    // SYNs are never scaled; afterwards the sender's shift once known to be in use.
    const win = !(flags & TH.SYN) && fwd.winScale >= 0 ? packet.rawWin * 2 ** fwd.winScale : packet.rawWin;

    if (flags & TH.SYN) {
      if (!(flags & TH.ACK)) conversation.synNs = timeNs;
      fwd.isFirstAck = true;
    }
    if (synAck === TH.ACK) {
      if (conversation.synNs !== 0 && conversation.firstRttNs === 0) {
        conversation.firstRttNs = timeNs - conversation.synNs;
      }
      fwd.isFirstAck = false;
    }
    // Options come after the analysis in the dissector: a window scale applies from the next segment.
    if (packet.options.wscale !== undefined) fwd.winScale = Math.min(packet.options.wscale, 14);
    if (flags & TH.SYN) verifyWindowScaling((flags & TH.ACK) !== 0, fwd, rev);

    const peerWindow = advertised.get(rev);
    advertised.set(fwd, win);
    const analysis = ta === 0 ? NONE : ANALYSIS_BITS.filter(([bit]) => ta & bit).map(([, name]) => probeOfZeroWindow(name, peerWindow, win));
    return { ...packet, relSeq, relAck, win, analysis, stream: conversation.stream };
  });
}
