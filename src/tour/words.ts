// The tour's own words in English and Chinese: headings, notes and legends, and the ladder's
// labels (src/ladder/words.ts). The labs' dialogues and explanations are in script-en.ts and script-zh.ts.

import { ladderWords, type Lang, type LadderWords } from '../ladder/words.js';

export type { Lang };

/** Every phrase the tour prints outside the labs' scripts. */
export interface Words extends LadderWords {
  nothingToDraw: string;
  sameSocket: string;
  /** What parentheses mean, and `~` where a time is estimated (`approx`). */
  legendImplied: (approx: boolean) => string;
  alsoHere: (list: string) => string;
  step: (n: number, of: number) => string;
  /** `resolutionMs` absent when the observer achieved no period to speak of (fewer than two samples). */
  kernelDid: (observer: string, resolutionMs: string | undefined) => string;
  ladder: string;
  /** Over the handshake's figure with the capture's numbers. */
  handshakeNumbers: string;
  /** `n` null: the capture could not say. */
  captureDropped: (n: number | null) => string;
  seenHere: string;
  tooBrief: string;
  newHere: string;
  skipped: string;
  /** ':' or '：'. */
  colon: string;
  failed: string;
  passed: string;
  whatToDo: string;
  notInstalled: (name: string) => string;
  diagramTitle: string;
  diagramLegend: string;
  checklist: (n: number, of: number) => string;
  closedRule: string;
  timeWaitWait: (long: boolean, waited: boolean) => string;
  otherTransitions: string;
  totalTime: (seconds: string) => string;
  intro: (labs: number) => string[];
  onHost: (reason: string) => string;
  running: (names: string) => string;
  hintNetns: string;
  hintInstall: (pkg: string) => string;
  hintFamily: string;
  hintOther: string;
  summary: (passed: number, failed: number, skipped: number) => string;
}

const EN: Words = {
  ...ladderWords('en'),
  nothingToDraw: '(no connection to draw in this lab)',
  sameSocket: '(same socket)',
  legendImplied: (approx) => `(STATE): implied by the segments, too brief to be sampled${approx ? '; ~: estimated time' : ''}`,
  alsoHere: (list) => `Also in this lab: ${list}`,
  step: (n, of) => `Step ${n} of ${of}`,
  kernelDid: (observer, res) => `What the kernel did (${observer}${res ? `, a sample every ${res} ms` : ''}):`,
  ladder: 'Ladder (time in ms):',
  handshakeNumbers: "The classic figure with this run's numbers (x, y: each end's initial sequence number, captured):",
  captureDropped: (n) => `${n === null ? 'The capture could not say whether it dropped packets' : `The capture dropped ${n} packets`}: the ladder may miss segments.`,
  seenHere: 'States seen here:',
  tooBrief: 'Not sampled here (too brief, or not watched):',
  newHere: 'new in the tour',
  skipped: 'SKIPPED',
  colon: ':',
  failed: 'FAILED',
  passed: 'passed',
  whatToDo: 'What to do:',
  notInstalled: (name) => `this installation has no lab \`${name}\`; reinstall tcplab or update it`,
  diagramTitle: 'The TCP state diagram (RFC 793, figure 6) as this machine showed it:',
  diagramLegend: '[x] observed   [ ] not observed   solid: transition seen   dashed: not seen',
  checklist: (n, of) => `${n} of ${of} states observed on this machine`,
  closedRule: 'CLOSED counts when a socket seen before left the table.',
  timeWaitWait: (long, waited) =>
    waited ? 'TIME_WAIT was waited out to the end (2MSL).' : long ? 'TIME_WAIT was not waited out.' : 'TIME_WAIT is seen, not waited out: run `tcplab tour --long` to wait the 60 s.',
  otherTransitions: 'Also seen, between two samples (a reset, a timeout, or states too brief):',
  totalTime: (s) => `The tour took ${s} s.`,
  intro: (n) => [
    'tcplab tour: the TCP state machine, observed on this kernel',
    `${n} labs in the order of a connection's life. Each runs real sockets on loopback and samples the kernel's socket table; at the end, every state seen is checked off.`,
  ],
  onHost: (reason) => `Labs run on the host's loopback: ${reason}.`,
  running: (names) => `running ${names} ...`,
  hintNetns: 'run as root (sudo npx tcplab tour), or allow unprivileged user namespaces (on Ubuntu: sysctl kernel.apparmor_restrict_unprivileged_userns=0).',
  hintInstall: (pkg) => `install it (sudo apt-get install ${pkg}) and run the tour again.`,
  hintFamily: 'run the tour with --family 4.',
  hintOther: 'see the reason above; the rest of the tour does not depend on this step.',
  summary: (p, f, s) => `${p} passed, ${f} failed, ${s} skipped`,
};

const ZH: Words = {
  ...ladderWords('zh'),
  nothingToDraw: '（这个实验没有可画的连接）',
  sameSocket: '（同一套接字）',
  legendImplied: (approx) => `(状态)：由报文推断，太短暂，没被采样到${approx ? '；~：估计的时间' : ''}`,
  alsoHere: (list) => `这个实验里还有：${list}`,
  step: (n, of) => `第 ${n} 步，共 ${of} 步`,
  kernelDid: (observer, res) => `内核做了什么（${observer}${res ? `，每 ${res} ms 采样一次` : ''}）：`,
  ladder: '时序图（时间单位 ms）：',
  handshakeNumbers: '经典的三次握手图，填上这次抓到的真实数字（x、y：两端各自的初始序列号）：',
  captureDropped: (n) => `${n === null ? '抓包无法确定是否丢失了数据包' : `抓包丢失了 ${n} 个数据包`}：时序图可能缺少报文段。`,
  seenHere: '这里观察到的状态：',
  tooBrief: '这里没采样到（太短暂，或没有被观察）：',
  newHere: '本次导览中第一次出现',
  skipped: '跳过',
  colon: '：',
  failed: '失败',
  passed: '通过',
  whatToDo: '怎么办：',
  notInstalled: (name) => `这个安装里没有实验 \`${name}\`；请重新安装或升级 tcplab`,
  diagramTitle: 'TCP 状态图（RFC 793 图 6），以及本机观察到的部分：',
  diagramLegend: '[x] 已观察到   [ ] 未观察到   实线：见过的转换   虚线：没见过',
  checklist: (n, of) => `本机观察到 ${n} / ${of} 个状态`,
  closedRule: 'CLOSED 的判定：之前见过的套接字从表中消失。',
  timeWaitWait: (long, waited) =>
    waited ? 'TIME_WAIT 已经完整等完（2MSL）。' : long ? 'TIME_WAIT 没有等完。' : 'TIME_WAIT 只是看到了，没有等完：运行 `tcplab tour --long` 等满 60 秒。',
  otherTransitions: '两次采样之间还看到（RST、超时，或太短暂的中间状态）：',
  totalTime: (s) => `导览用时 ${s} 秒。`,
  intro: (n) => [
    'tcplab 导览：在这台机器的内核上观察 TCP 状态机',
    `按照连接生命周期的顺序运行 ${n} 个实验。每个实验都在回环地址上使用真实的套接字，并采样内核的套接字表；最后逐一勾出观察到的每个状态。`,
  ],
  onHost: (reason) => `实验在主机的回环地址上运行：${reason}。`,
  running: (names) => `正在运行 ${names} ……`,
  hintNetns: '以 root 运行（sudo npx tcplab tour），或者允许非特权用户命名空间（Ubuntu 上：sysctl kernel.apparmor_restrict_unprivileged_userns=0）。',
  hintInstall: (pkg) => `安装它（sudo apt-get install ${pkg}），然后再运行一次导览。`,
  hintFamily: '用 --family 4 运行导览。',
  hintOther: '见上面的原因；导览的其余步骤不依赖这一步。',
  summary: (p, f, s) => `${p} 个通过，${f} 个失败，${s} 个跳过`,
};

export function wordsFor(lang: Lang): Words {
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
