// half-close: the four-way close as a dialogue, with data flowing after the first FIN.
// A: "I'm done talking" (FIN). B: "noted; wait, I'm still talking" (ACK, then more data).
// B: "done too" (FIN). A: "bye" (ACK), and A waits in TIME_WAIT.
// Deterministic because both ends have allowHalfOpen: B's CLOSE_WAIT and A's FIN_WAIT2 last
// until the script makes B end, with no kernel timer involved.
import { lab } from 'tcplab';

const AFTER_FIN = Buffer.alloc(64 * 1024, 'after the FIN; ');

export default lab('half-close', {
  explain:
    "A ends its side (FIN_WAIT1 -> FIN_WAIT2); B, in CLOSE_WAIT, keeps writing and A receives every byte after its own FIN. " +
    'Then B ends (LAST_ACK) and A, who closed first, ends in TIME_WAIT. A FIN closes one direction only.',
  shows: ['FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen({ allowHalfOpen: true });
  const a = await connect(listener, { name: 'A', allowHalfOpen: true });
  const b = await listener.accepted({ name: 'B' });
  await expect(a).toReach('ESTABLISHED');
  a.end();
  await expect(a).toSend('FIN', { within: 500 });
  await expect(a).toFollowPath(['ESTABLISHED', 'FIN_WAIT1?', 'FIN_WAIT2'], { within: 500 });
  await expect(b).toReach('CLOSE_WAIT', { within: 200 }).andStay(50);
  await b.write(AFTER_FIN);
  // B's data segments travel after A's FIN: one direction is closed, the other is not.
  await expect(b).toSend('data', { within: 500 });
  await expect(a).toReceive(AFTER_FIN, { afterEnd: true, within: 1000 });
  await expect(a).toStay('FIN_WAIT2', 20);
  b.end();
  await expect(b).toSend('FIN', { within: 500 });
  await expect(b).toFollowPath(['CLOSE_WAIT', 'LAST_ACK?', 'CLOSED'], { within: 500 });
  await expect(a).toReach('TIME_WAIT', { within: 500 });
});
