// Wireshark's TCP sequence analysis, check for check and in its order: a port of
// tcp_analyze_sequence_number() of epan/dissectors/packet-tcp.c (Wireshark 4.0), over the
// state of one conversation. Sequence arithmetic is modulo 2^32 as in the C code, and a zero
// nextseq, lastack or maxseqtobeacked means "not seen yet" there as here.

/** Wireshark's TCP_A_* bits, in the order its checks set them. */
export const A = {
  ZERO_WINDOW_PROBE: 0x0040,
  ZERO_WINDOW: 0x0020,
  LOST_PACKET: 0x0002,
  KEEP_ALIVE: 0x0008,
  WINDOW_UPDATE: 0x0800,
  WINDOW_FULL: 0x1000,
  KEEP_ALIVE_ACK: 0x0100,
  ZERO_WINDOW_PROBE_ACK: 0x0080,
  DUPLICATE_ACK: 0x0010,
  ACK_LOST_PACKET: 0x0004,
  RETRANSMISSION: 0x0001,
  FAST_RETRANSMISSION: 0x0400,
  SPURIOUS_RETRANSMISSION: 0x4000,
  OUT_OF_ORDER: 0x0200,
  REUSED_PORTS: 0x2000,
} as const;

/** TCP header flag bits, by packet-tcp.c's TH_* names. */
export const TH = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** Window scale states of tcp_flow_t.win_scale: unknown, or known unused (a shift >= 0 otherwise). */
export const SCALE_UNKNOWN = -1;
export const SCALE_NONE = -2;

/** TCP_MAX_UNACKED_SEGMENTS: past this many, new segments are not remembered. */
const MAX_UNACKED = 10_000;
/** A fast retransmission follows the duplicate ACKs within 20 ms. */
const FAST_RETRANSMISSION_NS = 20_000_000;
/** Out of order: within the first RTT of the handshake, or 3 ms when that is not known. */
const OUT_OF_ORDER_NS = 3_000_000;

/** One direction of a conversation: tcp_flow_t with its tcp_analyze_seq_flow_info_t. */
export interface Flow {
  baseSeq: number;
  baseSeqSet: boolean;
  winScale: number;
  /** The last raw window sent; G_MAXUINT32 before any. */
  window: number;
  isFirstAck: boolean;
  nextseq: number;
  nextseqTimeNs: number;
  maxseqtobeacked: number;
  lastack: number;
  lastackTimeNs: number;
  dupacknum: number;
  lastsegmentflags: number;
  /** nextseq of each segment sent and not yet acknowledged (only their count matters here). */
  unacked: number[];
}

/** A direction before its first segment: nothing seen, window G_MAXUINT32, scale unknown. */
export function newFlow(): Flow {
  return {
    baseSeq: 0,
    baseSeqSet: false,
    winScale: SCALE_UNKNOWN,
    window: 0xffffffff,
    isFirstAck: false,
    nextseq: 0,
    nextseqTimeNs: 0,
    maxseqtobeacked: 0,
    lastack: 0,
    lastackTimeNs: 0,
    dupacknum: 0,
    lastsegmentflags: 0,
    unacked: [],
  };
}

/** One segment as the analysis sees it: absolute numbers, raw window, TH_* flags. */
export interface SegmentFacts {
  seq: number;
  ack: number;
  len: number;
  flags: number;
  window: number;
  timeNs: number;
}

const u32 = (x: number) => x >>> 0;
const gtSeq = (x: number, y: number) => ((y - x) | 0) < 0;
const ltSeq = (x: number, y: number) => ((x - y) | 0) < 0;
const leSeq = (x: number, y: number) => ((y - x) | 0) >= 0;
/** A guint64 difference of two times: a negative one wraps to a huge value. */
const elapsed = (now: number, then: number) => (now >= then ? now - then : Infinity);

/**
 * Runs the checks for one segment sent by `fwd` to `rev`, updating both; returns the TCP_A_*
 * bits, starting from `flagsSoFar` (what the conversation lookup already set).
 */
export function analyzeSequence(
  s: SegmentFacts,
  fwd: Flow,
  rev: Flow,
  firstRttNs: number,
  flagsSoFar: number,
): number {
  const { seq, ack, len, flags, window } = s;
  const synFinRst = (flags & (TH.SYN | TH.FIN | TH.RST)) !== 0;
  let ta = flagsSoFar;

  if (!fwd.baseSeqSet) {
    fwd.baseSeq = flags & TH.SYN ? seq : u32(seq - 1);
    fwd.baseSeqSet = true;
  }
  // The other side's ISN from the first ACK: ack-1 is the best guess without its SYN.
  if (!rev.baseSeqSet && flags & TH.ACK) {
    rev.baseSeq = u32(ack - 1);
    rev.baseSeqSet = true;
  }

  fwdChecks: {
    if (len === 1 && seq === fwd.nextseq && rev.window === 0) {
      ta |= A.ZERO_WINDOW_PROBE;
      break fwdChecks;
    }
    if (window === 0 && !synFinRst) ta |= A.ZERO_WINDOW;
    if (fwd.nextseq && gtSeq(seq, fwd.nextseq) && !(flags & TH.RST)) ta |= A.LOST_PACKET;
    if ((len === 0 || len === 1) && seq === u32(fwd.nextseq - 1) && !synFinRst) ta |= A.KEEP_ALIVE;
    const sameAck = seq === fwd.nextseq && ack === fwd.lastack && !synFinRst;
    if (len === 0 && window && window !== fwd.window && sameAck) ta |= A.WINDOW_UPDATE;
    if (len > 0 && rev.winScale !== SCALE_UNKNOWN && !synFinRst) {
      const shift = rev.isFirstAck || rev.winScale === SCALE_NONE ? 0 : rev.winScale;
      const edge = u32(rev.lastack + ((rev.window * 2 ** shift) % 2 ** 32));
      if (u32(seq + len) === edge) ta |= A.WINDOW_FULL;
    }
    if (len === 0 && window && window === fwd.window && sameAck && rev.lastsegmentflags & A.KEEP_ALIVE) {
      ta |= A.KEEP_ALIVE_ACK;
      break fwdChecks;
    }
    if (len === 0 && window === 0 && window === fwd.window && sameAck && rev.lastsegmentflags & A.ZERO_WINDOW_PROBE) {
      ta |= A.ZERO_WINDOW_PROBE_ACK;
      break fwdChecks;
    }
    if (len === 0 && window && window === fwd.window && sameAck) {
      fwd.dupacknum = fwd.dupacknum === -1 ? 1 : fwd.dupacknum + 1;
      ta |= A.DUPLICATE_ACK;
    }
  }

  if (ack !== fwd.lastack) fwd.dupacknum = 0;

  // ACKed unseen segment: this acknowledges more than the other side was seen sending.
  if (rev.maxseqtobeacked && gtSeq(ack, rev.maxseqtobeacked) && flags & TH.ACK) {
    if (rev.maxseqtobeacked > rev.nextseq) {
      rev.maxseqtobeacked = rev.nextseq;
      ta |= A.ACK_LOST_PACKET;
    } else {
      if (rev.dupacknum === 0) ta |= A.ACK_LOST_PACKET;
      rev.dupacknum = -1;
    }
  }

  if (len > 0 || flags & (TH.SYN | TH.FIN)) ta |= retransmissionKind(s, fwd, rev, firstRttNs, ta);

  let nextseq = u32(seq + len);
  if ((len > 0 || flags & (TH.SYN | TH.FIN)) && fwd.unacked.length < MAX_UNACKED) {
    if (flags & (TH.SYN | TH.FIN)) nextseq = u32(nextseq + 1);
    fwd.unacked.push(nextseq);
  }
  // A zero window probe does not advance what is expected next.
  const probe = (ta & A.ZERO_WINDOW_PROBE) !== 0;
  if ((gtSeq(nextseq, fwd.nextseq) || !fwd.nextseq) && !probe) {
    fwd.nextseq = nextseq;
    fwd.nextseqTimeNs = s.timeNs;
  }
  if ((seq === fwd.maxseqtobeacked || !fwd.maxseqtobeacked) && !probe) fwd.maxseqtobeacked = fwd.nextseq;

  fwd.window = window;
  fwd.lastack = ack;
  fwd.lastackTimeNs = s.timeNs;
  fwd.lastsegmentflags = ta;
  // Segments this acknowledges in full leave the other side's list (whatever the ACK flag says).
  rev.unacked = rev.unacked.filter((end) => gtSeq(end, ack));
  return ta;
}

/** Retransmission, fast or spurious, or out of order: the bit to add, or 0. */
function retransmissionKind(s: SegmentFacts, fwd: Flow, rev: Flow, firstRttNs: number, ta: number): number {
  const { seq, len, flags } = s;
  if (ta & A.KEEP_ALIVE) return 0;
  let notAdvanced = fwd.nextseq !== 0 && ltSeq(seq, fwd.nextseq);
  // New data starting one byte early follows what may have been a zero window probe.
  if (len > 1 && u32(fwd.nextseq - 1) === seq) notAdvanced = false;
  if (len > 0 && rev.lastack && leSeq(u32(seq + len), rev.lastack)) return A.SPURIOUS_RETRANSMISSION;
  if (
    notAdvanced &&
    rev.dupacknum >= 2 &&
    rev.lastack === seq &&
    elapsed(s.timeNs, rev.lastackTimeNs) < FAST_RETRANSMISSION_NS
  ) {
    return A.FAST_RETRANSMISSION;
  }
  const threshold = firstRttNs === 0 ? OUT_OF_ORDER_NS : firstRttNs;
  const end = u32(seq + len + (flags & (TH.SYN | TH.FIN) ? 1 : 0));
  if (notAdvanced && elapsed(s.timeNs, fwd.nextseqTimeNs) < threshold && fwd.nextseq !== end) return A.OUT_OF_ORDER;
  return notAdvanced ? A.RETRANSMISSION : 0;
}
