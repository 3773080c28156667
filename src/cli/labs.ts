// `tcplab list` and `tcplab run`: loaded only for those commands, so that `count`, `who` and
// `watch` start without the runner's modules.

import { writeFileSync } from 'node:fs';
import { builtinLabs } from '../lab/catalog.js';
import { loadLabFile } from '../lab/load.js';
import { relativeFile } from '../actors/where.js';
import { formatLab, formatSummary } from '../report/human.js';
import { ProgressBar } from '../report/progress.js';
import { githubAnnotations } from '../report/github.js';
import { jsonReport } from '../report/json.js';
import { junitReport } from '../report/junit.js';
import type { LabResult } from '../runner/result.js';
import { networkPlan, runLab, trapInterrupts } from '../runner/run.js';
import type { Command, Reporter } from './args.js';
import { pickObserver } from './observer.js';
import { resolveLabs } from '../lab/resolve.js';
import { VERSION } from './version.js';

export async function list(json: boolean): Promise<void> {
  const rows = await Promise.all(builtinLabs().map(async (e) => {
    const def = await loadLabFile(e.file);
    return { name: def.name, topic: e.topic, file: relativeFile(e.file), explain: def.options.explain, long: def.options.long ?? false };
  }));
  if (json) {
    process.stdout.write(JSON.stringify({ labs: rows }, null, 2) + '\n');
    return;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  const topics = Math.max(...rows.map((r) => r.topic.length));
  const room = Math.max(20, (process.stdout.isTTY ? process.stdout.columns : 100) - width - topics - 4);
  for (const r of rows) {
    let first = r.explain.split(/(?<=\.)\s/)[0]!;
    if (r.long) first = `(long) ${first}`;
    if (first.length > room) first = `${first.slice(0, room - 1)}…`;
    process.stdout.write(`${r.name.padEnd(width)}  ${r.topic.padEnd(topics)}  ${first}\n`);
  }
}

/** Writes every report of a run: to its file, or to standard output. */
function writeReports(reporters: Reporter[], results: LabResult[], wall: number, plan: ReturnType<typeof networkPlan>, interrupted: string | undefined): void {
  for (const r of reporters) {
    let text: string;
    switch (r.name) {
      case 'human':
        text = formatSummary(results, wall) + (interrupted ? ` — interrupted by ${interrupted}` : '') + '\n';
        break;
      case 'json':
        text = JSON.stringify({ ...jsonReport(results, VERSION, wall), network: plan }, null, 2) + '\n';
        break;
      case 'junit':
        text = junitReport(results, wall);
        break;
      case 'github':
        text = githubAnnotations(results);
        break;
      default: {
        const never: never = r.name;
        throw new TypeError(`unknown reporter ${String(never)}`);
      }
    }
    if (r.file) writeFileSync(r.file, r.name === 'human' ? results.map((x) => formatLab(x)).join('\n\n') + '\n\n' + text : text);
    else process.stdout.write(text);
  }
}

export async function run(cmd: Extract<Command, { kind: 'run' }>): Promise<number> {
  const observer = pickObserver(cmd.observer);
  const labs = await resolveLabs(cmd.labs, cmd.all, cmd.long);
  const plan = networkPlan(cmd.netns);
  if (plan.network === 'host' && cmd.netns) process.stderr.write(`tcplab: ${plan.reason}; labs run on the host's loopback\n`);
  const started = Date.now();
  // The human report streams lab by lab; a machine-read report on stdout keeps stdout for itself.
  const humanLive = cmd.reporters.some((r) => r.name === 'human' && !r.file);
  const stdoutTaken = cmd.reporters.some((r) => !r.file && (r.name === 'json' || r.name === 'junit'));
  const progress = !stdoutTaken && process.stderr.isTTY === true ? new ProgressBar(process.stderr, 's') : undefined;
  const results: LabResult[] = [];
  const interrupts = trapInterrupts();
  try {
    for (const lab of labs) {
      if (interrupts.signal()) break;
      const result = await runLab(lab, {
        family: cmd.family, observer, labOutput: stdoutTaken ? 'stderr' : 'inherit', netns: cmd.netns,
        capture: cmd.capture, ...(cmd.pcapDir !== undefined ? { pcapDir: cmd.pcapDir } : {}),
        ...(progress ? { onProgress: (p) => progress.update(p.doneMs / 1000, p.totalMs / 1000, `${lab.name}: ${p.text}`.slice(0, progress.textRoom(p.totalMs / 1000))) } : {}),
        ...(cmd.periodMs !== undefined ? { periodMs: cmd.periodMs } : {}),
        ...(cmd.timeoutMs !== undefined ? { timeoutMs: cmd.timeoutMs } : {}),
      });
      progress?.stop();
      results.push(result);
      if (humanLive) process.stdout.write(formatLab(result) + '\n\n');
    }
  } finally {
    progress?.stop();
    interrupts.release();
  }
  const interrupted = interrupts.signal();
  const wall = Date.now() - started;
  writeReports(cmd.reporters, results, wall, plan, interrupted);
  if (cmd.htmlFile) {
    const { htmlReport } = await import('../report/html.js');
    writeFileSync(cmd.htmlFile, htmlReport(results, { version: VERSION, durationMs: wall, generatedAt: new Date().toISOString() }));
    if (!stdoutTaken) process.stdout.write(`HTML report: ${cmd.htmlFile}\n`);
  }
  return interrupts.exitCode() ?? (results.some((r) => r.status === 'failed') ? 1 : 0);
}
