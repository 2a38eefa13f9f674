import { setTimeout as sleepFor } from 'node:timers/promises';
import type { BatchJobReport, BatchWindow } from './job.js';

export interface BatchSchedulerOptions {
  /** The batch interval: 3,600,000 in production, compressed (e.g. 20 s) for a local run. */
  readonly intervalMs: number;
  /** Windows are [origin + k·interval, origin + (k+1)·interval); 0 aligns them on the clock (on the hour). */
  readonly origin?: number;
  /**
   * How long after a window closes its run starts. A request that took its
   * arrival time just before the boundary may still be writing; legacy jobs
   * start a few minutes past the hour for the same reason.
   */
  readonly graceMs?: number;
  readonly job: (window: BatchWindow) => Promise<BatchJobReport>;
  readonly onRun?: (report: BatchJobReport) => void;
  readonly now?: () => number;
}

/**
 * Runs the batch job once per interval, on the interval's boundaries, each
 * run for the window that just closed. Runs never overlap and no window is
 * skipped: a run that overruns the next boundary delays the next run.
 */
export class BatchScheduler {
  readonly runs: BatchJobReport[] = [];
  readonly #abort = new AbortController();
  #lastArrivalAt: number | undefined;
  #loop: Promise<void> | undefined;

  constructor(private readonly options: BatchSchedulerOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
  }

  start(): void {
    if (this.#loop !== undefined) return;
    const now = this.options.now ?? Date.now;
    const { intervalMs } = this.options;
    const origin = this.options.origin ?? 0;
    // The first window is the one under way, or the first one after `origin` if that is still ahead.
    let boundary = origin + Math.max(1, Math.floor((now() - origin) / intervalMs) + 1) * intervalMs;
    this.#loop = (async () => {
      for (;;) {
        const windowStart = boundary - intervalMs;
        if (this.#lastArrivalAt !== undefined && windowStart > this.#lastArrivalAt) return;
        const wait = boundary + (this.options.graceMs ?? 500) - now();
        if (wait > 0) {
          try {
            await sleepFor(wait, undefined, { signal: this.#abort.signal });
          } catch {
            return;
          }
        }
        if (this.#abort.signal.aborted) return;
        const report = await this.options.job({
          from: new Date(windowStart),
          to: new Date(boundary),
        });
        this.runs.push(report);
        this.options.onRun?.(report);
        boundary += intervalMs;
      }
    })();
  }

  /**
   * Lets the schedule run until the window holding `lastArrivalAt` has closed
   * and been run, as the legacy system would, then resolves.
   */
  async drain(lastArrivalAt: number): Promise<void> {
    this.#lastArrivalAt = lastArrivalAt;
    await this.#loop;
  }

  /** Stops at once; a run in progress finishes first. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }
}
