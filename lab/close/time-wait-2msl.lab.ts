// time-wait-2msl: TIME_WAIT lasts 2MSL, then the socket is gone.
// Deterministic: Linux holds TIME_WAIT for TCP_TIMEWAIT_LEN, a compile-time 60 s (not a
// sysctl; tcp_fin_timeout does not change it). The lab reads the kernel's timewait timer as it
// counts down and checks that the socket leaves the table when it expires. Opt-in: 60 s.
import { lab } from 'tcplab';

export default lab('time-wait-2msl', {
  explain:
    'TIME_WAIT lasts 2MSL (twice the maximum segment lifetime): long enough to resend the final ACK if it was lost ' +
    'and for old duplicates of this connection to die out before the same address pair is used again. On Linux it ' +
    'is a fixed 60 s (TCP_TIMEWAIT_LEN), whatever tcp_fin_timeout says.',
  shows: ['TIME_WAIT', 'CLOSED'],
  long: true,
  timeoutMs: 90_000,
}, async ({ listen, connect, expect, statesOf, check }) => {
  const listener = await listen();
  const client = await connect(listener);
  await listener.accepted();
  await expect(client).toReach('ESTABLISHED');
  client.end();
  await expect(client).toReach('TIME_WAIT', { within: 500 });
  await expect(client).toShowTimer('timewait', { within: 500 });
  await expect(client).toReach('CLOSED', { within: 65_000 });
  const tw = statesOf(client).find((s) => s.state === 'TIME_WAIT')!;
  const lasted = tw.untilMs - tw.atMs;
  check(lasted > 55_000 && lasted < 62_000, 'TIME_WAIT to last about 60 s (TCP_TIMEWAIT_LEN)', `${(lasted / 1000).toFixed(1)} s`);
});
