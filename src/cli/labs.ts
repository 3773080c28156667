// `tcplab list` and `tcplab run`: loaded only for those commands, so that `count`, `who` and
// `watch` start without the runner's modules.

import { builtinLabs } from '../lab/catalog.js';
import { loadLabFile } from '../lab/load.js';
import { relativeFile } from '../actors/where.js';
import { formatLab, formatSummary } from '../report/human.js';
import { jsonReport } from '../report/json.js';
import type { LabResult } from '../runner/result.js';
import { networkPlan, runLab, trapInterrupts } from '../runner/run.js';
import type { Command } from './args.js';
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

export async function run(cmd: Extract<Command, { kind: 'run' }>): Promise<number> {
  const observer = pickObserver(cmd.observer);
  const labs = await resolveLabs(cmd.labs, cmd.all, cmd.long);
  const plan = networkPlan(cmd.netns);
  if (plan.network === 'host' && cmd.netns) process.stderr.write(`tcplab: ${plan.reason}; labs run on the host's loopback\n`);
  const started = Date.now();
  const showProgress = !cmd.json && process.stderr.isTTY === true;
  const results: LabResult[] = [];
  const interrupts = trapInterrupts();
  try {
    for (const lab of labs) {
      if (interrupts.signal()) break;
      const result = await runLab(lab, {
        family: cmd.family, observer, labOutput: cmd.json ? 'stderr' : 'inherit', netns: cmd.netns,
        ...(showProgress ? { onProgress: (t: string) => process.stderr.write(`\r\x1b[K${lab.name}: ${t}`) } : {}),
        ...(cmd.periodMs !== undefined ? { periodMs: cmd.periodMs } : {}),
        ...(cmd.timeoutMs !== undefined ? { timeoutMs: cmd.timeoutMs } : {}),
      });
      if (showProgress) process.stderr.write('\r\x1b[K');
      results.push(result);
      if (!cmd.json) process.stdout.write(formatLab(result) + '\n\n');
    }
  } finally {
    interrupts.release();
  }
  const interrupted = interrupts.signal();
  const wall = Date.now() - started;
  if (cmd.json) process.stdout.write(JSON.stringify({ ...jsonReport(results, VERSION, wall), network: plan }, null, 2) + '\n');
  else process.stdout.write(formatSummary(results, wall) + (interrupted ? ` — interrupted by ${interrupted}` : '') + '\n');
  return interrupts.exitCode() ?? (results.some((r) => r.status === 'failed') ? 1 : 0);
}

