// tw-bucket-overflow: tcp_max_tw_buckets caps the TIME_WAIT sockets of a network namespace.
// Deterministic: the lab's namespace allows 50; 202 connections are closed by their client, so
// each would leave a TIME_WAIT. Past the cap, inet_twsk_alloc() refuses and tcp_time_wait()
// closes the socket at once, counting TcpExt.TCPTimeWaitOverflow (the "TCP: time wait bucket
// table overflow" line is a debug-level, rate-limited log message on current kernels).
import net from 'node:net';
import { countSockets, lab } from 'tcplab';

const CAP = 50;
const N = 200;
const AT_ONCE = 20;

/** N connections to `port`, AT_ONCE at a time, each closed by its client first. */
async function clientsCloseFirst(host: string, port: number): Promise<void> {
  let started = 0;
  const one = () => new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.end());
    socket.resume();
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    while (started++ < N) await one();
  }));
}

export default lab('tw-bucket-overflow', {
  explain:
    `tcp_max_tw_buckets (here ${CAP}) caps how many TIME_WAIT sockets the kernel keeps. Past it, a connection that closes ` +
    'first skips TIME_WAIT and is gone at once, counted by TcpExt.TCPTimeWaitOverflow: the table stays bounded, at the ' +
    'price of the protection TIME_WAIT gives against old duplicate segments. A namespace with a private hash of N ' +
    'buckets starts with a cap of N/2.',
  shows: ['TIME_WAIT', 'FIN_WAIT2', 'CLOSED'],
  sysctls: { 'net.ipv4.tcp_max_tw_buckets': CAP },
}, async ({ host, listen, connect, expect, expectCounter, check }) => {
  const listener = await listen();
  const first = await connect(listener, { name: 'first' });
  await expect(first).toReach('ESTABLISHED', { within: 500 });
  first.end();
  await expect(first).toReach('TIME_WAIT', { within: 500 });

  const server = net.createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  try {
    await clientsCloseFirst(host, (server.address() as net.AddressInfo).port);
  } finally {
    server.close();
  }

  const late = await connect(listener, { name: 'late' });
  await expect(late).toReach('ESTABLISHED', { within: 500 });
  late.end();
  await expect(late).toReach('CLOSED', { within: 500 });
  expect(late).never('TIME_WAIT');
  const counts = await countSockets();
  check(counts.TIME_WAIT === CAP, `the namespace holds exactly ${CAP} TIME_WAIT sockets after ${N + 2} active closes`, `${counts.TIME_WAIT} TIME_WAIT`);
  await expectCounter('TcpExt.TCPTimeWaitOverflow').toRise({ atLeast: N + 2 - CAP, within: 500 });
});
