// last-ack: LAST_ACK held while the side that closed first reads nothing.
// Deterministic: the client ends and stops reading; the server, in CLOSE_WAIT, fills its send
// buffer (the client's window is zero) and closes. Its FIN waits behind the unsent bytes, so
// it sits in LAST_ACK with a persist timer until the client reads again; then CLOSED.
import { lab } from 'tcplab';

export default lab('last-ack', {
  explain:
    'LAST_ACK: the passive closer has sent its own FIN and waits for the final ACK. It normally lasts one round trip; ' +
    'here the active closer reads nothing, so the FIN cannot leave and LAST_ACK lasts until the client reads again.',
  shows: ['CLOSE_WAIT', 'LAST_ACK', 'CLOSED', 'FIN_WAIT2', 'TIME_WAIT'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen({ allowHalfOpen: true });
  const client = await connect(listener, { allowHalfOpen: true, paused: true });
  const server = await listener.accepted();
  client.end();
  await expect(server).toReach('CLOSE_WAIT', { within: 500 });
  await server.fillSendBuffer();
  server.destroy();
  await expect(server).toReach('LAST_ACK', { within: 500 }).andStay(200);
  await expect(server).toShowTimer('persist', { within: 1000 });
  client.resume();
  await Promise.all([
    expect(server).toReach('CLOSED', { within: 3000 }),
    expect(client).toReach('TIME_WAIT', { within: 3000 }),
  ]);
});
