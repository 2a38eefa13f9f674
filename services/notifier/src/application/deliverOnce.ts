import type { Notification } from '../domain/index.js';
import type { DeliveryResult, IdempotencyStore, NotificationChannel } from '../ports.js';

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
 * Sends a notification at most once per id within the store's time to live:
 * claim, send, mark completed. A failed send releases the claim and rethrows,
 * so the message's retry can send it; a crash between the send and the
 * completion leaves the claim to expire, after which a retry sends again.
 * That window (at most `inProgressMs`) is the only way to a duplicate.
 *
 * Once the channel accepted it, the notification counts as sent even if the
 * completion write fails: failing the message instead would have its retry
 * wait for the claim to expire and then send a second time.
 */
export async function deliverOnce(
  deps: { readonly idempotency: IdempotencyStore; readonly channel: NotificationChannel },
  notification: Notification,
  options: { readonly inProgressMs: number },
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
    const settled = await deps.idempotency.complete(claimed.claim);
    return { ...sent, completion: settled.kind === 'Settled' ? 'Completed' : 'ClaimLost' };
  } catch (error) {
    return { ...sent, completion: 'Failed', completionError: error };
  }
}
