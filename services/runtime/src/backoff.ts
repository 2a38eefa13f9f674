/** Exponential backoff settings; see {@link backoffDelayMs}. */
export interface BackoffPolicy {
  /** Delay ceiling for the first retry, in milliseconds. */
  readonly baseMs: number;
  /** Upper bound of any single delay, in milliseconds. */
  readonly maxMs: number;
}

/**
 * "Full jitter": a uniform draw below an exponentially growing, capped
 * ceiling. Callers that fail together (writers contending for one account,
 * shards retrying against one dependency) spread out instead of retrying in
 * lock-step, which is what keeps a throttled dependency throttled.
 *
 * @param attempt 1 for the first retry.
 * @param random the jitter source; tests pass one that is not random.
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  // Past 2^30 the ceiling is the cap anyway; the bound keeps the power finite.
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * Resolves after `ms`, or early (without rejecting) when `signal` aborts, so
 * every wait in a poll or retry loop doubles as a stop point.
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
