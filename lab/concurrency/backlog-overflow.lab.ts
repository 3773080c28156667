// backlog-overflow: a listener slower than its clients. Its accept queue fills; then SYNs are
// dropped (clients wait in SYN_SENT), and handshakes caught half-way are dropped or reset.
// Deterministic: each listener runs in a process whose event loop is blocked (it never accepts),
// with backlog 2, so its accept queue holds 3. For the half-way case, nftables drops the clients'
// final ACKs while 3 handshakes start (3 request sockets fill the SYN queue too); 3 more clients
// then complete at once through SYN cookies (tcp_syncookies=1) and fill the accept queue. When the
// server retransmits its SYN-ACK (after 1 s), the first three ACK into a full queue.
import { countSides, lab } from 'tcplab';

export default lab('backlog-overflow', {
  explain:
    'A listener that does not accept() fast enough: its accept queue (backlog + 1) fills and the kernel drops further ' +
    'SYNs without an answer (TcpExt.ListenOverflows, ListenDrops): clients wait in SYN_SENT, retransmitting. ' +
    'tcp_abort_on_overflow=1 does not change that; it only resets a handshake whose final ACK arrives when the queue ' +
    'has filled meanwhile: that client, already ESTABLISHED, gets ECONNRESET (with 0 the ACK is ignored and the ' +
    'server retransmits its SYN-ACK).',
  shows: ['SYN_SENT', 'ESTABLISHED', 'CLOSED'],
  sysctls: { 'net.ipv4.tcp_abort_on_overflow': 1, 'net.ipv4.tcp_syncookies': 1 },
  needs: ['netns', 'nft'],
  timeoutMs: 15_000,
}, async ({ blockedListener, connect, dial, drop, stopDropping, expect, expectCounter, check }) => {
  // A full accept queue: later SYNs are dropped, whatever tcp_abort_on_overflow says.
  const slow = await blockedListener({ backlog: 2 });
  for (let i = 0; i < 3; i++) await connect(slow, { name: 'queued' });
  const late = Array.from({ length: 5 }, () => dial(slow, { name: 'late' }));
  for (const client of late) await expect(client).toReach('SYN_SENT', { within: 500 });
  const sides = await countSides(slow.port);
  check(sides.clients.ESTABLISHED === 3 && sides.clients.SYN_SENT === 5, 'backlog 2: 3 clients queued, 5 left in SYN_SENT',
    `${sides.clients.ESTABLISHED} ESTABLISHED, ${sides.clients.SYN_SENT} SYN_SENT`);
  await expectCounter('TcpExt.ListenOverflows').toRise({ atLeast: 5 });
  await expectCounter('TcpExt.ListenDrops').toRise({ atLeast: 5 });

  // Handshakes caught half-way by a queue that filled meanwhile: reset.
  const busy = await blockedListener({ backlog: 2 });
  await drop(`tcp dport ${busy.port} tcp flags & (syn | ack | fin | rst) == ack`);
  const halfway = [];
  for (let i = 0; i < 3; i++) halfway.push(await connect(busy, { name: 'halfway' }));
  await stopDropping();
  for (let i = 0; i < 3; i++) await connect(busy, { name: 'cookie' });
  await expectCounter('TcpExt.SyncookiesSent').toRise({ atLeast: 3 });
  for (const client of halfway) await expect(client).toError('ECONNRESET', { within: 2500 });
  for (const client of late) expect(client).never('ESTABLISHED');
});
