// Command-line parsing and validation: every mistake becomes one line that says what to do.

import { parseArgs } from 'node:util';
import type { Family } from '../lab/define.js';

/** Bad input: the CLI prints `tcplab: <message>` and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;

/** Parses a sub-command's flags (strict); any mistake becomes one UsageError line. */
/** The values of parsed flags: strings and booleans by their spec, absent when not given. */
export type FlagValues<T extends FlagSpec> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

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
  | { kind: 'run'; labs: string[]; all: boolean; long: boolean; json: boolean; netns: boolean; observer: string; family: Family; periodMs?: number; timeoutMs?: number };

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
        all: { type: 'boolean' },
        long: { type: 'boolean' },
        'no-netns': { type: 'boolean' },
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
      return {
        kind: 'run', labs: rest, all: values.all ?? false, long: values.long ?? false, json: values.json ?? false, netns: !values['no-netns'],
        observer, family: family as Family,
        ...(periodMs !== undefined ? { periodMs } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      };
    }
    default:
      throw new UsageError(`unknown command \`${command}\`; expected list, run, tour, watch, count or who (see \`tcplab --help\`)`);
  }
}
