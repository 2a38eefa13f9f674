/** Exponential backoff settings; see {@link backoffDelayMs}. */
export interface BackoffPolicy {
  /** Delay ceiling for the first retry, in milliseconds. */
  readonly baseMs: number;
  /** Upper bound of any single delay, in milliseconds. */
  readonly maxMs: number;
}

/**
 * "Full jitter": a uniform draw below an exponentially growing, capped
 * ceiling. Spreading retries out keeps several failing shards from retrying
 * in lock-step against the same downstream dependency.
 *
 * @param attempt 1 for the first retry.
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * Resolves after `ms`, or early (without rejecting) when `signal` aborts, so
 * every wait in a poll loop doubles as a stop point.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A promise whose resolution other code can trigger; used to wake a waiting
 * lane when records arrive instead of polling an in-memory queue.
 */
export class Signal {
  #waiters: Array<() => void> = [];

  /** Resolves on the next {@link notify}, after `timeoutMs`, or on abort. */
  wait(timeoutMs: number, abort?: AbortSignal): Promise<void> {
    if (abort?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', done);
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      abort?.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
