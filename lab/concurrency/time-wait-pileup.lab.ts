// time-wait-pileup: TIME_WAIT piles up on whichever side closes first, one per connection.
// Deterministic: each server here has one closing policy (the client closes first, or the server
// does), TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN, not a sysctl), longer than the lab, and the
// namespace's private hash of 2048 buckets allows 1024 TIME_WAIT sockets, more than the lab makes.
import net from 'node:net';
import { countSides, lab } from 'tcplab';

/** Connections per closing policy. */
const N = 200;
const AT_ONCE = 20;

/** A plain server on the lab's loopback; `onConnection` decides who closes first. */
async function serve(host: string, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  return server;
}

/** N short connections, AT_ONCE at a time; with `clientCloses` each client calls end() once connected. */
async function shortConnections(host: string, port: number, clientCloses: boolean): Promise<void> {
  let started = 0;
  const one = () => new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port }, () => (clientCloses ? socket.end() : undefined));
    socket.resume();
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    while (started++ < N) await one();
  }));
}

export default lab('time-wait-pileup', {
  explain:
    `The side that closes first ends in TIME_WAIT, for 60 s, one socket per connection. ${N} short connections whose ` +
    `clients close first leave ${N} TIME_WAIT sockets on the clients' side and none on the server's; the same with the ` +
    'server closing first (an HTTP/1.0 server, a server that drops idle clients) piles them up on the server instead.',
  shows: ['TIME_WAIT', 'LAST_ACK', 'CLOSE_WAIT'],
  ehashBuckets: 2048,
}, async ({ host, listen, connect, expect, check }) => {
  // One connection of each kind, observed: who closes first, who ends in TIME_WAIT.
  const listener = await listen();
  const client = await connect(listener);
  const server = await listener.accepted();
  client.end();
  await expect(client).toReach('TIME_WAIT', { within: 500 });
  const client2 = await connect(listener, { name: 'client2' });
  const server2 = await listener.accepted({ name: 'server2' });
  server2.end();
  await expect(server2).toReach('TIME_WAIT', { within: 500 });
  expect(server).never('TIME_WAIT');
  expect(client2).never('TIME_WAIT');

  // Then many, counted.
  const clientCloses = await serve(host, (socket) => socket.resume());
  const serverCloses = await serve(host, (socket) => socket.end());
  try {
    const a = (clientCloses.address() as net.AddressInfo).port;
    await shortConnections(host, a, true);
    const byClients = await countSides(a);
    check(byClients.clients.TIME_WAIT === N && byClients.server.TIME_WAIT === 0,
      `clients closing first: ${N} TIME_WAIT on the clients' side, none on the server's`,
      `clients' side ${byClients.clients.TIME_WAIT}, server's side ${byClients.server.TIME_WAIT}`);

    const b = (serverCloses.address() as net.AddressInfo).port;
    await shortConnections(host, b, false);
    const byServer = await countSides(b);
    check(byServer.server.TIME_WAIT === N && byServer.clients.TIME_WAIT === 0,
      `server closing first: ${N} TIME_WAIT on the server's side, none on the clients'`,
      `server's side ${byServer.server.TIME_WAIT}, clients' side ${byServer.clients.TIME_WAIT}`);
  } finally {
    clientCloses.close();
    serverCloses.close();
  }
});
