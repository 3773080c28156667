#!/usr/bin/env node
// The `tcplab` command: parses, validates everything up front, runs, reports; sets the exit
// code rather than exiting, so output is flushed.

import { parseCommand, UsageError, type Command } from './args.js';
import { CLOSED_PIPE_EXIT, stdoutClosed, watchStdout } from '../runner/closed-stdout.js';
import { USAGE } from './usage.js';
import { VERSION } from './version.js';

async function delegate(command: Extract<Command, { kind: 'delegate' }>['command'], argv: string[]): Promise<number> {
  switch (command) {
    case 'watch':
      return (await import('./watch.js')).watchCommand(argv);
    case 'tour':
      return (await import('./tour.js')).tourCommand(argv);
    case 'count':
      return (await import('./count.js')).countCommand(argv);
    case 'who':
      return (await import('./who.js')).whoCommand(argv);
    default: {
      const never: never = command;
      return never;
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv);
  switch (cmd.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case 'list':
      await (await import('./labs.js')).list(cmd.json);
      return 0;
    case 'run':
      return (await import('./labs.js')).run(cmd);
    case 'delegate':
      return delegate(cmd.command, cmd.argv);
    default: {
      const never: never = cmd;
      return never;
    }
  }
}

watchStdout();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = stdoutClosed() ? CLOSED_PIPE_EXIT : code;
  },
  (err: unknown) => {
    if (stdoutClosed()) {
      process.exitCode = CLOSED_PIPE_EXIT;
    } else if (err instanceof UsageError || (err instanceof Error && err.name === 'LabLoadError')) {
      process.stderr.write(`tcplab: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`tcplab: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 70;
    }
  },
);
