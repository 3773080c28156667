// keep-alive: an idle connection probed every second; when the probes go unanswered, the
// kernel gives up, resets the connection and reports ETIMEDOUT.
// Deterministic: the client turns on keep-alive with a 1 s idle time, so its keep-alive timer
// sends the first probe (no byte, an already acknowledged sequence number) 1 s after the last
// segment it received, and the server's kernel answers with an ACK. Then the lab drops, on
// input, everything from the server's port: the capture still shows the answers leaving,
// but none arrives. After TCP_KEEPCNT unanswered probes the client's kernel sends RST and
// fails the socket with ETIMEDOUT; the RST reaches the server, which gets ECONNRESET.
// Node's libuv sets TCP_KEEPINTVL = 1 s and TCP_KEEPCNT = 10 on the socket itself (seen on
// Node 20.20 with libuv 1.46 as on Node 22.23 with libuv 1.51), overriding the namespace's
// tcp_keepalive_intvl and tcp_keepalive_probes; the lab sets those sysctls to the same values,
// so it sees the same probes whichever is in force. The keep-alive timer rounds 1 s up to
// 1.02-1.03 s (timer wheel). Ten probes make this lab take about 12.5 s.
import { lab } from 'tcplab';

/** Probes sent unanswered before the kernel gives up: libuv's TCP_KEEPCNT. */
const PROBES = 10;

export default lab('keep-alive', {
  explain:
    'Keep-alive probes an idle connection: an empty segment the peer must acknowledge. While the peer answers, the ' +
    'connection lives on; when a number of probes in a row go unanswered, the kernel resets the connection and the ' +
    'application gets ETIMEDOUT, instead of waiting forever on a peer that vanished.',
  shows: ['ESTABLISHED', 'CLOSED'],
  needs: ['netns', 'nft', 'capture'],
  sysctls: { 'net.ipv4.tcp_keepalive_intvl': 1, 'net.ipv4.tcp_keepalive_probes': PROBES },
  timeoutMs: 16_000,
}, async ({ listen, connect, drop, expect, segmentsOf, check }) => {
  const listener = await listen();
  const client = await connect(listener);
  const server = await listener.accepted();
  // One exchange first: the server's answer to the probe then repeats its last window, which
  // is what makes it a keep-alive ACK to Wireshark's analysis.
  await client.write('hello');
  await expect(server).toReceive('hello');
  client.keepAlive(1000);
  await expect(client).toSend({ analysis: 'keep-alive' }, { within: 1500 });
  await expect(server).toSend({ analysis: 'keep-alive-ack' }, { within: 200 });

  await drop(`tcp sport ${listener.port}`);
  await expect(client).toError('ETIMEDOUT', { within: PROBES * 1000 + 2000 });
  await expect(client).toSend('RST', { within: 100 });
  await expect(server).toError('ECONNRESET', { within: 500 });

  // The probes after the answered one, one a second, then the RST a second after the last.
  const sent = (await segmentsOf(client)).filter((s) => s.sent);
  const lost = sent.filter((s) => s.analysis.includes('keep-alive')).slice(1);
  const reset = sent.find((s) => s.flags.includes('RST'))!;
  const times = [...lost, reset].map((s) => s.atMs);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  check(lost.length === PROBES, `${PROBES} probes to go unanswered before the reset (TCP_KEEPCNT)`, `${lost.length} probes`);
  // A 1 s timer fires up to 1/8 late (the kernel's timer wheel), never early.
  check(gaps.every((g) => g >= 980 && g <= 1165), 'the probes and the reset to be 1 s apart (TCP_KEEPINTVL)', `${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
});
