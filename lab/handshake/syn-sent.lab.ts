// syn-sent: a client stuck in SYN_SENT because the listener's accept queue is full.
// Deterministic: the listener runs in a process whose event loop is blocked, so it never
// accepts; with backlog 1 its accept queue holds 2 connections. The kernel drops later SYNs
// without an answer, and the third client retransmits its SYN at about 1, 3, 7 ... s
// (exponential backoff), which the kernel's retransmit timer counts.
import { lab } from 'tcplab';

export default lab('syn-sent', {
  explain:
    'SYN_SENT: the SYN is out, no SYN-ACK has come back. A listener whose accept queue is full drops new SYNs, so the ' +
    'client waits, retransmitting its SYN with exponential backoff until it gives up (tcp_syn_retries). ' +
    'A server that stops calling accept() looks like this from the outside.',
  shows: ['SYN_SENT', 'LISTEN'],
  timeoutMs: 15_000,
}, async ({ blockedListener, connect, dial, expect }) => {
  const listener = await blockedListener({ backlog: 1 });
  await connect(listener, { name: 'queued' });
  await connect(listener, { name: 'queued' });
  const late = dial(listener, { name: 'late' });
  await expect(late).toReach('SYN_SENT', { within: 500 }).andStay(500);
  await expect(late).toShowTimer('retransmit', { retries: 1, within: 3000 });
  expect(late).never('ESTABLISHED');
});
