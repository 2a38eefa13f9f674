import { LEDGER_EVENT_SOURCE, LEDGER_STREAM_FILTER_PATTERN } from '@atm-ledger/contracts';
import type { LocalPipeConfigInput } from '@atm-ledger/local-aws';
import type { LocalResources } from './resources.js';

/**
 * The ledger's events pipe as the local cloud runs it: the settings infra
 * deploys (infra/src/stateless-stack.ts says why each), the filter and
 * source from `contracts`, and the local resources.
 */
export function ledgerEventsPipeConfig(
  resources: Pick<LocalResources, 'names' | 'ledgerTableStreamArn' | 'eventBusArn' | 'pipeDlq'>,
  local: LocalPipeConfigInput['local'] = {},
): LocalPipeConfigInput {
  const streamArn = resources.ledgerTableStreamArn;
  if (streamArn === undefined) {
    throw new Error(`table ${resources.names.ledgerTable} has no stream for the events pipe`);
  }
  return {
    name: resources.names.publication.eventBus,
    source: streamArn,
    sourceParameters: {
      dynamoDbStreamParameters: {
        startingPosition: 'TRIM_HORIZON',
        // PutEvents takes at most 10 entries: one call per batch when every record is one event.
        batchSize: 10,
        maximumBatchingWindowInSeconds: 0,
        // One batch at a time per shard keeps each item's changes in order.
        parallelizationFactor: 1,
        onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
        maximumRetryAttempts: 10,
        maximumRecordAgeInSeconds: 24 * 60 * 60,
        deadLetterConfig: { arn: resources.pipeDlq.arn },
      },
      filterCriteria: { filters: [{ pattern: JSON.stringify(LEDGER_STREAM_FILTER_PATTERN) }] },
    },
    target: resources.eventBusArn,
    targetParameters: {
      eventBridgeEventBusParameters: { source: LEDGER_EVENT_SOURCE, detailType: '$.type' },
    },
    // moto keeps every DynamoDB Streams iterator it hands out, one per GetRecords: a
    // slower idle poll than the Kinesis consumer's bounds that growth (docs/local-cloud.md).
    local: { pollIntervalMs: 100, ...local },
  };
}
