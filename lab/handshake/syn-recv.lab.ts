// syn-recv: the server's half of the handshake held in SYN_RECV.
// Deterministic: inside the lab's namespace, nftables drops the client's bare ACK to the
// server port. The client got the SYN-ACK and believes it is ESTABLISHED; the server's request
// socket never sees the final ACK and sits in SYN_RECV, retransmitting its SYN-ACK (1, 3 ... s).
import { lab } from 'tcplab';

export default lab('syn-recv', {
  explain:
    'SYN_RECV: the server has answered SYN with SYN-ACK and waits for the final ACK. With that ACK lost, the client is ' +
    'already ESTABLISHED while the server is not: the server retransmits its SYN-ACK. A SYN flood leaves many of these.',
  shows: ['SYN_RECV', 'ESTABLISHED'],
  needs: ['netns', 'nft'],
  timeoutMs: 15_000,
}, async ({ listen, connect, drop, expect, expectCounter }) => {
  const listener = await listen();
  await drop(`tcp dport ${listener.port} tcp flags & (syn | ack | fin | rst) == ack`);
  const client = await connect(listener);
  const server = listener.requestFrom(client);
  await expect(client).toReach('ESTABLISHED', { within: 500 });
  await expect(server).toReach('SYN_RECV', { within: 500 }).andStay(300);
  await expect(server).toShowTimer('retransmit', { retries: 1, within: 3000 });
  await expectCounter('TcpExt.TCPSynRetrans').toRise({ within: 1000 });
  expect(server).never('ESTABLISHED');
});
