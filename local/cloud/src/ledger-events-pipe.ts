import { LEDGER_EVENTS_PIPE } from '@atm-ledger/contracts';
import type { LocalPipeConfigInput } from '@atm-ledger/local-aws';
import type { LocalResources } from './resources.js';
import { IDLE_POLL_INTERVAL_MS } from './wake-ups.js';

/**
 * The ledger's events pipe as the local cloud runs it: the topology's
 * settings (contracts LEDGER_EVENTS_PIPE, which says why each), the local
 * resources, and the local runtime's own tuning.
 */
export function ledgerEventsPipeConfig(
  resources: Pick<LocalResources, 'names' | 'ledgerTableStreamArn' | 'eventBusArn' | 'pipeDlq'>,
  local: LocalPipeConfigInput['local'] = {},
): LocalPipeConfigInput {
  const streamArn = resources.ledgerTableStreamArn;
  if (streamArn === undefined) {
    throw new Error(`table ${resources.names.ledgerTable} has no stream for the events pipe`);
  }
  const pipe = LEDGER_EVENTS_PIPE;
  return {
    name: resources.names.publication.pipe,
    source: streamArn,
    sourceParameters: {
      dynamoDbStreamParameters: {
        startingPosition: pipe.startingPosition,
        batchSize: pipe.batchSize,
        maximumBatchingWindowInSeconds: pipe.maximumBatchingWindowInSeconds,
        parallelizationFactor: pipe.parallelizationFactor,
        onPartialBatchItemFailure: pipe.onPartialBatchItemFailure,
        maximumRetryAttempts: pipe.maximumRetryAttempts,
        maximumRecordAgeInSeconds: pipe.maximumRecordAgeInSeconds,
        deadLetterConfig: { arn: resources.pipeDlq.arn },
      },
      filterCriteria: { filters: [{ pattern: JSON.stringify(pipe.filter) }] },
    },
    target: resources.eventBusArn,
    targetParameters: {
      eventBridgeEventBusParameters: {
        source: pipe.targetSource,
        detailType: pipe.targetDetailType,
      },
    },
    // moto keeps every DynamoDB Streams iterator it hands out, one per GetRecords: a
    // slower idle poll than the Kinesis consumer's bounds that growth (docs/local-cloud.md).
    local: { pollIntervalMs: 100, idlePollIntervalMs: IDLE_POLL_INTERVAL_MS, ...local },
  };
}
