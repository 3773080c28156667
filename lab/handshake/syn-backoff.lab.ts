// syn-backoff: a SYN that is never answered is retransmitted after 1, 2, then 4 s.
// Deterministic: the lab's namespace drops every SYN to the listener on input, so no SYN-ACK
// ever comes and only the client's retransmission timer acts. It starts at the initial RTO,
// 1 s (TCP_TIMEOUT_INIT: no round trip measured yet), and doubles at each expiry.
// Linux 6.5 and later keep the first tcp_syn_linear_timeouts (default 4) intervals at 1 s, as
// macOS does; the lab sets it to 0 to see the classic doubling (a kernel before 6.5 has no
// such sysctl, and the lab is skipped there, saying so). Kernel timers count jiffies (4 ms at HZ=250)
// in a timer wheel that rounds a timeout up to its level's granularity, at most 1/8 of it:
// 32 ms for 1 and 2 s, 256 ms for 4 s. 30 runs here gave 1.00-1.04, 2.01-2.02, 4.03-4.26 s,
// hence the tolerance of the check. The client is destroyed after three retransmissions,
// long before tcp_syn_retries (3) would give ETIMEDOUT at 15 s.
import { lab } from 'tcplab';

/** The retransmission timeouts, in ms: the initial 1 s, doubled twice. */
const RTO = [1000, 2000, 4000];

export default lab('syn-backoff', {
  explain:
    'A SYN that gets no answer is sent again after the initial retransmission timeout of 1 s, then after 2 s, then ' +
    '4 s: exponential backoff, so that a host that is down or a path that drops SYNs is not hammered. With ' +
    'tcp_syn_retries retransmissions unanswered, connect() fails with ETIMEDOUT (the default 6 takes 127 s).',
  shows: ['SYN_SENT'],
  needs: ['netns', 'nft', 'capture'],
  sysctls: { 'net.ipv4.tcp_syn_retries': 3, 'net.ipv4.tcp_syn_linear_timeouts': 0 },
  timeoutMs: 10_000,
}, async ({ listen, dial, drop, expect, segmentsOf, check }) => {
  const listener = await listen();
  await drop(`tcp dport ${listener.port} tcp flags & (syn | ack) == syn`);
  const client = dial(listener);
  await expect(client).toSend({ flags: 'SYN', analysis: 'retransmission' }, { within: 8000, count: { atLeast: 3 } });
  client.destroy();
  expect(client).neverSends('ACK');

  const syns = (await segmentsOf(client)).filter((s) => s.sent && s.flags === 'SYN');
  const gaps = syns.slice(1, 4).map((s, i) => s.atMs - syns[i]!.atMs);
  // A timer never fires early; it may fire late by the wheel's rounding (1/8) and a busy softirq.
  const onTime = gaps.length === 3 && gaps.every((gap, i) => gap >= RTO[i]! - 20 && gap <= RTO[i]! * 1.125 + 40);
  check(onTime, 'the SYNs to be 1, 2 and 4 s apart (the RTO doubling from 1 s)', `${gaps.map((g) => (g / 1000).toFixed(3)).join(', ')} s`);
});
