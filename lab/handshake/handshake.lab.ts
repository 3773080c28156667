// handshake: LISTEN, then both ends ESTABLISHED after SYN, SYN-ACK, ACK.
// Deterministic on loopback: the kernel completes the handshake before accept() returns, and
// both sockets then stay ESTABLISHED until the lab ends them.
import { lab } from 'tcplab';

export default lab('handshake', {
  explain:
    'A listener in LISTEN; the client sends SYN, the server answers SYN-ACK, the client ACKs: both ends ESTABLISHED. ' +
    'Why three and not two: with two, a stale duplicate SYN from an old connection would commit the server to a ' +
    'connection nobody asked for. The third segment proves the client wants this connection now.',
  shows: ['LISTEN', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen();
  await expect(listener).toReach('LISTEN', { within: 200 });
  const client = await connect(listener);
  const server = await listener.accepted();
  await expect(client).toReach('ESTABLISHED', { within: 200 });
  await expect(server).toReach('ESTABLISHED', { within: 200 }).andStay(50);
  await expect(client).toStay('ESTABLISHED', 50);
});
