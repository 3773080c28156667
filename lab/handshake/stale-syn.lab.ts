// stale-syn: why the handshake takes three segments.
// Deterministic: inside the lab's namespace, a SYN arrives from port 40000, where no socket
// exists any more (an old duplicate from a connection long gone). The listener answers SYN-ACK;
// the namespace's kernel, which has no such connection, answers that with RST; the listener
// drops the half-open connection and accept() never returns.
// Over IPv4 (and v4-mapped) hping3 forges the SYN. hping3 has no IPv6, so over IPv6 a real
// client sends it, its SYN-ACK is dropped, and it is destroyed before the listener's
// retransmitted SYN-ACK (1 s later) reaches the now empty port.
import { lab } from 'tcplab';

const STALE_PORT = 40000;

export default lab('stale-syn', {
  explain:
    'Why three: a delayed duplicate SYN from an old connection reaches the server. The server answers SYN-ACK; the ' +
    'client side, which never asked, answers RST, and the server never hands out a connection. With a two-way ' +
    'handshake the SYN-ACK would have opened the connection at once, committing the server to a connection nobody wanted.',
  shows: ['LISTEN', 'SYN_RECV'],
  needs: ['netns', 'hping3', 'nft'],
  timeoutMs: 15_000,
}, async ({ family, listen, dial, exec, drop, stopDropping, expect, expectCounter, check }) => {
  const listener = await listen();
  await expect(listener).toReach('LISTEN');
  if (family === '6') {
    await drop(`tcp sport ${listener.port} tcp flags & (syn | ack) == syn | ack`);
    const gone = dial(listener, { name: 'gone', localPort: STALE_PORT });
    await expect(gone).toReach('SYN_SENT', { within: 500 });
    gone.destroy();
    await expect(gone).toReach('CLOSED', { within: 500 });
    await stopDropping();
  } else {
    await exec('hping3', ['-q', '-c', '1', '-S', '-s', String(STALE_PORT), '-p', String(listener.port), '127.0.0.1']);
  }
  await expectCounter('Tcp.OutRsts').toRise({ within: 3000 });
  await expectCounter('Tcp.AttemptFails').toRise({ within: 1000 });
  check(listener.connections === 0, 'the listener to hand out no connection', `${listener.connections} accepted`);
});
