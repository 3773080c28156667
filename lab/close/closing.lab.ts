// closing: a real simultaneous close. Both sides send FIN before either FIN is acknowledged.
// Deterministic: the client's FIN is held in FIN_WAIT1 behind unsent bytes (the server reads
// nothing: zero window). The server then ends: its FIN reaches the client while the client's
// own FIN is still unacknowledged, so the client goes FIN_WAIT1 -> CLOSING. When the server
// finally reads, the client's FIN arrives and both sides end in TIME_WAIT.
import { lab } from 'tcplab';

export default lab('closing', {
  explain:
    'CLOSING is the rare state of a simultaneous close: each side has sent its FIN and received the other\'s FIN before its ' +
    'own was acknowledged. Both sides closed "first", so both wait in TIME_WAIT.',
  shows: ['FIN_WAIT1', 'CLOSING', 'FIN_WAIT2', 'TIME_WAIT'],
}, async ({ listen, connect, expect }) => {
  const listener = await listen({ pauseOnConnect: true });
  const client = await connect(listener);
  const server = await listener.accepted();
  await client.fillSendBuffer();
  client.destroy();
  await expect(client).toReach('FIN_WAIT1', { within: 500 });
  server.end();
  await expect(server).toSend('FIN', { within: 500 });
  await Promise.all([
    expect(client).toReach('CLOSING', { within: 500 }).andStay(100),
    expect(server).toReach('FIN_WAIT2', { within: 500 }),
  ]);
  server.resume();
  // The client's FIN, queued behind the unsent bytes since destroy(), leaves only now: after the
  // server's FIN, which it has already received.
  await expect(client).toSend('FIN', { within: 3000 });
  await Promise.all([
    expect(client).toReach('TIME_WAIT', { within: 3000 }),
    expect(server).toReach('TIME_WAIT', { within: 3000 }),
  ]);
});
