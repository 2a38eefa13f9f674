import { type MetricsSink, MetricUnit, processInLanes } from '@atm-ledger/runtime';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { AccountCache } from '../application/accountCache.js';
import { type ConsumeDeps, consumeRecord } from '../application/consumeRecord.js';

export type KinesisHandlerDeps = ConsumeDeps & {
  /** Accounts posted at once; one account's records stay in order. */
  readonly concurrency: number;
  readonly metrics?: MetricsSink;
};

/**
 * The ledger's Kinesis consumer. Records are grouped by partition key
 * (account): accounts proceed concurrently, while one account's records are
 * posted strictly in order and stop at its first failure, so a later record of
 * that account can never overtake one that will be retried. Failures are
 * reported per item (ReportBatchItemFailures); Lambda resumes from the lowest
 * failed sequence number and the ledger's idempotency absorbs the replays.
 */
export function makeKinesisHandler(given: KinesisHandlerDeps) {
  // Kept for the life of the instance, across batches: see AccountCache.
  const deps = { ...given, cache: given.cache ?? new AccountCache() };
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const { failed } = await processInLanes(event.Records, {
      laneOf: (record) => record.kinesis.partitionKey,
      concurrency: deps.concurrency,
      process: (record) => consumeRecord(deps, record),
      onError: (record, error) =>
        deps.logger.error('record failed; its account stops here for this batch', {
          sequenceNumber: record.kinesis.sequenceNumber,
          partitionKey: record.kinesis.partitionKey,
          error: error as Error,
        }),
    });
    if (deps.metrics !== undefined) {
      deps.metrics.addMetric('RecordsFailed', MetricUnit.Count, failed.length);
      deps.metrics.publishStoredMetrics();
    }
    return {
      batchItemFailures: failed.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    };
  };
}
