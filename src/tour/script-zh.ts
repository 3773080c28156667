// 导览每一步的中文：标题、A 与 B 的对话、一段解释。A 是客户端，B 是服务端。

import type { Script } from './script.js';

export const SCRIPT_ZH: Script = {
  handshake: {
    title: '三次握手',
    dialogue: [
      { who: 'A', says: '能聊聊吗？', segments: 'SYN' },
      { who: 'B', says: '可以。你听得到我吗？', segments: 'SYN-ACK' },
      { who: 'A', says: '听得到。', segments: 'ACK' },
    ],
    explain:
      '服务端先处于 LISTEN；客户端发 SYN，服务端回 SYN-ACK，客户端再回 ACK，两端都进入 ESTABLISHED。' +
      '为什么是三次而不是两次：如果只有两次，一个旧连接迟到的重复 SYN 就会让服务端直接建立一个没人要的连接。' +
      '第三个报文证明客户端此刻确实想要这个连接。',
  },
  'syn-sent': {
    title: 'SYN_SENT：没人应答',
    dialogue: [
      { who: 'A', says: '能聊聊吗？', segments: 'SYN' },
      { who: '', says: '一片沉默：B 的 accept 队列满了，内核直接丢掉了这个 SYN。' },
      { who: 'A', says: '……能聊聊吗？', segments: '1 秒后重发 SYN，之后每秒一次，再往后越来越稀' },
    ],
    explain:
      'SYN_SENT：SYN 已经发出，还没收到 SYN-ACK。监听端的 accept 队列满了就会丢弃新的 SYN，' +
      '客户端只好按指数退避一次次重发，直到放弃（tcp_syn_retries）。一个不再调用 accept() 的服务端，从外面看就是这样。',
  },
  'syn-recv': {
    title: 'SYN_RECV：最后一个 ACK 丢了',
    dialogue: [
      { who: 'A', says: '能聊聊吗？', segments: 'SYN' },
      { who: 'B', says: '可以。你听得到我吗？', segments: 'SYN-ACK' },
      { who: 'A', says: '听得到。', segments: 'ACK，半路丢了' },
      { who: 'B', says: '……你听得到我吗？', segments: '重发 SYN-ACK' },
    ],
    explain:
      'SYN_RECV：服务端已经用 SYN-ACK 回应了 SYN，正在等最后的 ACK。这个 ACK 丢了，客户端已经是 ESTABLISHED，' +
      '服务端却还不是：它会重发 SYN-ACK。SYN 洪水攻击留下的就是大量这种半开连接。',
  },
  'stale-syn': {
    title: '为什么是三次，而不是两次',
    dialogue: [
      { who: '', says: '一个早已消失的连接发出的 SYN，迟到了，现在才到达 B。' },
      { who: 'B', says: '可以。你听得到我吗？', segments: 'SYN-ACK' },
      { who: 'A', says: '我根本没找过你。', segments: 'RST，由内核发出' },
      { who: 'B', says: '那就算了。', segments: '不交出任何连接' },
    ],
    explain:
      '为什么要三次：一个旧连接迟到的重复 SYN 到达服务端，服务端回 SYN-ACK；客户端那边根本没发起过，于是回 RST，' +
      '服务端也就不会交出这个连接。如果是两次握手，SYN-ACK 一发出连接就算建立了，服务端就得为一个没人要的连接买单。',
  },
  'self-connect': {
    title: '同时打开',
    dialogue: [
      { who: 'A+B', says: '能聊聊吗？', segments: '两个 SYN 交错而过' },
      { who: 'A+B', says: '可以。你听得到我吗？', segments: '两个 SYN-ACK' },
      { who: '', says: '这里一个套接字同时扮演 A 和 B：它听到的是自己说的话。' },
    ],
    explain:
      '同时打开：两端同时发 SYN（这里是同一个套接字连接自己）。每个 SYN 都用 SYN-ACK 回应，' +
      '每一端都经历 SYN_SENT -> SYN_RECV -> ESTABLISHED。这也是为什么客户端连接自己临时端口范围内的空闲端口时，可能会连上自己。',
  },
  'half-close': {
    title: '四次挥手，一段对话',
    dialogue: [
      { who: 'A', says: '我说完了。', segments: 'FIN' },
      { who: 'B', says: '知道了。等等，我还没说完……', segments: 'ACK，然后继续发数据' },
      { who: 'B', says: '我也说完了。', segments: 'FIN' },
      { who: 'A', says: '再见。', segments: 'ACK；A 进入 TIME_WAIT 等待' },
    ],
    explain:
      'A 关闭自己这一侧（FIN_WAIT1 -> FIN_WAIT2）；B 处于 CLOSE_WAIT，还在继续写，A 在发出 FIN 之后仍然收到了每一个字节。' +
      '然后 B 也关闭（LAST_ACK），先关闭的 A 最后停在 TIME_WAIT。一个 FIN 只关闭一个方向。',
  },
  'close-wait-leak': {
    title: 'CLOSE_WAIT：B 一直不挂电话',
    dialogue: [
      { who: 'A', says: '我说完了。', segments: 'FIN' },
      { who: 'B', says: '知道了。', segments: 'ACK' },
      { who: '', says: 'B 再也没说再见：它的程序从不调用 close()。' },
      { who: 'A', says: '（停在 FIN_WAIT2 等着；B 永远停在 CLOSE_WAIT）' },
    ],
    explain:
      '客户端发来 FIN 之后，服务端一直不关闭：它的套接字永远停在 CLOSE_WAIT，客户端则在 FIN_WAIT2 等待。' +
      '服务器上 CLOSE_WAIT 越来越多，是应用程序的 bug：有什么地方忘了调用 close()。',
  },
  'fin-wait-1': {
    title: 'FIN_WAIT1：FIN 发不出去',
    dialogue: [
      { who: 'A', says: '我有好多话要说……', segments: '发数据，直到 B 的窗口为 0' },
      { who: 'B', says: '（一个字也不读）', segments: 'ACK，窗口 0' },
      { who: 'A', says: '我说完了。', segments: 'FIN，排在未发出的数据后面' },
      { who: 'A', says: '你还在吗？', segments: '窗口探测' },
    ],
    explain:
      'FIN_WAIT1 的意思是“我的 FIN 已经发出（或排队），但还没被确认”。这里对端什么都不读，窗口为 0，' +
      'FIN 只能排在未发出的数据后面：客户端一直停在 FIN_WAIT1，内核用坚持定时器（persist）探测窗口。' +
      '在正常网络上 FIN_WAIT1 只持续一个往返；持续很久，说明对端不再读数据了。',
  },
  'last-ack': {
    title: 'LAST_ACK：等最后一句话',
    dialogue: [
      { who: 'A', says: '我说完了。', segments: 'FIN' },
      { who: 'B', says: '知道了。', segments: 'ACK' },
      { who: 'B', says: '我还有好多话……我也说完了。', segments: '数据，FIN 排在后面' },
      { who: 'A', says: '（重新开始读）再见。', segments: 'ACK：B 的 LAST_ACK 结束' },
    ],
    explain:
      'LAST_ACK：被动关闭的一方已经发出自己的 FIN，正在等最后的 ACK。通常只持续一个往返；' +
      '这里主动关闭的一方什么都不读，FIN 发不出去，LAST_ACK 就一直持续到客户端重新开始读。',
  },
  closing: {
    title: 'CLOSING：两边同时挂电话',
    dialogue: [
      { who: 'A', says: '我说完了。', segments: 'FIN，排在数据后面' },
      { who: 'B', says: '我也说完了。', segments: 'FIN，同一时刻' },
      { who: 'A', says: '哦，你也说完了？知道了。', segments: 'ACK：A 进入 CLOSING' },
      { who: 'B', says: '（读完剩下的）知道了。', segments: 'ACK：两边都进入 TIME_WAIT' },
    ],
    explain:
      'CLOSING 是同时关闭时才会出现的少见状态：双方都发出了 FIN，并且在自己的 FIN 被确认之前收到了对方的 FIN。' +
      '两边都算“先关闭”的一方，所以两边都要在 TIME_WAIT 等待。',
  },
  'active-close': {
    title: 'TIME_WAIT：先关闭的一方要等',
    dialogue: [
      { who: 'A', says: '我说完了。', segments: 'FIN' },
      { who: 'B', says: '知道了。', segments: 'ACK' },
      { who: 'B', says: '我也是。', segments: 'FIN' },
      { who: 'A', says: '再见。', segments: 'ACK' },
      { who: '', says: 'A 在 TIME_WAIT 等 2MSL，以防最后那个 ACK 丢了。' },
    ],
    explain:
      '先关闭的一方（这里是客户端）依次经过 FIN_WAIT1、FIN_WAIT2，然后进入 TIME_WAIT，等待 2MSL（Linux 上是 60 秒），' +
      '这样最后的 ACK 丢了还能重发，旧的报文也能在网络中消失。另一方用 FIN 回应 FIN，经过 LAST_ACK，收到最后的 ACK 后从表中消失。',
  },
  'orphan-fin-wait2': {
    title: '没人再听的 FIN_WAIT2',
    dialogue: [
      { who: 'A', says: '我说完了，我挂了。', segments: 'FIN；程序关闭了套接字' },
      { who: 'B', says: '知道了。', segments: 'ACK' },
      { who: '', says: 'B 一直没说再见。' },
      { who: 'A', says: '（它的内核，tcp_fin_timeout 之后）反正这里也没人听了。', segments: '消失，不发报文' },
    ],
    explain:
      '仍归应用程序所有的 FIN_WAIT2 套接字可以永远等下去，等对端的 FIN。一旦应用程序关闭了它，就再没有人能读到任何东西，' +
      '所以内核在 tcp_fin_timeout（这里是 2 秒）之后放弃：套接字从表中消失，而从未关闭的对端仍停在 CLOSE_WAIT。',
  },
  reset: {
    title: 'RST：不告而别',
    dialogue: [
      { who: 'A', says: '够了！', segments: 'RST' },
      { who: 'B', says: '……？', segments: 'ECONNRESET；没有 FIN，也没有 TIME_WAIT' },
    ],
    explain:
      'resetAndDestroy() 发出 RST：连接立刻被拆除，没有 FIN 的那段对话。对端收到 ECONNRESET，两个套接字都从表中消失，' +
      '谁也不用在 TIME_WAIT 等待。',
  },
  refused: {
    title: '这里没人住',
    dialogue: [
      { who: 'A', says: '能聊聊吗？', segments: 'SYN' },
      { who: 'B', says: '（它的内核）这里没人住。', segments: 'RST' },
      { who: 'A', says: '（立刻放弃）', segments: 'ECONNREFUSED' },
    ],
    explain:
      '连接一个没有监听者的端口：内核用 RST 回应 SYN，connect() 以 ECONNREFUSED 失败，不会留下任何状态的套接字。',
  },
  'time-wait-2msl': {
    title: 'TIME_WAIT，等到结束',
    dialogue: [
      { who: 'A', says: '再见。', segments: '最后的 ACK' },
      { who: 'A', says: '（等 2MSL，Linux 上是 60 秒，以防 B 没听到）' },
      { who: 'A', says: '（再没有报文来）走了。', segments: 'CLOSED，不发报文' },
    ],
    explain:
      'TIME_WAIT 的长度是 TCP_TIMEWAIT_LEN，60 秒，不是一个 sysctl。这一步真的等完这 60 秒，看着套接字从表中消失。',
  },
};
