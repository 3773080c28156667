// write-after-close: bytes sent to a peer that has closed its socket are answered by RST.
// Deterministic: the server destroy()s its socket, which sends FIN and leaves the connection
// to the kernel (an orphan in FIN_WAIT2). The client has allowHalfOpen, so it stays in
// CLOSE_WAIT and may still write. But no process can read what it writes: the server's kernel
// answers the data with RST (RFC 1122: data after close MUST be reset). The orphan is by then
// a timewait mini-socket in its FIN_WAIT2 substate (tcp_fin_timeout <= 60 s), and it is that
// one that resets, with no ACK flag and the data's ack as its seq. A reset in CLOSE_WAIT is
// reported as EPIPE, not ECONNRESET (tcp_reset), and only to the next write: having read
// the FIN, Node reads no more.
import { lab } from 'tcplab';

export default lab('write-after-close', {
  explain:
    'A FIN only says "I will send no more"; it does not say whether the peer still reads. When the peer has closed ' +
    'its socket altogether, data sent to it has nowhere to go: its kernel answers with RST, and the writer\'s next ' +
    'write fails. A client reusing a pooled connection that the server has already closed meets exactly this.',
  shows: ['CLOSE_WAIT', 'FIN_WAIT2', 'CLOSED'],
  needs: ['netns', 'capture'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen();
  const client = await connect(listener, { allowHalfOpen: true });
  const server = await listener.accepted();
  server.destroy();
  await client.ended();
  await expect(client).toReach('CLOSE_WAIT', { within: 500 });
  await expect(server).toReach('FIN_WAIT2', { within: 500 });

  await client.write('anyone there?');
  await expect(client).toSend('data', { within: 200 });
  await expect(server).toSend('RST', { within: 500 });
  await expect(client).toReach('CLOSED', { within: 500 });
  // Nothing reads after the end: the reset is reported to the next write, as EPIPE.
  await client.write('hello?').catch(() => {});
  await expect(client).toError('EPIPE', { within: 200 });
  expect(client).neverSends('FIN');
});
