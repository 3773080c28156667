// The ladder's words in English and Chinese: the labels of its arrows and notes, shared by the
// tour's text ladder and the HTML report's SVG ladder (which speaks English).

import type { Analysis } from '../capture/segment.js';

export type Lang = 'en' | 'zh';

/** Every phrase a ladder draws. */
export interface LadderWords {
  data: string;
  probe: string;
  fillsWindow: string;
  rest: string;
  windowZero: string;
  windowOpens: string;
  again: (segment: string, n: number) => string;
  forged: string;
  noSocket: string;
  auto: string;
  finQueued: string;
  finTimeout: string;
  timeWaitOver: string;
  noConnection: string;
  /** What Wireshark's analysis says of a captured segment. */
  analysis: Record<Analysis, string>;
  /** ` (45 segments)`: how many a folded arrow stands for, with the space before it where the language has one. */
  segments: (n: number) => string;
  /** The line under a ladder: where its arrows come from. */
  /** `dropped` null: the capture could not say. */
  arrowsCaptured: (segments: number, dropped: number | null) => string;
  arrowsInferred: (reason: string) => string;
  /** Reasons an inferred ladder gives, besides the runner's own (`--no-capture` ...). */
  notRecorded: string;
  noneBetween: (a: string, b: string) => string;
}

const EN: LadderWords = {
  data: 'data',
  probe: 'window probe',
  fillsWindow: 'data, until window 0',
  rest: 'the rest of the data',
  windowZero: 'ACK, window 0',
  windowOpens: 'ACK, window opens',
  again: (segment, n) => `${segment} again (#${n})`,
  forged: 'SYN (old, forged)',
  noSocket: 'RST: no such connection',
  auto: 'FIN (Node ends it)',
  finQueued: 'FIN queued behind data',
  finTimeout: 'fin timeout: dropped, no segment',
  timeWaitOver: '2MSL over: gone, no segment',
  noConnection: 'no connection handed out',
  analysis: {
    'retransmission': 'retransmission',
    'fast-retransmission': 'fast retransmission',
    'spurious-retransmission': 'spurious retransmission',
    'out-of-order': 'out of order',
    'lost-segment': 'previous segment lost',
    'duplicate-ack': 'dup ACK',
    'zero-window': 'window 0',
    'zero-window-probe': 'probe',
    'zero-window-probe-ack': 'probe ACK',
    'keep-alive': 'keep-alive',
    'keep-alive-ack': 'keep-alive ACK',
    'window-update': 'window update',
    'window-full': 'window full',
  },
  segments: (n) => ` (${n} segments)`,
  arrowsCaptured: (n, dropped) =>
    `arrows captured: ${n} segment${n === 1 ? '' : 's'}${dropped === null ? ', drops unknown' : dropped > 0 ? `, ${dropped} dropped` : ''}; seq and ack relative, as Wireshark shows them`,
  arrowsInferred: (reason) => `arrows inferred from states and Node's events: ${reason}`,
  notRecorded: 'this result holds no capture',
  noneBetween: (a, b) => `the capture holds no segment between ${a} and ${b}`,
};

const ZH: LadderWords = {
  data: '数据',
  probe: '窗口探测',
  fillsWindow: '数据，直到窗口为 0',
  rest: '剩下的数据',
  windowZero: 'ACK，窗口 0',
  windowOpens: 'ACK，窗口打开',
  again: (segment, n) => `${segment} 重传 #${n}`,
  forged: 'SYN（伪造的旧 SYN）',
  noSocket: 'RST：没有这个连接',
  auto: 'FIN（Node 自动关闭）',
  finQueued: 'FIN 排在未发数据之后',
  finTimeout: 'fin 超时：直接丢弃，不发报文',
  timeWaitOver: '2MSL 到期：消失，不发报文',
  noConnection: '没有交出任何连接',
  analysis: {
    'retransmission': '重传',
    'fast-retransmission': '快速重传',
    'spurious-retransmission': '多余的重传',
    'out-of-order': '乱序',
    'lost-segment': '前一报文段丢失',
    'duplicate-ack': '重复 ACK',
    'zero-window': '窗口 0',
    'zero-window-probe': '探测',
    'zero-window-probe-ack': '探测的 ACK',
    'keep-alive': '保活',
    'keep-alive-ack': '保活的 ACK',
    'window-update': '窗口更新',
    'window-full': '窗口已满',
  },
  segments: (n) => `（${n} 个报文段）`,
  arrowsCaptured: (n, dropped) =>
    `箭头来自抓包：${n} 个报文段${dropped === null ? '，丢失数未知' : dropped > 0 ? `，丢失 ${dropped} 个` : ''}；seq 和 ack 是相对值，与 Wireshark 显示的一致`,
  arrowsInferred: (reason) => `箭头是根据状态和 Node 的事件推断的：${reason}`,
  notRecorded: '这个结果里没有抓包',
  noneBetween: (a, b) => `抓包里没有 ${a} 和 ${b} 之间的报文段`,
};

export function ladderWords(lang: Lang): LadderWords {
  switch (lang) {
    case 'en':
      return EN;
    case 'zh':
      return ZH;
    default: {
      const never: never = lang;
      return never;
    }
  }
}
