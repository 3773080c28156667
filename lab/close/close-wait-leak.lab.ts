// close-wait-leak: the server never closes after the client's FIN.
// Deterministic because the accepted socket has allowHalfOpen and the script never calls
// end(): the kernel has no timer for CLOSE_WAIT, and a non-orphan FIN_WAIT2 has none either,
// so both states last as long as the sockets stay open.
import { lab } from 'tcplab';

export default lab('close-wait-leak', {
  explain:
    "The server never closes after the client's FIN: its socket sits in CLOSE_WAIT for good and the client waits in FIN_WAIT2. " +
    'A CLOSE_WAIT that grows on a server is an application bug: something never calls close().',
  shows: ['CLOSE_WAIT', 'FIN_WAIT2'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen({ allowHalfOpen: true });
  const client = await connect(listener);
  const server = await listener.accepted();
  client.end();
  await expect(server).toReach('CLOSE_WAIT', { within: 200 }).andStay(300);
  await expect(client).toReach('FIN_WAIT2');
  expect(server).never('LAST_ACK');
});
