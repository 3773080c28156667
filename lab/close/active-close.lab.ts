// active-close: the client closes first and ends in TIME_WAIT; the server passes LAST_ACK.
// Deterministic: the server (allowHalfOpen off) answers the client's FIN with its own at once,
// so the client goes FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT, and TIME_WAIT lasts TCP_TIMEWAIT_LEN
// (60 s, not a sysctl): plenty to observe, with the kernel's timewait timer.
import { lab } from 'tcplab';

export default lab('active-close', {
  explain:
    'The side that closes first (here the client) goes FIN_WAIT1, FIN_WAIT2 and then TIME_WAIT, where it waits 2MSL ' +
    '(60 s on Linux) so that a lost final ACK can be resent and old segments die out. The other side answers FIN with ' +
    'FIN, passes LAST_ACK and leaves the table when the last ACK arrives.',
  shows: ['FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen();
  const client = await connect(listener);
  const server = await listener.accepted();
  await expect(server).toReach('ESTABLISHED');
  client.end();
  // Both ends at once: the whole close takes well under a millisecond on loopback, so the
  // intermediate states are marked `?` (may fall between two samples of a polling observer).
  await Promise.all([
    expect(client).toFollowPath(['ESTABLISHED', 'FIN_WAIT1?', 'FIN_WAIT2?', 'TIME_WAIT'], { within: 500 }),
    expect(server).toFollowPath(['ESTABLISHED', 'CLOSE_WAIT?', 'LAST_ACK?', 'CLOSED'], { within: 500 }),
  ]);
  await expect(client).toStay('TIME_WAIT', 100);
  expect(server).never('TIME_WAIT');
});
