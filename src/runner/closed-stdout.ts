// When the reader of standard output goes away (`tcplab run --all | head -1`): every command
// stops as on Ctrl-C (its labs, namespaces and traces cleaned up), writes nothing more, and exits
// 141 (128 + SIGPIPE), the status of a command-line tool that SIGPIPE ended.

const stops = new Set<() => void>();
let closed = false;

/** The exit status after the reader went away. */
export const CLOSED_PIPE_EXIT = 141;

/** Whether the reader of stdout has gone away. */
export function stdoutClosed(): boolean {
  return closed;
}

/** Calls `stop` once the reader of stdout goes away (at once if it has); returns the function that forgets it. */
export function onStdoutClosed(stop: () => void): () => void {
  if (closed) stop();
  stops.add(stop);
  return () => stops.delete(stop);
}

/** Installs the one listener that turns EPIPE on stdout into a quiet stop instead of a crash. */
export function watchStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // After EPIPE the stream is destroyed: later writes fail too, and are just as quiet.
    if (err.code !== 'EPIPE' && !closed) throw err;
    if (closed) return;
    closed = true;
    process.exitCode = CLOSED_PIPE_EXIT;
    for (const stop of [...stops]) stop();
  });
}
