// A one-line progress bar on a terminal, drawn by cli-progress: the run's long waits (2MSL,
// retransmission backoff, a pile-up) and the tour's labs. Callers create it only when the stream
// is a TTY and the output is for people (never with --json).

import cliProgress from 'cli-progress';

export class ProgressBar {
  private bar: cliProgress.SingleBar | undefined;

  /** `unit` follows the numbers (`s`, `labs`). */
  constructor(private readonly stream: NodeJS.WriteStream, private readonly unit: string) {}

  /** Shows the bar, or moves it: `value` of `total`, and a text after it (cut by the caller to fit). */
  update(value: number, total: number, text: string): void {
    const t = Math.max(1, Math.round(total));
    const v = Math.min(t, Math.max(0, Math.round(value)));
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        format: `{bar} {value}/{total} ${this.unit}  {text}`,
        barsize: 16,
        hideCursor: true,
        clearOnComplete: true,
        linewrap: false,
        fps: 5,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(t, v, { text });
    } else {
      this.bar.setTotal(t);
      this.bar.update(v, { text });
    }
  }

  /** Room left for the text on this terminal, in columns. */
  textRoom(total: number): number {
    return (this.stream.columns || 80) - 1 - 16 - 2 * String(Math.round(total)).length - this.unit.length - 5;
  }

  /** Erases the bar (idempotent), before a report is printed. */
  stop(): void {
    if (!this.bar) return;
    this.bar.stop();
    this.bar = undefined;
  }
}
