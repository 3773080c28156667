#!/usr/bin/env zx
// Times the whole `tcplab tour` (without --long) as a user waits for it: a fresh process each
// run, human output (discarded), N runs (default 3, `--n=5`), then the median wall time against
// the goal of 20 s. Run `npm run build` first; `npx zx scripts/bench-tour.mjs [--n=3] [--json]`.
// Uses `tcplab tour` when the CLI has the command, else calls runTour from dist/ directly.

import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { $ } from 'zx';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const TOUR = join(ROOT, 'dist', 'tour', 'tour.js');
const GOAL_MS = 20_000;

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const runs = Number(arg('n', '3'));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`Expected \`--n\` to be a positive integer, got \`${arg('n')}\``);
if (!existsSync(TOUR)) throw new Error('dist/tour/tour.js is missing; run `npm run build` first');

const quiet = $({ stdio: ['ignore', 'pipe', 'pipe'], nothrow: true, cwd: ROOT });
const help = await quiet`${process.execPath} ${CLI} --help`;
const viaCli = /\btour\b/.test(help.stdout);
// Without the CLI command: the same call the CLI makes, in a process of its own.
const inline = `const { runTour } = await import(${JSON.stringify(pathToFileURL(TOUR).href)});
process.exitCode = await runTour({ json: false, lang: 'en', long: false, color: false, observer: 'proc', family: '4', netns: true, out: process.stdout });`;
const command = viaCli ? [process.execPath, CLI, 'tour'] : [process.execPath, '--input-type=module', '-e', inline];

const times = [];
for (let i = 1; i <= runs; i++) {
  const started = performance.now();
  const r = await quiet`${command}`;
  const ms = performance.now() - started;
  const checked = /(\d+) of (\d+) states observed/.exec(r.stdout);
  if (r.exitCode !== 0) {
    process.stderr.write(r.stdout.split('\n').filter((l) => /FAILED|failed/.test(l)).join('\n') + '\n' + r.stderr);
    throw new Error(`run ${i}: the tour exited with code ${r.exitCode}`);
  }
  times.push(ms);
  if (!process.argv.includes('--json')) {
    console.log(`run ${i}/${runs}: ${(ms / 1000).toFixed(2)} s, ${checked ? `${checked[1]} of ${checked[2]} states` : 'no checklist found'}`);
  }
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
const [load1] = os.loadavg();
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ command: viaCli ? 'tcplab tour' : 'runTour (dist)', runs, timesMs: times.map(Math.round), medianMs: Math.round(median), goalMs: GOAL_MS, cpus: os.availableParallelism(), load1 }));
} else {
  console.log(`median of ${runs}: ${(median / 1000).toFixed(2)} s (goal <= ${GOAL_MS / 1000} s; ${viaCli ? 'tcplab tour' : 'runTour from dist'}; ${os.availableParallelism()} cpus, load ${load1.toFixed(2)})`);
}
process.exitCode = median <= GOAL_MS ? 0 : 1;
