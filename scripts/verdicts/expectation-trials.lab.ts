// The verdict suite's lab: N trials of one lab expectation in one scenario (where it must pass, or
// must fail), each on a fresh listener and connection, with a random 0-5 ms delay between the
// action and the assertion. Each trial's outcome becomes a note `verdict right|wrong|undecided ...`;
// the lab itself passes. Cells by TCPLAB_VERDICT_CELLS (`all` or `form|scenario,...`), trials by TCPLAB_VERDICT_TRIALS.
// `tcplab run scripts/verdicts/expectation-trials.lab.ts --observer proc --json` (see bench-verdicts.mjs).

import { lab, type LabContext, type LabListener, type LabSocket } from 'tcplab';

interface Trial {
  listener: LabListener;
  client: LabSocket;
  server: LabSocket;
}

type Scenario = 'pass' | 'fail' | 'fail-brief';

/**
 * Each form: `run` takes the scenario's action, waits the random pause, and returns the assertion
 * under test (only its failure is a verdict: any other is the trial's own and stops the suite).
 * The assertion must pass in `pass` and fail in the other scenarios.
 */
interface Form {
  listen?: { pauseOnConnect?: boolean };
  scenarios: Scenario[];
  run(ctx: LabContext, t: Trial, scenario: Scenario, pause: () => Promise<void>): Promise<() => PromiseLike<void>>;
}

export const FORMS: Record<string, Form> = {
  toReach: {
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client, server }, scenario, pause) {
      if (scenario === 'pass') client.end();
      await pause();
      return () => expect(server).toReach('CLOSE_WAIT', { within: 100 });
    },
  },
  'toReach andStay': {
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client, server }, scenario, pause) {
      client.end();
      if (scenario === 'fail') void server.ended().then(() => server.end());
      await pause();
      return () => expect(server).toReach('CLOSE_WAIT', { within: 100 }).andStay(50);
    },
  },
  toStay: {
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client }, scenario, pause) {
      if (scenario === 'fail') client.end();
      await pause();
      return () => expect(client).toStay('ESTABLISHED', 50);
    },
  },
  'toFollowPath optional step': {
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client }, scenario, pause) {
      if (scenario === 'pass') client.end();
      await pause();
      return () => expect(client).toFollowPath(['ESTABLISHED', 'FIN_WAIT1?', 'FIN_WAIT2'], { within: 100 });
    },
  },
  never: {
    // fail-brief: the server closes at once, so CLOSE_WAIT lasts microseconds: a polling observer cannot decide.
    scenarios: ['pass', 'fail', 'fail-brief'],
    async run({ expect, checkDeferred }, { client, server }, scenario, pause) {
      expect(server).never('CLOSE_WAIT');
      if (scenario !== 'pass') client.end();
      if (scenario === 'fail-brief') void server.ended().then(() => server.end());
      await pause();
      // The window: the client settles (FIN_WAIT2 or TIME_WAIT), or stays ESTABLISHED 50 ms.
      if (scenario === 'pass') await expect(client).toStay('ESTABLISHED', 50);
      else await expect(client).toFollowPath(['ESTABLISHED', 'FIN_WAIT1?', ...(scenario === 'fail' ? ['FIN_WAIT2' as const] : ['FIN_WAIT2?' as const, 'TIME_WAIT' as const])], { since: 'start' });
      return () => checkDeferred();
    },
  },
  toError: {
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client, server }, scenario, pause) {
      if (scenario === 'pass') server.resetAndDestroy();
      else server.destroy();
      await pause();
      return () => expect(client).toError('ECONNRESET', { within: 100 });
    },
  },
  toReceive: {
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client, server }, scenario, pause) {
      void server.write(scenario === 'pass' ? 'hello' : 'hellO');
      await pause();
      return () => expect(client).toReceive('hello', { within: 100 });
    },
  },
  toShowTimer: {
    listen: { pauseOnConnect: true },
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client }, scenario, pause) {
      // The server reads nothing: filling its window leaves the client probing it (persist timer).
      if (scenario === 'pass') await client.fillSendBuffer();
      await pause();
      return () => expect(client).toShowTimer('persist', { within: 200 });
    },
  },
  toSend: {
    scenarios: ['pass', 'fail'],
    async run({ expect }, { client }, scenario, pause) {
      if (scenario === 'pass') client.end();
      else await client.write('x');
      await pause();
      return () => expect(client).toSend('FIN', { within: 100 });
    },
  },
  neverSends: {
    scenarios: ['pass', 'fail'],
    async run({ expect, checkDeferred }, { client }, scenario, pause) {
      expect(client).neverSends('RST');
      if (scenario === 'pass') client.end();
      else client.resetAndDestroy();
      await pause();
      return () => checkDeferred();
    },
  },
  'counter toRise': {
    scenarios: ['pass', 'fail'],
    async run({ expectCounter }, { server }, scenario, pause) {
      const resets = expectCounter('Tcp.OutRsts', { since: 'now' });
      if (scenario === 'pass') server.resetAndDestroy();
      else server.destroy();
      await pause();
      return () => resets.toRise({ within: 100 });
    },
  },
  'counter toStayFlat': {
    scenarios: ['pass', 'fail'],
    async run({ expectCounter }, { server }, scenario, pause) {
      const resets = expectCounter('Tcp.OutRsts', { since: 'now' });
      if (scenario === 'pass') server.destroy();
      else server.resetAndDestroy();
      await pause();
      return () => resets.toStayFlat();
    },
  },
};

/** `all`, or `form|scenario` pairs separated by commas. */
const cells = (process.env.TCPLAB_VERDICT_CELLS ?? 'all') === 'all'
  ? Object.entries(FORMS).flatMap(([form, f]) => f.scenarios.map((scenario) => [form, scenario] as const))
  : process.env.TCPLAB_VERDICT_CELLS!.split(',').map((c) => c.split('|') as [string, Scenario]);
const trials = Number(process.env.TCPLAB_VERDICT_TRIALS ?? '5');

export default lab('verdict-trials', {
  explain: 'Runs expectations many times where each must pass, or must fail, and notes every verdict.',
  timeoutMs: 60 * 60_000,
  // A trial leaves a TIME_WAIT socket for 60 s: room for a thousand of them (the default, half
  // the hash's buckets, would close the later ones at once, and the windows wait for TIME_WAIT).
  ehashBuckets: 8192,
  sysctls: { 'net.ipv4.tcp_max_tw_buckets': 100_000 },
}, async (ctx) => {
  for (const [formName, scenario] of cells) {
    const form = FORMS[formName];
    if (!form || !form.scenarios.includes(scenario) || !(trials > 0)) {
      throw new TypeError(`unknown verdict cell ${formName}|${scenario} or trials ${trials}; forms: ${Object.keys(FORMS).join(', ')}`);
    }
    for (let i = 0; i < trials; i++) await trial(ctx, form, formName, scenario);
  }
});

async function trial(ctx: LabContext, form: Form, formName: string, scenario: Scenario): Promise<void> {
  const listener = await ctx.listen({ allowHalfOpen: true, ...form.listen });
  const client = await ctx.connect(listener, { allowHalfOpen: true });
  const server = await listener.accepted();
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 5));
  const assertion = await form.run(ctx, { listener, client, server }, scenario, pause);
  let outcome: 'right' | 'wrong' | 'undecided';
  let message = '';
  try {
    await assertion();
    outcome = scenario === 'pass' ? 'right' : 'wrong';
  } catch (err) {
    const e = err as Error & { kind?: string };
    if (e.name !== 'LabFailure') throw err;
    message = e.message;
    outcome = e.kind === 'undecided' ? 'undecided' : scenario === 'pass' ? 'wrong' : 'right';
  }
  ctx.note(`verdict ${JSON.stringify({ form: formName, scenario, outcome, message })}`);
  client.destroy();
  server.destroy();
  await Promise.all([client.closed(), server.closed()]);
  await listener.close();
  // The next trial starts on a quiet namespace: no orphan of this one still sending (its counters
  // are the namespace's), each socket gone or in TIME_WAIT, as the observer sees it.
  await settled(ctx, [client, server]);
}

async function settled(ctx: LabContext, sockets: LabSocket[]): Promise<void> {
  const done = (x: LabSocket) => ['CLOSED', 'TIME_WAIT', undefined].includes(ctx.statesOf(x).at(-1)?.state);
  const deadline = Date.now() + 5000;
  while (!sockets.every(done)) {
    if (Date.now() > deadline) throw new Error(`trial sockets still open after 5 s: ${sockets.map((x) => `${x.name} ${ctx.statesOf(x).at(-1)?.state}`).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
