import {
  type Clock,
  type Logger,
  type MetricsSink,
  MetricUnit,
  processInLanes,
} from '@atm-ledger/runtime';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deliverOnce } from '../application/deliverOnce.js';
import { type NotificationKind, notificationsFor } from '../domain/index.js';
import { parseLedgerEventMessage } from '../messages.js';
import type { IdempotencyStore, NotificationChannel } from '../ports.js';

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
 * The notifier's SQS consumer (ReportBatchItemFailures). Each message holds
 * one ledger event; each notification it calls for is sent at most once
 * (see `deliverOnce`). A message is reported failed, and so retried after its
 * visibility timeout, when any of its notifications failed or is being sent
 * by someone else; on the retry the ones already sent are skipped.
 *
 * A message that can never be processed (not JSON, not a ledger event this
 * version knows) is logged with its reason and reported failed too, so the
 * queue's redrive policy moves it, untouched, to the dead-letter queue after
 * `maxReceiveCount` receives. Sending it there ourselves and deleting it
 * would need the DLQ's URL here and a second write that can fail on its own;
 * the redrive policy already does it atomically and keeps the original body
 * and receive count, and the most likely cause, an event type newer than
 * this notifier, is fixed by deploying and redriving. The reason is in the
 * log under the message id.
 */
export function makeSqsHandler(deps: NotifierDeps) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context !== undefined) deps.logger.addContext(context);
    // Each message is a lane of its own: one ledger event, whose notifications need no order.
    const { failed } = await processInLanes(event.Records, {
      laneOf: (record) => record.messageId,
      concurrency: deps.settings.concurrency,
      process: (record) => processRecord(deps, record, context),
      onError: (record, error) =>
        deps.logger.error('message failed; it will be retried', {
          messageId: record.messageId,
          error: error as Error,
        }),
    });
    if (event.Records.length > 0) deps.metrics?.publishStoredMetrics();
    return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
  };
}

/** True when the message is done with (sent, suppressed, or nothing to send). */
async function processRecord(
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
    correlationId: event.correlationId ?? event.transactionId,
    messageId: record.messageId,
    eventId: event.id,
    eventType: event.type,
    transactionId: event.transactionId,
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
