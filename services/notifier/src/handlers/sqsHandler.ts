import { processInLanes } from '@atm-ledger/runtime';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type NotifierDeps, notifyMessage } from '../application/notifyMessage.js';

export type { NotifierDeps, NotifierSettings } from '../application/notifyMessage.js';

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
      process: (record) => notifyMessage(deps, record, context),
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
