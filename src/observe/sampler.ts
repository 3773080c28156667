// The sampling loop: one observer read after another, a new one starting every `periodMs`
// (or as soon as the previous one ends when a read takes longer than that).

import { setTimeout as delay } from 'node:timers/promises';
import type { Observer } from './observer.js';
import type { KernelEvent } from './observer.js';
import type { SocketRow } from './row.js';

export interface SampleOut {
  startedMs: number;
  atMs: number;
  rows: SocketRow[];
  kernel?: KernelEvent[];
}

export class Sampler {
  private running = false;
  private loop: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  /** The error that stopped the loop, if one did. */
  failure: Error | undefined;
  count = 0;

  constructor(
    private readonly observer: Observer,
    private readonly ports: ReadonlySet<number>,
    private readonly now: () => number,
    private readonly deliver: (sample: SampleOut) => void,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      // Kernel events first: they all happened before this sample starts.
      const kernel = this.observer.drainKernel?.() ?? [];
      const startedMs = this.now();
      try {
        // Nothing of the lab's exists yet: an empty port set would mean the whole table.
        if (this.ports.size > 0) {
          const rows = await this.observer.sample(this.ports);
          const endedMs = this.now();
          this.count += 1;
          // The table is as of some moment in [startedMs, endedMs]: the end is the only time at
          // which the row is known to have existed, so that is when it counts as seen.
          this.deliver({ startedMs, atMs: endedMs, rows, ...(kernel.length > 0 ? { kernel } : {}) });
        }
      } catch (err) {
        this.failure = err as Error;
        this.running = false;
      }
      for (const w of this.waiters.splice(0)) w();
      const wait = this.observer.periodMs - (this.now() - startedMs);
      if (this.running && wait > 0) await delay(wait);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Resolves after the next complete sample (one that starts after this call). */
  async next(): Promise<void> {
    const target = this.count + 2;
    while (this.running && this.count < target && this.ports.size > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
