// `tcplab count`: connections by state in a network namespace (IPv4 and IPv6), the numbers
// `ss -tan | awk '{++S[$1]}'` gives, read from /proc in-process; `--watch` prints the change
// since the previous refresh until Ctrl-C (or `--count` refreshes).

import { onStdoutClosed } from '../runner/closed-stdout.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { countSockets, rankStates, totalOf, type CountOptions, type StateCounts } from '../inventory/census.js';
import { InventoryError } from '../inventory/error.js';
import type { TcpState } from '../states.js';
import { UsageError } from './args.js';

export const COUNT_USAGE = `Usage: tcplab count [--port P] [--pid N] [--netns PID] [--json] [--watch MS [--count K]]

Connections by state (IPv4 and IPv6), from /proc/net/tcp and tcp6, the numbers of \`ss -tan\`.
  --port P       only sockets whose local or remote port is P
  --pid N        only sockets held by process N (in N's network namespace)
  --netns PID    count in the network namespace of process PID
  --json         one JSON document ({ "total", "states": { STATE: n } }); with --watch, one per line
  --watch MS     refresh every MS ms, with the change since the previous refresh, until Ctrl-C
  --count K      with --watch, stop after K refreshes
`;

/** Runs a (strict) parseArgs call, turning its errors into one-line UsageErrors naming `command`. */
export function withUsageErrors<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new UsageError(`unknown flag ${unknown[1]} for \`${command}\`; see \`tcplab ${command} --help\``);
    const missing = /Option '(?:-\w, )?([^' ]+)(?: <value>)?' argument missing/.exec(message);
    if (missing) throw new UsageError(`flag ${missing[1]} needs a value; see \`tcplab ${command} --help\``);
    const ambiguous = /Option '([^']+)' argument is ambiguous/.exec(message);
    if (ambiguous) throw new UsageError(`a value of ${ambiguous[1]} that starts with '-' must be written ${ambiguous[1]}=VALUE`);
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    if (positional) throw new UsageError(`\`${command}\` takes no argument \`${positional[1]}\`; see \`tcplab ${command} --help\``);
    throw new UsageError(`${message.split('\n')[0]}; see \`tcplab ${command} --help\``);
  }
}

/** An integer flag within [min, max], or undefined when absent. */
export function integerFlag(flag: string, raw: string | undefined, min: number, max: number, what: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`expected \`--${flag}\` to be ${what}, got \`${raw}\``);
  return n;
}

interface Counted {
  total: number;
  states: Partial<StateCounts>;
}

function counted(counts: StateCounts, order: TcpState[]): Counted {
  return { total: totalOf(counts), states: Object.fromEntries(order.map((s) => [s, counts[s]])) };
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** The table: STATE, COUNT and (watching) CHANGE, then the total; states in `order`. */
export function formatCounts(counts: StateCounts, order: TcpState[], previous?: StateCounts): string {
  const total = totalOf(counts);
  const width = Math.max(5, String(total).length);
  const line = (name: string, n: number, change: number | undefined) =>
    `${name.padEnd(11)}  ${String(n).padStart(width)}${change === undefined ? '' : `  ${signed(change).padStart(6)}`}`;
  const lines = [`STATE        ${'COUNT'.padStart(width)}${previous ? '  CHANGE' : ''}`];
  for (const s of order) lines.push(line(s, counts[s], previous ? counts[s] - previous[s] : undefined));
  lines.push(line('total', total, previous ? total - totalOf(previous) : undefined));
  return lines.join('\n') + '\n';
}

function write(text: string): void {
  process.stdout.write(text);
}

async function watch(options: CountOptions, everyMs: number, limit: number | undefined, json: boolean): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const forget = onStdoutClosed(onSignal);
  let previous: StateCounts | undefined;
  const started = Date.now();
  try {
    for (let n = 1; !stop.signal.aborted && (limit === undefined || n <= limit); n++) {
      const counts = await countSockets(options);
      const order = rankStates(counts, previous ? rankStates(previous) : []);
      const at = new Date();
      if (json) {
        const change = previous ? Object.fromEntries(order.map((s) => [s, counts[s] - previous![s]])) : undefined;
        write(JSON.stringify({ at: at.toISOString(), ...counted(counts, order), ...(change ? { change, totalChange: totalOf(counts) - totalOf(previous!) } : {}) }) + '\n');
      } else {
        write(`${n > 1 ? '\n' : ''}${at.toTimeString().slice(0, 8)}  refresh ${n}, every ${everyMs} ms\n${formatCounts(counts, order, previous)}`);
      }
      previous = counts;
      if (limit !== undefined && n >= limit) break;
      const wait = started + n * everyMs - Date.now();
      await sleep(Math.max(0, wait), undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    forget();
  }
  return 0;
}

/** `tcplab count ...`: prints, returns the exit code; bad input throws UsageError. */
export async function countCommand(argv: string[]): Promise<number> {
  const { values } = withUsageErrors('count', () => parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      pid: { type: 'string' },
      netns: { type: 'string' },
      json: { type: 'boolean' },
      watch: { type: 'string' },
      count: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  if (values.help) {
    write(COUNT_USAGE);
    return 0;
  }
  const port = integerFlag('port', values.port, 1, 65535, 'a port number from 1 to 65535');
  const pid = integerFlag('pid', values.pid, 1, 2 ** 22, 'a process id');
  const netnsPid = integerFlag('netns', values.netns, 1, 2 ** 22, 'the id of a process whose network namespace to count in');
  const everyMs = integerFlag('watch', values.watch, 1, 86_400_000, 'a refresh period in whole milliseconds');
  const limit = integerFlag('count', values.count, 1, Number.MAX_SAFE_INTEGER, 'a positive number of refreshes');
  if (limit !== undefined && everyMs === undefined) throw new UsageError('`--count` goes with `--watch MS`: the number of refreshes to print');
  const options: CountOptions = {
    ...(port !== undefined ? { port } : {}),
    ...(pid !== undefined ? { pid } : {}),
    ...(netnsPid !== undefined ? { netns: { pid: netnsPid } } : {}),
  };
  try {
    if (everyMs !== undefined) return await watch(options, everyMs, limit, values.json ?? false);
    const counts = await countSockets(options);
    const order = rankStates(counts);
    const scope = { netns: netnsPid ?? (pid !== undefined ? pid : 'self'), ...(port !== undefined ? { port } : {}), ...(pid !== undefined ? { pid } : {}) };
    write(values.json ? JSON.stringify({ ...scope, ...counted(counts, order) }, null, 2) + '\n' : formatCounts(counts, order));
    return 0;
  } catch (error) {
    if (error instanceof InventoryError) throw new UsageError(error.message);
    throw error;
  }
}
