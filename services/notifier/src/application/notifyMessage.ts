import { type Clock, type Logger, type MetricsSink, MetricUnit } from '@atm-ledger/runtime';
import type { Context, SQSRecord } from 'aws-lambda';
import { type NotificationKind, notificationsFor, subjectOf } from '../domain/index.js';
import { parseLedgerEventMessage } from '../messages.js';
import type { IdempotencyStore, NotificationChannel } from '../ports.js';
import { deliverOnce } from './deliverOnce.js';

export interface NotifierSettings {
  /** The kinds this deployment sends (`NOTIFIER_KINDS`); the others are left to its sibling. */
  readonly kinds: ReadonlySet<NotificationKind>;
  readonly largeWithdrawalThreshold: number;
  /**
   * How long a claim holds when the invocation has no Lambda context. In
   * Lambda it holds for the invocation's remaining time, as Powertools does:
   * once the function would have been killed, a retry may take it over.
   */
  readonly inProgressMs: number;
  /** Messages of one batch processed at once. */
  readonly concurrency: number;
}

export interface NotifierDeps {
  readonly idempotency: IdempotencyStore;
  readonly channel: NotificationChannel;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: NotifierSettings;
  /** Waits between attempts to mark a sent notification completed; tests pass one that moves their clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * CloudWatch metrics (EMF), published once per invocation:
   * `MessagesProcessed`, `NotificationsSent`, `NotificationsDuplicate` (suppressed),
   * `NotificationsInFlight`, `NotificationsFailed`, `NotificationsTakenOver`
   * (sent after an expired claim: possibly a second time, worth an alarm) and
   * `MessagesUnprocessable`.
   */
  readonly metrics?: MetricsSink;
}

/**
 * One message of a notifier's queue: the ledger event it holds, and each
 * notification that event calls for, sent at most once (see `deliverOnce`).
 * True when the message is done with (sent, suppressed, or nothing to send);
 * false when it must come back (a notification failed, or another invocation
 * is sending it), and those already sent are skipped then.
 */
export async function notifyMessage(
  deps: NotifierDeps,
  record: SQSRecord,
  context: Context | undefined,
): Promise<boolean> {
  // Always one metric per message, so a batch never publishes an empty set (Powertools warns).
  deps.metrics?.addMetric('MessagesProcessed', MetricUnit.Count, 1);
  const parsed = parseLedgerEventMessage(record.body);
  if (!parsed.ok) {
    deps.metrics?.addMetric('MessagesUnprocessable', MetricUnit.Count, 1);
    deps.logger.error('unprocessable message; failing it so the redrive policy dead-letters it', {
      messageId: record.messageId,
      reason: parsed.reason,
      approximateReceiveCount: record.attributes.ApproximateReceiveCount,
      eventSourceARN: record.eventSourceARN,
    });
    return false;
  }
  const { event, envelope } = parsed;
  const ids = {
    correlationId: event.correlationId ?? Object.values(subjectOf(event))[0],
    messageId: record.messageId,
    eventId: event.id,
    eventType: event.type,
    ...subjectOf(event),
    ...(envelope.eventBridge?.id === undefined ? {} : { eventBridgeId: envelope.eventBridge.id }),
    ...(envelope.sns?.messageId === undefined ? {} : { snsMessageId: envelope.sns.messageId }),
  };
  const notifications = notificationsFor(event, {
    largeWithdrawalThreshold: deps.settings.largeWithdrawalThreshold,
    kinds: deps.settings.kinds,
    now: deps.clock.now(),
  });
  if (notifications.length === 0) {
    deps.logger.debug('nothing to notify', ids);
    return true;
  }
  const inProgressMs =
    context === undefined
      ? deps.settings.inProgressMs
      : Math.max(1_000, context.getRemainingTimeInMillis());
  let ok = true;
  for (const notification of notifications) {
    const about = {
      ...ids,
      notificationId: notification.notificationId,
      kind: notification.kind,
      accountId: notification.accountId,
      channel: deps.channel.name,
    };
    try {
      const outcome = await deliverOnce(deps, notification, { inProgressMs });
      switch (outcome.kind) {
        case 'Sent':
          deps.metrics?.addMetric('NotificationsSent', MetricUnit.Count, 1);
          if (outcome.tookOver) {
            deps.metrics?.addMetric('NotificationsTakenOver', MetricUnit.Count, 1);
            deps.logger.warn(
              'took over an expired claim: this notification may have been sent twice',
              about,
            );
          }
          if (outcome.completion === 'ClaimLost') {
            deps.logger.warn(
              'claim expired while sending: another sender may send it again',
              about,
            );
          } else if (outcome.completion === 'Failed') {
            deps.logger.warn('sent, but not marked completed; the claim will expire', {
              ...about,
              error: outcome.completionError as Error,
            });
          }
          if (outcome.result.kind === 'NoDestination') {
            deps.logger.warn(
              'no destination for this account on this channel; nothing sent',
              about,
            );
          } else {
            deps.logger.info('notification sent', {
              ...about,
              reference: outcome.result.reference,
            });
          }
          break;
        case 'Duplicate':
          deps.metrics?.addMetric('NotificationsDuplicate', MetricUnit.Count, 1);
          deps.logger.info('duplicate suppressed: already sent', {
            ...about,
            completedAt: outcome.completedAt,
          });
          break;
        case 'InFlight':
          deps.metrics?.addMetric('NotificationsInFlight', MetricUnit.Count, 1);
          deps.logger.info('being sent by another invocation; retrying the message later', {
            ...about,
            inProgressUntil: outcome.inProgressUntil.toISOString(),
          });
          ok = false;
          break;
        default: {
          const unknown: never = outcome;
          throw new Error(`unexpected outcome ${JSON.stringify(unknown)}`);
        }
      }
    } catch (error) {
      deps.metrics?.addMetric('NotificationsFailed', MetricUnit.Count, 1);
      deps.logger.error('notification not sent; the message will be retried', {
        ...about,
        error: error as Error,
      });
      ok = false;
    }
  }
  return ok;
}
