// `tcplab who PORT`: the processes holding sockets on a port, and in which state (what
// `ss -tanp` and `netstat -anp | grep PORT` show); sockets no process holds are listed as such,
// with why. Exit status 1 when no process holds the port, so scripts can test it.

import { parseArgs } from 'node:util';
import { formatEndpoint, type Endpoint } from '../observe/row.js';
import { InventoryError } from '../inventory/error.js';
import { userName } from '../inventory/owners.js';
import { whoHolds, type NoHolder, type PortHolders, type PortSocket } from '../inventory/port-holders.js';
import { UsageError } from './args.js';
import { integerFlag, withUsageErrors } from './count.js';

export const WHO_USAGE = `Usage: tcplab who PORT [--netns PID] [--json]

The processes holding sockets on PORT (local or remote), and in which state: pid, user, fd,
state, local and remote address, command line. Sockets no process holds (TIME_WAIT, handshakes,
the accept queue, orphans) are listed with the reason.
  --netns PID    look in the network namespace of process PID
  --json         one JSON document
Exit status: 0 a process holds the port, 1 none does, 2 bad input.
`;

const NO_HOLDER_TEXT: Record<Exclude<NoHolder, 'unreadable'>, string> = {
  'time-wait': '(no process: TIME_WAIT, kept by the kernel until it expires)',
  request: '(no process: handshake in progress, a request socket)',
  'accept-queue': '(no process yet: in the accept queue, not accept()ed)',
  orphan: '(no process: closed by its process, the kernel finishes the close)',
  'no-fd': '(no process has it open: held by the kernel, or just closed)',
};

function endpoint(e: Endpoint): string {
  return e.port === 0 ? formatEndpoint(e).replace(/:0$/, ':*') : formatEndpoint(e);
}

function commandText(s: PortSocket, holder: PortSocket['holders'][number] | undefined): string {
  // A command line may hold newlines and tabs (`node -e '...'`): one line per socket here.
  if (holder) return holder.command.replace(/ *[\x00-\x1f\x7f]+ */g, ' ').trim();
  const why = s.noHolder ?? 'no-fd';
  return why === 'unreadable' ? `(a process of ${userName(s.uid)} this user cannot see)` : NO_HOLDER_TEXT[why];
}

/** One line per (socket, holder), columns sized to their content; long commands cut on a TTY. */
export function formatHolders(report: PortHolders, columns?: number): string {
  const rows: string[][] = [['PID', 'USER', 'FD', 'STATE', 'LOCAL', 'REMOTE', 'COMMAND']];
  for (const s of report.sockets) {
    const holders = s.holders.length > 0 ? s.holders : [undefined];
    for (const h of holders) {
      rows.push([h ? String(h.pid) : '-', h ? h.user : '-', h ? String(h.fd) : '-', s.state, endpoint(s.local), endpoint(s.remote), commandText(s, h)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => {
    let line = r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
    if (columns && line.length > columns) line = `${line.slice(0, columns - 1)}…`;
    return line;
  });
  const unattributed = report.sockets.filter((s) => s.noHolder === 'unreadable');
  if (unattributed.length > 0) {
    const owners = [...new Set(unattributed.map((s) => `${userName(s.uid)} (uid ${s.uid})`))].join(', ');
    const me = userName(process.geteuid?.() ?? 0);
    lines.push('', `${unattributed.length} socket${unattributed.length === 1 ? '' : 's'} could not be attributed: they belong to ${owners}, and user ${me} ` +
      `cannot read the /proc/PID/fd of other users' processes (${report.unreadableProcesses} of them); run as root to see them`);
  }
  return lines.join('\n') + '\n';
}

/** The JSON document: endpoints as `addr:port` strings, the rest as found. */
export function holdersJson(report: PortHolders, netns: number | 'self'): object {
  return {
    port: report.port,
    netns,
    held: report.held,
    unattributed: report.sockets.filter((s) => s.noHolder === 'unreadable').length,
    unreadableProcesses: report.unreadableProcesses,
    sockets: report.sockets.map((s) => ({ ...s, local: formatEndpoint(s.local), remote: formatEndpoint(s.remote) })),
  };
}

/** `tcplab who PORT ...`: prints, returns the exit code; bad input throws UsageError. */
export async function whoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = withUsageErrors('who', () => parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      netns: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  if (values.help) {
    process.stdout.write(WHO_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? '`who` needs a port, e.g. `tcplab who 8080`' : `\`who\` takes one port, got \`${positionals.join(' ')}\``);
  }
  const raw = positionals[0]!;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) throw new UsageError(`expected PORT to be a port number from 1 to 65535, got \`${raw}\``);
  const netnsPid = integerFlag('netns', values.netns, 1, 2 ** 22, 'the id of a process whose network namespace to look in');
  let report: PortHolders;
  try {
    report = await whoHolds(port, netnsPid !== undefined ? { netns: { pid: netnsPid } } : {});
  } catch (error) {
    if (error instanceof InventoryError) throw new UsageError(error.message);
    throw error;
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(holdersJson(report, netnsPid ?? 'self'), null, 2) + '\n');
  } else if (report.sockets.length === 0) {
    process.stdout.write(`no socket on port ${port}\n`);
  } else {
    process.stdout.write(formatHolders(report, process.stdout.isTTY ? process.stdout.columns : undefined));
    if (!report.held) process.stdout.write(`no process holds port ${port}\n`);
  }
  return report.held ? 0 : 1;
}
