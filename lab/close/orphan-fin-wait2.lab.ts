// orphan-fin-wait2: once the application has closed, FIN_WAIT2 is bounded by tcp_fin_timeout.
// Deterministic: the server keeps its half open (CLOSE_WAIT) and never sends FIN. The client
// closes its socket entirely (destroy): an orphan in FIN_WAIT2, which the kernel keeps only
// tcp_fin_timeout seconds, set to 2 in the lab's namespace (60 by default).
import { lab } from 'tcplab';

export default lab('orphan-fin-wait2', {
  explain:
    'A FIN_WAIT2 socket still owned by the application may wait forever for the peer\'s FIN. Once the application has ' +
    'closed it, nobody could read anything more, so the kernel gives up after tcp_fin_timeout (here 2 s): the socket ' +
    'leaves the table, while the peer, which never closed, stays in CLOSE_WAIT.',
  shows: ['FIN_WAIT2', 'CLOSE_WAIT', 'CLOSED'],
  sysctls: { 'net.ipv4.tcp_fin_timeout': 2 },
  timeoutMs: 15_000,
}, async ({ listen, connect, expect }) => {
  const listener = await listen({ allowHalfOpen: true });
  const client = await connect(listener);
  const server = await listener.accepted();
  await expect(server).toReach('ESTABLISHED');
  client.destroy();
  await expect(client).toReach('FIN_WAIT2', { within: 500 }).andStay(1500);
  await expect(client).toReach('CLOSED', { within: 2000 });
  await expect(server).toStay('CLOSE_WAIT', 100);
});
