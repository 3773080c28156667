// stale-syn: why the handshake takes three segments.
// Deterministic: inside the lab's namespace, hping3 forges one SYN from port 40000, where no
// socket exists (an old duplicate from a connection long gone). The listener answers SYN-ACK;
// the namespace's kernel, which has no such connection, answers that with RST; the listener
// drops the half-open connection and accept() never returns.
import { lab } from 'tcplab';

const STALE_PORT = 40000;

export default lab('stale-syn', {
  explain:
    'Why three: a delayed duplicate SYN from an old connection reaches the server. The server answers SYN-ACK; the ' +
    'client side, which never asked, answers RST, and the server never hands out a connection. With a two-way ' +
    'handshake the SYN-ACK would have opened the connection at once, committing the server to a connection nobody wanted.',
  shows: ['LISTEN', 'SYN_RECV'],
  needs: ['netns', 'hping3'],
}, async ({ family, listen, exec, expect, expectCounter, check, skip }) => {
  if (family === '6') skip('hping3 forges IPv4 packets only; run with --family 4 or mapped');
  const listener = await listen();
  await expect(listener).toReach('LISTEN');
  await exec('hping3', ['-q', '-c', '1', '-S', '-s', String(STALE_PORT), '-p', String(listener.port), '127.0.0.1']);
  await expectCounter('Tcp.OutRsts').toRise({ within: 1000 });
  await expectCounter('Tcp.AttemptFails').toRise({ within: 1000 });
  check(listener.connections === 0, 'the listener to hand out no connection', `${listener.connections} accepted`);
});
