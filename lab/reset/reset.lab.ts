// reset: resetAndDestroy() aborts the connection with RST instead of FIN.
// Deterministic: SO_LINGER with a zero timeout makes close() send RST at once and free the
// socket; the peer's kernel drops its socket on receiving it. Neither side enters TIME_WAIT.
import { lab } from 'tcplab';

export default lab('reset', {
  explain:
    'resetAndDestroy() sends RST: the connection is torn down at once, without the FIN dialogue. The peer gets ' +
    'ECONNRESET, both sockets leave the table and neither side waits in TIME_WAIT.',
  shows: ['ESTABLISHED', 'CLOSED'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen();
  const client = await connect(listener);
  const server = await listener.accepted();
  await expect(server).toReach('ESTABLISHED');
  await expect(client).toReach('ESTABLISHED');
  client.resetAndDestroy();
  await expect(client).toSend('RST', { within: 200 });
  await expect(server).toError('ECONNRESET', { within: 500 });
  await expect(client).toReach('CLOSED', { within: 200 });
  await expect(server).toReach('CLOSED', { within: 200 });
  // No FIN from either side: the RST ends the connection without the four-way close.
  expect(client).neverSends('FIN');
  expect(server).neverSends('FIN');
  expect(client).never('TIME_WAIT');
  expect(server).never('TIME_WAIT');
});
