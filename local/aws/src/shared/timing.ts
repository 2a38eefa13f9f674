import { setTimeout as delay } from 'node:timers/promises';

/** How a poller spaces its retries: an exponentially growing ceiling, capped. */
export interface RetryPolicy {
  /** Ceiling of the first retry's delay, in milliseconds. */
  readonly baseMs: number;
  /** Largest delay, in milliseconds. */
  readonly maxMs: number;
}

/**
 * The delay before retry `attempt` (1 for the first): a uniform draw below a
 * doubling, capped ceiling ("full jitter"), so pollers that failed together
 * do not retry together.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const doublings = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.floor(random() * Math.min(policy.maxMs, policy.baseMs * 2 ** doublings));
}

/** Waits `ms`, or less when `signal` aborts; never rejects, so every wait is also a stop point. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await delay(ms, undefined, { signal }).catch((error: unknown) => {
    if ((error as { name?: string }).name !== 'AbortError') throw error;
  });
}
