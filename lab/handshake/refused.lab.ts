// refused: a SYN to a port where nothing listens is answered by RST.
// Deterministic on loopback: the kernel answers within the same softirq, so the connect fails
// with ECONNREFUSED within about 0.1 ms: too fast for any sample to see SYN_SENT (the trace
// observer does see it), and no socket is left.
import { lab } from 'tcplab';

export default lab('refused', {
  explain:
    'Connecting to a port with no listener: the kernel answers the SYN with RST, connect() fails with ' +
    'ECONNREFUSED about 0.1 ms after SYN_SENT began, and no socket is left behind in any state.',
  shows: ['CLOSED'],
}, async ({ dial, unusedPort, expect }) => {
  const port = await unusedPort();
  const client = dial({ port });
  await expect(client).toError('ECONNREFUSED', { within: 500 });
  expect(client).never('ESTABLISHED');
  expect(client).absentAtEnd();
});
