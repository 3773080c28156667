// self-connect: a socket that connects to its own address and port (simultaneous open).
// Deterministic: binding the local port P and connecting to the same P makes the socket's own
// SYN arrive at itself: SYN_SENT -> SYN_RECV (SYN received while SYN_SENT) -> ESTABLISHED.
// The first two last microseconds: a polling observer sees ESTABLISHED and says the others
// were below its resolution.
import { lab } from 'tcplab';

export default lab('self-connect', {
  explain:
    'Simultaneous open: both ends send SYN at once (here one socket is both ends). Each SYN is answered with SYN-ACK, ' +
    'each side goes SYN_SENT -> SYN_RECV -> ESTABLISHED. It is also why a client may talk to itself when it connects ' +
    'to a free port in its own ephemeral range.',
  shows: ['SYN_SENT', 'SYN_RECV', 'ESTABLISHED'],
}, async ({ unusedPort, connect, expect, check }) => {
  const port = await unusedPort();
  const self = await connect({ port }, { name: 'self', localPort: port });
  check(self.local === self.remote, 'the socket to be connected to itself', `${self.local} -> ${self.remote}`);
  await expect(self).toFollowPath(['SYN_SENT?', 'SYN_RECV?', 'ESTABLISHED'], { since: 'start', within: 500 });
  await expect(self).toStay('ESTABLISHED', 50);
});
