import { backoffDelayMs, type Clock, sleep } from '@atm-ledger/runtime';
import type { Notification } from '../domain/index.js';
import type {
  Claim,
  DeliveryResult,
  IdempotencyStore,
  NotificationChannel,
  SettleOutcome,
} from '../ports.js';

/** What became of one notification. */
export type DeliveryOutcome =
  /** Sent now. `tookOver`: an earlier, expired claim may have sent it too. */
  | {
      readonly kind: 'Sent';
      readonly result: DeliveryResult;
      readonly tookOver: boolean;
      /**
       * `ClaimLost`: our claim expired while sending and someone else took the
       * key, so they may send it again. `Failed`: the record could not be
       * marked; it stays INPROGRESS until it expires (see {@link deliverOnce}).
       */
      readonly completion: 'Completed' | 'ClaimLost' | 'Failed';
      readonly completionError?: unknown;
    }
  /** Sent before: suppressed. */
  | { readonly kind: 'Duplicate'; readonly completedAt: string | undefined }
  /** Another sender holds it right now: try again later. */
  | { readonly kind: 'InFlight'; readonly inProgressUntil: Date };

/**
 * How hard the completion write is retried (each attempt is one call with the
 * SDK's own retries inside). Delays are drawn below a ceiling that doubles from
 * `firstDelayMs`; no attempt starts later than `marginMs` before the claim
 * expires, which is what bounds the waits.
 */
export interface CompletionRetry {
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly marginMs: number;
}

export const DEFAULT_COMPLETION_RETRY: CompletionRetry = {
  attempts: 6,
  firstDelayMs: 200,
  marginMs: 1_000,
};

export interface DeliverOnceDeps {
  readonly idempotency: IdempotencyStore;
  readonly channel: NotificationChannel;
  readonly clock: Clock;
  /** Waits between completion attempts; tests pass one that moves their clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The backoff's jitter source; `Math.random` when absent. */
  readonly random?: () => number;
}

/**
 * Sends a notification at most once per id within the store's time to live:
 * claim, send, mark completed. A failed send releases the claim and rethrows,
 * so the message's retry can send it.
 *
 * The one way to a duplicate is a sent notification whose record stays
 * INPROGRESS: a retry takes the expired claim over and sends again. A crash
 * between the send and the completion does that, and so would a completion
 * write that failed once and was left. So the completion is retried, with
 * backoff, for as long as the claim is ours (nobody can take it over before
 * `inProgressUntil`): a throttled or failing store no longer turns into a
 * second notification unless it stays down for the whole claim.
 *
 * Once the channel accepted it, the notification counts as sent even if the
 * completion never lands: failing the message instead would have its retry
 * wait for the claim to expire and then send a second time for certain.
 */
export async function deliverOnce(
  deps: DeliverOnceDeps,
  notification: Notification,
  options: { readonly inProgressMs: number; readonly completionRetry?: CompletionRetry },
): Promise<DeliveryOutcome> {
  const claimed = await deps.idempotency.claim(notification.notificationId, options);
  switch (claimed.kind) {
    case 'AlreadyCompleted':
      return { kind: 'Duplicate', completedAt: claimed.completedAt };
    case 'InFlight':
      return { kind: 'InFlight', inProgressUntil: claimed.inProgressUntil };
    case 'Claimed':
      break;
    default: {
      const unknown: never = claimed;
      return unknown;
    }
  }
  let result: DeliveryResult;
  try {
    result = await deps.channel.send(notification);
  } catch (error) {
    // Best effort: if the release fails too, the claim expires and a retry takes it over.
    await deps.idempotency.release(claimed.claim).catch(() => undefined);
    throw error;
  }
  const sent = { kind: 'Sent', result, tookOver: claimed.tookOver } as const;
  try {
    const settled = await completeWhileHeld(
      deps,
      claimed.claim,
      options.completionRetry ?? DEFAULT_COMPLETION_RETRY,
    );
    return { ...sent, completion: settled.kind === 'Settled' ? 'Completed' : 'ClaimLost' };
  } catch (error) {
    return { ...sent, completion: 'Failed', completionError: error };
  }
}

async function completeWhileHeld(
  deps: DeliverOnceDeps,
  claim: Claim,
  retry: CompletionRetry,
): Promise<SettleOutcome> {
  const wait = deps.sleep ?? sleep;
  // Jittered, so notifiers whose completions a throttled table refused together do not retry together.
  const backoff = { baseMs: retry.firstDelayMs, maxMs: Number.POSITIVE_INFINITY };
  const lastStart = claim.inProgressUntil.getTime() - retry.marginMs;
  for (let attempt = 1; ; attempt++) {
    try {
      // A retry after an attempt that landed unseen comes back Settled (the store checks the token).
      return await deps.idempotency.complete(claim);
    } catch (error) {
      const delay = backoffDelayMs(backoff, attempt, deps.random);
      if (attempt >= retry.attempts || deps.clock.now().getTime() + delay > lastStart) throw error;
      await wait(delay);
    }
  }
}
