// Command-line parsing and validation: every mistake becomes one line that says what to do.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Family } from '../lab/define.js';

/** Bad input: the CLI prints `tcplab: <message>` and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;

/** The values of parsed flags: strings and booleans by their spec, absent when not given. */
export type FlagValues<T extends FlagSpec> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

/** Parses a sub-command's flags (strict); any mistake becomes one UsageError line. */
export function parseFlags<T extends FlagSpec>(command: string, argv: string[], options: T): FlagValues<T> {
  try {
    return parseArgs({ args: argv, strict: true, options }).values as FlagValues<T>;
  } catch (err) {
    const m = /Unknown option '([^']+)'|Unexpected argument '([^']+)'/.exec((err as Error).message);
    if (m) throw new UsageError(`${command}: unknown ${m[1] ? `flag ${m[1]}` : `argument ${m[2]}`}; see \`tcplab --help\``);
    throw new UsageError(`${command}: ${(err as Error).message.split('\n')[0]}; see \`tcplab --help\``);
  }
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'list'; json: boolean }
  | { kind: 'delegate'; command: 'watch' | 'count' | 'who' | 'tour'; argv: string[] }
  | {
      kind: 'run'; labs: string[]; all: boolean; long: boolean; netns: boolean; observer: string; family: Family; periodMs?: number; timeoutMs?: number;
      /** Capture each lab's segments (`--no-capture` turns it off), and where pcap files go (`--pcap DIR`). */
      capture: boolean;
      pcapDir?: string;
      /** Reporters in the order given; one without a file writes to stdout. */
      reporters: Reporter[];
      /** The self-contained HTML report's file (`--report`). */
      htmlFile?: string;
    };

export type ReporterName = 'human' | 'json' | 'junit' | 'github';
export interface Reporter {
  name: ReporterName;
  file?: string;
}

const REPORTERS: readonly ReporterName[] = ['human', 'json', 'junit', 'github'];

/** A file a report will be written to: its folder must exist now, so that nothing runs in vain. */
export function outputFile(flag: string, file: string): string {
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag}: folder ${path.dirname(file)} does not exist; create it or write the report elsewhere`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag}: ${file} is a folder; give a file name`);
  return file;
}

/** A folder files will be written to: it must exist now (an absolute path, for the labs' processes). */
function outputFolder(flag: string, dir: string): string {
  if (!existsSync(dir)) throw new UsageError(`${flag}: folder ${dir} does not exist; create it first (mkdir -p ${dir})`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${dir} is a file; give a folder`);
  return path.resolve(dir);
}

/** `--reporter NAME[:FILE]` (repeatable) and `--json`: which reports go where, checked up front. */
export function parseReporters(specs: string[], json: boolean): Reporter[] {
  const out: Reporter[] = [];
  for (const spec of specs) {
    const at = spec.indexOf(':');
    const name = at < 0 ? spec : spec.slice(0, at);
    if (!(REPORTERS as readonly string[]).includes(name)) throw new UsageError(`unknown reporter \`${name}\`; expected human, json, junit or github (optionally NAME:FILE)`);
    const file = at < 0 ? undefined : spec.slice(at + 1);
    if (file === '') throw new UsageError(`--reporter ${name}: needs a file name after the colon, or no colon for standard output`);
    out.push({ name: name as ReporterName, ...(file !== undefined ? { file: outputFile(`--reporter ${name}`, file) } : {}) });
  }
  if (json) out.push({ name: 'json' });
  const onStdout = out.filter((r) => !r.file && r.name !== 'github').map((r) => r.name);
  if (new Set(onStdout).size > 1 || onStdout.length > new Set(onStdout).size) {
    throw new UsageError(`only one report can go to standard output, got ${onStdout.join(' and ')}; send the others to files (--reporter junit:results.xml)`);
  }
  // The human report is the default on standard output, unless another report takes it.
  if (onStdout.length === 0) out.unshift({ name: 'human' });
  return out;
}

const FAMILIES: readonly Family[] = ['4', '6', 'mapped'];

function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`expected \`--${flag}\` to be a positive number of milliseconds, got \`${raw}\``);
  return n;
}

/** Commands that parse their own flags. */
const DELEGATED = ['watch', 'count', 'who', 'tour'] as const;

export function parseCommand(argv: string[]): Command {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first && (DELEGATED as readonly string[]).includes(first) && !argv.includes('--help') && !argv.includes('-h')) {
    const at = argv.indexOf(first);
    return { kind: 'delegate', command: first as (typeof DELEGATED)[number], argv: [...argv.slice(0, at), ...argv.slice(at + 1)] };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        reporter: { type: 'string', multiple: true },
        report: { type: 'string' },
        all: { type: 'boolean' },
        long: { type: 'boolean' },
        'no-netns': { type: 'boolean' },
        'no-capture': { type: 'boolean' },
        pcap: { type: 'string' },
        observer: { type: 'string' },
        family: { type: 'string' },
        period: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    const m = /Unknown option '([^']+)'/.exec((err as Error).message);
    if (m) throw new UsageError(`unknown flag ${m[1]}; see \`tcplab --help\``);
    const a = /Option '([^']+)' argument is ambiguous/.exec((err as Error).message);
    if (a) throw new UsageError(`a value of ${a[1]} that starts with '-' must be written ${a[1]}=VALUE; see \`tcplab --help\``);
    const v = /Option '([^']+?)(?: <value>)?' argument missing/.exec((err as Error).message);
    if (v) throw new UsageError(`flag ${v[1]!.replace(/^-\w, /, '')} needs a value; see \`tcplab --help\``);
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; see \`tcplab --help\``);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
  switch (command) {
    case undefined:
      throw new UsageError('no command given; try `tcplab list` or `tcplab run <lab>`, or see `tcplab --help`');
    case 'help':
      return { kind: 'help' };
    case 'list':
      if (rest.length > 0) throw new UsageError(`\`list\` takes no arguments, got \`${rest.join(' ')}\``);
      return { kind: 'list', json: values.json ?? false };
    case 'run': {
      // Checked, with the tool's availability, by pickObserver before anything runs.
      const observer = values.observer ?? 'auto';
      const family = values.family ?? '4';
      if (!(FAMILIES as readonly string[]).includes(family)) {
        throw new UsageError(`unknown family \`${family}\`; expected 4, 6 or mapped`);
      }
      if (!values.all && rest.length === 0) throw new UsageError('`run` needs lab names or files, or --all; `tcplab list` shows the labs');
      if (values.all && rest.length > 0) throw new UsageError('give lab names or --all, not both');
      const periodMs = positiveNumber('period', values.period);
      const timeoutMs = positiveNumber('timeout', values.timeout);
      const reporters = parseReporters(values.reporter ?? [], values.json ?? false);
      const htmlFile = values.report === undefined ? undefined : outputFile('--report', values.report);
      const pcapDir = values.pcap === undefined ? undefined : outputFolder('--pcap', values.pcap);
      if (pcapDir !== undefined && values['no-capture']) throw new UsageError('--pcap writes the capture, which --no-capture turns off; give one of them');
      return {
        kind: 'run', labs: rest, all: values.all ?? false, long: values.long ?? false, netns: !values['no-netns'],
        observer, family: family as Family, reporters,
        ...(periodMs !== undefined ? { periodMs } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(htmlFile !== undefined ? { htmlFile } : {}),
        capture: !values['no-capture'], ...(pcapDir !== undefined ? { pcapDir } : {}),
      };
    }
    default:
      throw new UsageError(`unknown command \`${command}\`; expected list, run, tour, watch, count or who (see \`tcplab --help\`)`);
  }
}
