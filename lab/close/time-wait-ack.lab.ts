// time-wait-ack: a socket in TIME_WAIT answers a retransmitted FIN with its ACK again.
// Deterministic: after a normal close the client sits in TIME_WAIT. hping3 then forges the
// server's FIN once more, with the very sequence and acknowledgment numbers of the real one,
// as if the client's last ACK had been lost and the server had retransmitted. The timewait
// mini-socket recognises it (tcp_timewait_state_process), sends the same ACK again and
// restarts its 60 s timer. Had the client gone straight to CLOSED, its kernel would have
// answered RST and the server would report an error for a connection that closed cleanly.
// Unlike a real server in LAST_ACK, the forged FIN has no socket behind it: the ACK reaches
// the listener's port, which answers RST, and by default Linux lets an RST kill a TIME_WAIT
// socket (the "TIME-WAIT assassination" of RFC 1337). tcp_rfc1337=1 makes TIME_WAIT ignore
// it, so the lab can see the socket stay.
// hping3 has no IPv6, so over IPv6 the lab is skipped; v4-mapped sockets see IPv4 packets.
import { lab } from 'tcplab';

export default lab('time-wait-ack', {
  explain:
    'Why TIME_WAIT lasts: the side that closes first sends the last ACK, and nothing acknowledges an ACK. If it is ' +
    'lost, the peer retransmits its FIN, and only a socket still in TIME_WAIT can acknowledge it again; a closed ' +
    'port would answer RST. Here the FIN is retransmitted by hand and the TIME_WAIT socket answers with an ACK.',
  shows: ['TIME_WAIT'],
  needs: ['netns', 'hping3', 'capture'],
  sysctls: { 'net.ipv4.tcp_rfc1337': 1 },
}, async ({ family, listen, connect, exec, expect, segmentsOf, check, skip }) => {
  if (family === '6') skip('hping3 forges IPv4 packets only');
  const listener = await listen();
  const client = await connect(listener);
  const server = await listener.accepted();
  const clientPort = client.local!.split(':').at(-1)!;
  client.end();
  await expect(client).toReach('TIME_WAIT', { within: 500 });
  await server.closed();

  const fin = (await segmentsOf(client)).find((s) => !s.sent && s.flags.includes('FIN'))!;
  await exec('hping3', ['-q', '-c', '1', '-F', '-A', '-M', String(fin.seq), '-L', String(fin.ack),
    '-s', String(listener.port), '-k', '-p', clientPort, '127.0.0.1']);
  await expect(client).toSend('ACK', { within: 300, count: 1 });
  await expect(client).toStay('TIME_WAIT', 200);
  expect(client).neverSends('RST');

  const ack = (await segmentsOf(client)).filter((s) => s.sent && s.flags === 'ACK').at(-1)!;
  check(ack.ack === ((fin.seq + 1) >>> 0), 'the ACK to acknowledge the FIN (its seq + 1), as the first one did', `ack ${ack.relAck}, FIN seq ${fin.relSeq}`);
});
