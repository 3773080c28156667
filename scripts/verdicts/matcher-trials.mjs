// Runs one cell of the verdict suite for the vitest matchers: N trials of one matcher form in one
// scenario (where it must pass, or must fail), on real sockets of this process, each with a fresh
// server, a fresh observation and a random 0-5 ms delay between the action and the assertion.
// Prints one JSON line: { form, scenario, observer, trials, right, wrong, undecided, examples }.
// `node scripts/verdicts/matcher-trials.mjs FORM pass|fail OBSERVER TRIALS` (after `npm run build`).

import net from 'node:net';
import { matchers } from '../../dist/vitest/matchers.js';
import { observe } from '../../dist/live/observation.js';

/** Each form: the assertion, and the scenario (server, client action) in which it must pass or fail. */
export const FORMS = {
  'toHaveSocketIn': {
    assert: (m, obs) => m.toHaveSocketIn.call({ isNot: false }, obs, 'CLOSE_WAIT', { within: 100 }),
    pass: { server: 'leaky', action: 'fin' },
    fail: { server: 'leaky', action: 'none' },
  },
  'toHaveSocketIn after': {
    assert: (m, obs) => m.toHaveSocketIn.call({ isNot: false }, obs, 'CLOSE_WAIT', { within: 100, after: 100 }),
    pass: { server: 'leaky', action: 'fin' },
    fail: { server: 'fixed', action: 'fin' },
  },
  'not.toHaveSocketIn after (leak)': {
    assert: (m, obs) => m.toHaveSocketIn.call({ isNot: true }, obs, 'CLOSE_WAIT', { after: 100 }),
    pass: { server: 'fixed', action: 'fin' },
    fail: { server: 'leaky', action: 'fin' },
  },
  'not.toHaveSocketIn within': {
    assert: (m, obs) => m.toHaveSocketIn.call({ isNot: true }, obs, 'CLOSE_WAIT', { within: 100 }),
    pass: { server: 'leaky', action: 'none' },
    fail: { server: 'leaky', action: 'fin' },
  },
  'toFollowPath optional steps': {
    assert: (m, obs) => m.toFollowPath.call({ isNot: false }, obs, ['ESTABLISHED', 'CLOSE_WAIT?', 'LAST_ACK?', 'CLOSED'], { within: 200 }),
    // The connection lives until the observation has seen it: a shorter one is undecidable for a poll.
    pass: { server: 'fixed', action: 'fin', seen: true },
    fail: { server: 'leaky', action: 'fin', seen: true },
  },
  'toHaveCountIn': {
    assert: (m, obs) => m.toHaveCountIn.call({ isNot: false }, obs, 'CLOSE_WAIT', { atLeast: 1, atMost: 1, within: 100 }),
    pass: { server: 'leaky', action: 'fin' },
    fail: { server: 'leaky', action: 'none' },
  },
};

/** The matcher's `this.isNot` for a form: the assertion held when `pass` differs from it. */
const isNot = (form) => form.startsWith('not.');

async function startServer(kind) {
  const sockets = new Set();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.resume();
    // The fixed server answers the client's FIN with its own; the leaky one never does.
    if (kind === 'fixed') s.on('end', () => s.end());
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    srv.close(() => resolve());
  });
  return { port: srv.address().port, close };
}

/** Waits (deadline 2 s) until the observation holds the server's side of the connection. */
async function seenByObservation(obs) {
  const deadline = performance.now() + 2000;
  while (!obs.records().some((s) => s.side === 'server')) {
    if (performance.now() > deadline) throw new Error('the observation did not see the connection within 2 s');
    await obs.flush();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function trial(formName, scenario, observer) {
  const form = FORMS[formName];
  const { server: kind, action, seen } = form[scenario];
  const srv = await startServer(kind);
  const obs = await observe({ port: srv.port, observer });
  const c = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
  c.on('error', () => {});
  c.resume();
  try {
    await new Promise((resolve) => c.on('connect', resolve));
    if (seen) await seenByObservation(obs);
    // The scenario: the assertion right after our FIN is handed to the kernel.
    if (action === 'fin') await new Promise((resolve) => c.end(resolve));
    const delayMs = Math.random() * 5;
    const until = performance.now() + delayMs;
    if (delayMs >= 1) await new Promise((resolve) => setTimeout(resolve, delayMs - 1));
    while (performance.now() < until) { /* the last part of the delay, spent awake */ }
    const r = await form.assert(matchers, obs);
    const held = r.pass !== isNot(formName);
    const message = r.message();
    const outcome = /: cannot decide: /.test(message) ? 'undecided' : held === (scenario === 'pass') ? 'right' : 'wrong';
    return { outcome, message };
  } finally {
    c.destroy();
    await srv.close();
    // The observation winds down while the next trial starts (at most one at a time, see runCell).
    stopping = obs.stop();
  }
}

let stopping = Promise.resolve();

/** Runs `trials` trials of one cell; returns the tally. */
export async function runCell(form, scenario, observer, trials) {
  const tally = { kind: 'matcher', form, scenario, observer, trials, right: 0, wrong: 0, undecided: 0, examples: [] };
  for (let i = 0; i < trials; i++) {
    const previous = stopping;
    const { outcome, message } = await trial(form, scenario, observer);
    await previous;
    tally[outcome] += 1;
    if (outcome !== 'right' && tally.examples.length < 3) tally.examples.push(message);
  }
  await stopping;
  return tally;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [form, scenario, observer, n] = process.argv.slice(2);
  if (!FORMS[form] || !['pass', 'fail'].includes(scenario) || !['trace', 'proc'].includes(observer) || !(Number(n) > 0)) {
    process.stderr.write(`usage: matcher-trials.mjs FORM pass|fail trace|proc TRIALS; forms: ${Object.keys(FORMS).join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(await runCell(form, scenario, observer, Number(n))) + '\n');
}
