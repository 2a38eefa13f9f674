import { setTimeout as sleepFor } from 'node:timers/promises';

export interface RateScheduleOptions<TResult = unknown> {
  /** Names the schedule in logs, as the deployed schedule is named. */
  readonly name: string;
  /** Time between the end of one invocation and the start of the next. */
  readonly intervalMs: number;
  /**
   * *Local-only.* While the target reports it found nothing to do (`isIdle`),
   * the time between invocations doubles, from `intervalMs` up to this; the
   * first invocation that finds work brings it back to `intervalMs`. Absent:
   * always `intervalMs`, as a deployed schedule runs.
   */
  readonly idle?: {
    readonly maxIntervalMs: number;
    readonly isIdle: (result: TResult) => boolean;
  };
  /** The target: the function the schedule invokes, with no payload it needs. */
  readonly target: () => Promise<TResult>;
  readonly log?: (message: string) => void;
}

/**
 * The local stand-in for an EventBridge Scheduler `rate(...)` schedule with a
 * Lambda target. Invocations never overlap (a deployed sweeper may overlap
 * itself, which its idempotence makes harmless; here there is no need), a
 * failed invocation is logged and the next one comes on time, as Scheduler's
 * at-least-once delivery does: the target must be idempotent.
 */
export class RateSchedule<TResult = unknown> {
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** Invocations that ended, failed ones included. */
  invocations = 0;
  failures = 0;

  constructor(private readonly options: RateScheduleOptions<TResult>) {
    if (!(options.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
    if (options.idle !== undefined && !(options.idle.maxIntervalMs >= options.intervalMs)) {
      throw new RangeError('idle.maxIntervalMs must be >= intervalMs');
    }
  }

  get state(): 'running' | 'stopped' {
    return this.#loop !== undefined && !this.#abort.signal.aborted ? 'running' : 'stopped';
  }

  start(): void {
    if (this.#loop !== undefined) return;
    this.#loop = (async () => {
      const { intervalMs, idle } = this.options;
      let wait = intervalMs;
      while (!this.#abort.signal.aborted) {
        try {
          const result = await this.options.target();
          wait =
            idle?.isIdle(result) === true ? Math.min(idle.maxIntervalMs, wait * 2) : intervalMs;
        } catch (error) {
          wait = intervalMs;
          this.failures += 1;
          this.options.log?.(
            `schedule ${this.options.name}: invocation failed: ${(error as Error).message}`,
          );
        }
        this.invocations += 1;
        try {
          await sleepFor(wait, undefined, { signal: this.#abort.signal });
        } catch {
          return;
        }
      }
    })();
  }

  /** Stops; an invocation in progress finishes first. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }
}
