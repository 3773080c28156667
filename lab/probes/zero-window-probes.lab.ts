// zero-window-probes: a sender facing a zero window probes it, less and less often.
// Deterministic: the server never reads (pauseOnConnect), so its receive window drops to zero;
// the client fills its send buffer and is destroyed, its FIN queued behind the unsent bytes
// (FIN_WAIT1, as in fin-wait-1). Its persist timer fires after one RTO, which on loopback is
// TCP_RTO_MIN, 200 ms (plus the tiny smoothed RTT), and doubles at each probe: 0.2, 0.4, 0.8 s
// (30 runs here: 211-220, 420-452, 860-868 ms; the timer wheel rounds each up by up to 1/8).
// Linux probes with a segment carrying no byte and an already acknowledged sequence number
// (snd_una - 1, tcp_xmit_probe_skb): the very shape of a keep-alive, which is what Wireshark's
// analysis calls it (its zero-window probe is the one-byte probe other stacks send). tcplab's
// analysis calls it `zero-window-probe`, since it goes to a peer whose window is 0, and the
// peer's answer, still at 0, `zero-window-probe-ack`. The server answers a probe with its zero window, but at most once per 500 ms
// (tcp_invalid_ratelimit), so the probe 0.4 s after the first goes unanswered.
import { lab } from 'tcplab';

/** A Linux zero-window probe: an empty segment, one byte back, to a window of 0. */
const PROBE = { flags: 'ACK', analysis: 'zero-window-probe', len: 0 } as const;

export default lab('zero-window-probes', {
  explain:
    'A receiver that stops reading advertises a zero window. The sender may not send, but must find out when the ' +
    'window opens, since the window update could be lost: its persist timer sends probes, doubling the interval each ' +
    'time (0.2, 0.4, 0.8 s on loopback). Once the receiver reads again, the data and the FIN queued behind it go out.',
  shows: ['FIN_WAIT1'],
  needs: ['netns', 'capture'],
}, async ({ listen, connect, expect, segmentsOf, check }) => {
  const listener = await listen({ pauseOnConnect: true });
  const client = await connect(listener);
  const server = await listener.accepted();
  await client.fillSendBuffer();
  client.destroy();
  await expect(client).toReach('FIN_WAIT1', { within: 500 });
  await expect(server).toSend({ analysis: 'zero-window' }, { within: 1000 });
  await expect(client).toSend(PROBE, { within: 2500, count: { atLeast: 3 } });
  // Not a keep-alive: the connection is anything but idle.
  expect(client).neverSends({ analysis: 'keep-alive' });

  // Each probe follows the zero window that armed the timer, then the previous probe.
  const segments = await segmentsOf(client);
  const probes = segments.filter((s) => s.sent && s.analysis.includes('zero-window-probe')).slice(0, 3);
  const armed = segments.filter((s) => !s.sent && s.win === 0 && s.atMs < probes[0]!.atMs).at(-1)!;
  const gaps = probes.map((p, i) => p.atMs - (i === 0 ? armed.atMs : probes[i - 1]!.atMs));
  const observed = `${gaps.map((g) => g.toFixed(0)).join(', ')} ms`;
  check(gaps[0]! >= 200 && gaps[0]! < 300, 'the first probe one RTO (TCP_RTO_MIN 200 ms + RTT) after the zero window', observed);
  // Each interval doubles; the timer wheel may add up to 1/8 to either.
  check(gaps.slice(1).every((g, i) => g / gaps[i]! > 1.7 && g / gaps[i]! < 2.3), 'each interval between probes to double the one before', observed);

  server.resume();
  await expect(client).toSend('data', { within: 500 });
  await expect(client).toSend('FIN', { within: 1000 });
  await expect(client).toReach('TIME_WAIT', { within: 1000 });
});
