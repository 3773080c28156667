#!/usr/bin/env zx
// The verdict suite: how often each expectation and each vitest matcher is wrong. For every form,
// a scenario where it must pass and one where it must fail, N trials each, with a random 0-5 ms
// delay between the action and the assertion, with every observer this machine offers, as root and
// as nobody, on an idle machine and with both cores kept busy by a CPU hog. Prints the table of
// cells as markdown (wrong verdicts / trials, idle · busy, per observer and user; undecided where
// the observer said it cannot decide), and exits 1 if any verdict was wrong.
// `npx zx scripts/bench-verdicts.mjs [--matcher-trials=200] [--lab-trials=50] [--load=idle,busy]
//  [--users=root,nobody] [--json]` after `npm run build`.

import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORMS as MATCHER_FORMS } from './verdicts/matcher-trials.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const MATCHER_WORKER = join(ROOT, 'scripts', 'verdicts', 'matcher-trials.mjs');
const LAB = join(ROOT, 'scripts', 'verdicts', 'expectation-trials.lab.ts');

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const count = (name, fallback) => {
  const n = Number(arg(name, String(fallback)));
  if (!Number.isInteger(n) || n < 0) {
    console.error(`Expected \`--${name}\` to be a whole number of trials, got \`${arg(name)}\``);
    process.exit(2);
  }
  return n;
};
const matcherTrials = count('matcher-trials', 200);
const labTrials = count('lab-trials', 50);
const loads = arg('load', 'idle,busy').split(',');
const users = arg('users', 'root,nobody').split(',');
const asJson = process.argv.includes('--json');
for (const l of loads) if (!['idle', 'busy'].includes(l)) (console.error(`Expected \`--load\` to list idle and/or busy, got \`${l}\``), process.exit(2));
for (const u of users) if (!['root', 'nobody'].includes(u)) (console.error(`Expected \`--users\` to list root and/or nobody, got \`${u}\``), process.exit(2));

const isRoot = process.getuid?.() === 0;
const has = (program) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const nobodyCanRead = isRoot && spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', CLI]).status === 0;

/** Why a cell cannot run here, or undefined. */
function unavailable(user, observer) {
  if (user === 'nobody' && !isRoot) return 'needs root to switch to nobody';
  if (user === 'nobody' && !nobodyCanRead) return 'nobody cannot read this checkout';
  if (user === 'root' && !isRoot) return 'not root';
  if (observer === 'trace' && user !== 'root') return 'the trace needs root';
  if ((observer === 'ss' || observer === 'netstat') && !has(observer)) return `no ${observer} here`;
  return undefined;
}

/** Runs a command (as `user`), resolves with its stdout; rejects with its stderr's first line. */
function run(user, argv, env = {}) {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const [cmd, args] = user === 'nobody' ? ['runuser', ['-u', 'nobody', '--', 'env', ...envArgs, ...argv]] : [argv[0], argv.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0 || (out.trim().startsWith('{') && code === 1)) resolve(out);
      else reject(new Error(`${argv.slice(0, 3).join(' ')} exited ${code}: ${err.trim().split('\n')[0] ?? ''}`));
    });
  });
}

const children = new Set();
let hogs = [];
function stopHogs() {
  for (const h of hogs) h.kill('SIGKILL');
  hogs = [];
}
/** Keeps every core busy: one spinning process per core. */
function startHogs() {
  hogs = os.cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}
const cleanUp = () => {
  stopHogs();
  for (const c of children) c.kill('SIGTERM');
};
process.on('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => (cleanUp(), process.exit(130)));

const rows = [];
const record = (r) => {
  rows.push(r);
  if (!asJson) {
    const status = r.skipped ? `n/a (${r.skipped})` : `${r.wrong} wrong, ${r.undecided} undecided of ${r.trials}`;
    process.stderr.write(`${r.kind.padEnd(11)} ${`${r.form} | ${r.scenario}`.padEnd(44)} ${r.observer.padEnd(8)} ${r.user.padEnd(7)} ${r.load.padEnd(5)} ${status}\n`);
  }
};

for (const load of loads) {
  if (load === 'busy') startHogs();
  try {
    for (const user of users) {
      for (const observer of ['trace', 'proc']) {
        for (const form of Object.keys(MATCHER_FORMS)) {
          for (const scenario of ['pass', 'fail']) {
            const base = { kind: 'matcher', form, scenario, observer, user, load, trials: matcherTrials };
            const why = unavailable(user, observer);
            if (why || matcherTrials === 0) {
              record({ ...base, skipped: why ?? 'no trials asked', trials: 0, wrong: 0, undecided: 0 });
              continue;
            }
            const out = await run(user, [process.execPath, MATCHER_WORKER, form, scenario, observer, String(matcherTrials)]);
            const t = JSON.parse(out.trim().split('\n').at(-1));
            record({ ...base, wrong: t.wrong, undecided: t.undecided, examples: t.examples });
          }
        }
      }
      for (const observer of ['trace', 'proc', 'ss', 'netstat']) {
        const why = unavailable(user, observer);
        if (why || labTrials === 0) {
          record({ kind: 'expectation', form: 'every form', scenario: '-', observer, user, load, trials: 0, wrong: 0, undecided: 0, skipped: why ?? 'no trials asked' });
          continue;
        }
        const out = await run(user, [process.execPath, CLI, 'run', LAB, '--observer', observer, '--json'], { TCPLAB_VERDICT_TRIALS: String(labTrials), TCPLAB_VERDICT_CELLS: 'all' });
        const lab = JSON.parse(out).labs[0];
        if (lab.status !== 'passed') throw new Error(`the verdict lab itself failed (${observer}, ${user}, ${load}): ${lab.reason}`);
        const cells = new Map();
        for (const e of lab.events) {
          if (e.kind !== 'note' || !e.detail.startsWith('verdict ')) continue;
          const v = JSON.parse(e.detail.slice('verdict '.length));
          const key = `${v.form}|${v.scenario}`;
          const c = cells.get(key) ?? { kind: 'expectation', form: v.form, scenario: v.scenario, observer, user, load, trials: 0, wrong: 0, undecided: 0, examples: [] };
          c.trials += 1;
          if (v.outcome !== 'right') {
            c[v.outcome] += 1;
            if (c.examples.length < 3) c.examples.push(v.message);
          }
          cells.set(key, c);
        }
        for (const c of cells.values()) record(c);
      }
    }
  } finally {
    stopHogs();
  }
}

const ran = rows.filter((r) => !r.skipped);
const wrong = ran.reduce((n, r) => n + r.wrong, 0);
const trials = ran.reduce((n, r) => n + r.trials, 0);
const undecided = ran.reduce((n, r) => n + r.undecided, 0);
if (asJson) {
  process.stdout.write(JSON.stringify({ matcherTrials, labTrials, loads, users, trials, wrong, undecided, cells: rows }, null, 2) + '\n');
} else {
  // One row per form and scenario; one column per observer and user, each `wrong/trials` on the
  // idle machine, then under load; `(N undecided)` where the observer said it could not decide.
  const columns = [...new Set(ran.map((r) => `${r.observer} ${r.user}`))];
  const lines = [`| kind | form | must | ${columns.join(' | ')} |`, `|---|---|---|${columns.map(() => '---').join('|')}|`];
  const keys = [...new Set(ran.map((r) => `${r.kind}\t${r.form}\t${r.scenario}`))];
  for (const key of keys) {
    const [kind, form, scenario] = key.split('\t');
    const cells = columns.map((col) => loads.map((load) => {
      const r = ran.find((x) => `${x.kind}\t${x.form}\t${x.scenario}` === key && `${x.observer} ${x.user}` === col && x.load === load);
      return r ? `${r.wrong}/${r.trials}${r.undecided ? ` (${r.undecided} undecided)` : ''}` : '-';
    }).join(' · '));
    lines.push(`| ${kind} | \`${form}\` | ${scenario} | ${cells.join(' | ')} |`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');
  process.stdout.write(`${ran.length} cells, ${trials} trials: ${wrong} wrong verdicts, ${undecided} undecided\n`);
  for (const r of ran.filter((x) => x.wrong > 0)) process.stdout.write(`wrong: ${r.kind} ${r.form} | ${r.scenario} (${r.observer}, ${r.user}, ${r.load}): ${r.examples?.[0] ?? ''}\n`);
}
process.exitCode = wrong > 0 ? 1 : 0;
