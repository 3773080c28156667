// fin-wait-1: FIN_WAIT1 held for as long as the peer reads nothing.
// Deterministic: the server never reads (pauseOnConnect), so its receive window drops to zero
// and the client's send buffer fills; destroy() then queues the FIN behind the unsent bytes.
// The FIN cannot leave before them, so the client stays in FIN_WAIT1, probing the zero
// window with its persist timer.
import { lab } from 'tcplab';

export default lab('fin-wait-1', {
  explain:
    'FIN_WAIT1 means "my FIN is sent (or queued) but not yet acknowledged". Here the peer reads nothing, its window is ' +
    'zero, and the FIN waits behind the unsent bytes: the client stays in FIN_WAIT1 while the kernel probes the window ' +
    '(persist timer). On a fast network FIN_WAIT1 lasts one round trip; a long one points at a peer that stopped reading.',
  shows: ['FIN_WAIT1'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen({ pauseOnConnect: true });
  const client = await connect(listener);
  await listener.accepted();
  await client.fillSendBuffer();
  client.destroy();
  await expect(client).toReach('FIN_WAIT1', { within: 500 }).andStay(300);
  await expect(client).toShowTimer('persist', { within: 1000 });
});
