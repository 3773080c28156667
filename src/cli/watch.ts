// `tcplab watch`: every TCP state transition of a port, a process or the whole machine, live,
// in tcpstates' column order, until Ctrl-C or --duration; then a per-state summary.
// Exit status: 0 when a transition was seen, 1 when none was, 2 for bad input.

import { onStdoutClosed } from '../runner/closed-stdout.js';
import { spawn } from 'node:child_process';
import { mountedTracefs, traceUnavailable } from '../observe/tracefs.js';
import { header, line, summary, type WatchFormat } from '../watch/format.js';
import { pollSource, traceSource, WATCH_FEED, WATCH_IN_MOUNT_NS, type Selection, type WatchSource } from '../watch/sources.js';
import { StateClock } from '../watch/transitions.js';
import { monotonicMs } from '../observe/trace.js';
import { parseFlags, UsageError } from './args.js';


function parse(argv: string[]) {
  const values = parseFlags('watch', argv, {
    port: { type: 'string' as const }, pid: { type: 'string' as const }, all: { type: 'boolean' as const },
    json: { type: 'boolean' as const }, csv: { type: 'boolean' as const }, duration: { type: 'string' as const }, period: { type: 'string' as const },
    observer: { type: 'string' as const },
  });
  const chosen = [values.port !== undefined, values.pid !== undefined, values.all === true].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('watch needs exactly one of --port P, --pid N or --all');
  const int = (flag: string, raw: string, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`expected \`--${flag}\` to be an integer from 1 to ${max}, got \`${raw}\``);
    return n;
  };
  const sel: Selection = values.port !== undefined ? { kind: 'port', port: int('port', values.port, 65535) }
    : values.pid !== undefined ? { kind: 'pid', pid: int('pid', values.pid, 2 ** 22) } : { kind: 'all' };
  if (values.json && values.csv) throw new UsageError('give --json or --csv, not both');
  const format: WatchFormat = values.json ? 'json' : values.csv ? 'csv' : 'text';
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) throw new UsageError(`expected \`--duration\` to be a positive number of seconds, got \`${values.duration}\``);
  const period = values.period === undefined ? 10 : int('period', values.period, 60_000);
  const observer = values.observer ?? 'auto';
  if (!['auto', 'trace', 'proc'].includes(observer)) throw new UsageError(`watch: unknown observer \`${observer}\`; expected auto, trace or proc`);
  return { sel, format, duration, period, observer };
}

/** Re-runs this command in a private mount namespace, so a tracefs it mounts is never left behind. */
function inMountNamespace(argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('unshare', ['--mount', '--', process.execPath, process.argv[1]!, 'watch', ...argv], {
      stdio: 'inherit', env: { ...process.env, [WATCH_IN_MOUNT_NS]: '1' },
    });
    // Ctrl-C reaches both processes; a signal sent to this one alone is passed on.
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    // The reader of stdout went away: the child gets EPIPE too; make sure it stops.
    const forget = onStdoutClosed(() => child.kill('SIGTERM'));
    child.on('close', (code) => {
      forget();
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 1);
    });
  });
}

export async function watchCommand(argv: string[]): Promise<number> {
  const opts = parse(argv);
  const reason = traceUnavailable();
  if (opts.observer === 'trace' && reason) throw new UsageError(reason);
  const useTrace = opts.observer !== 'proc' && !reason;
  if (useTrace && !mountedTracefs() && process.env[WATCH_IN_MOUNT_NS] !== '1') return inMountNamespace(argv);

  const t0 = performance.now();
  const source: WatchSource = useTrace ? traceSource(opts.sel, opts.period, t0) : pollSource(opts.sel, opts.period, t0);
  const out = process.stdout;
  const info = opts.format === 'text' ? out : process.stderr;
  const what = opts.sel.kind === 'port' ? `port ${opts.sel.port}` : opts.sel.kind === 'pid' ? `process ${opts.sel.pid}` : 'every TCP socket';
  const head = header(opts.format);
  if (head) out.write(head + '\n');

  const feed = process.env[WATCH_FEED] === '1';
  const monoAtT0 = monotonicMs() - (performance.now() - t0);
  const clock = new StateClock();
  const counts = new Map<string, number>();
  let total = 0;
  await source.start((raw) => {
    const t = clock.stamp(raw);
    if (t.to === 'SYN_SENT' && t.local.port === 0 && opts.sel.kind !== 'all') return;
    total += 1;
    counts.set(t.to, (counts.get(t.to) ?? 0) + 1);
    out.write((feed ? JSON.stringify({ ...t, monoMs: t.atMs + monoAtT0 }) : line(t, opts.format)) + '\n');
  });
  let flushes = 0;
  const flush = () => void source.flush().then(() => out.write(`{"flushed":${++flushes}}\n`));
  if (feed) process.on('SIGUSR1', flush);
  info.write(`watching ${what} through ${source.description}${useTrace || opts.observer === 'proc' ? '' : ` (${reason})`}; Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    // Handlers stay installed: a second Ctrl-C must not kill the process before it cleans up.
    const end = () => resolve();
    process.on('SIGINT', end);
    process.on('SIGTERM', end);
    onStdoutClosed(end);
    if (opts.duration !== undefined) setTimeout(end, opts.duration * 1000).unref();
    // Fed to observe(): the end of stdin means the observing process is gone.
    if (feed) process.stdin.on('end', end).resume();
  });
  if (feed) process.stdin.destroy();
  process.off('SIGUSR1', flush);
  await source.stop();
  info.write(summary(counts, total, useTrace ? 'trace' : 'proc polling', (performance.now() - t0) / 1000) + '\n');
  return total > 0 ? 0 : 1;
}
