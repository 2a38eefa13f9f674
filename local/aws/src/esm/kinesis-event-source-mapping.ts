import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { parseArn, type StreamEventSourceMappingConfigInput } from './config.js';
import type { StreamHandler } from './events.js';
import { type KinesisPayload, KinesisSource } from './kinesis-source.js';
import { StreamEventSourceMapping } from './stream-event-source-mapping.js';

/** A Kinesis stream Lambda handler, e.g. one typed `KinesisStreamHandler`. */
export type KinesisHandler = StreamHandler<KinesisStreamEvent>;

export interface KinesisEventSourceMappingOptions {
  /** `eventSourceArn` must be a Kinesis stream ARN. */
  readonly config: StreamEventSourceMappingConfigInput;
  readonly handler: KinesisHandler;
  readonly clients: {
    readonly kinesis: KinesisClient;
    readonly dynamodb: DynamoDBClient;
    /** Needed when `destinationConfig.onFailure` is set. */
    readonly sqs?: SQSClient | undefined;
  };
  /** DynamoDB table for checkpoints and shard leases. */
  readonly checkpointTableName: string;
  /** Create the checkpoint table on start if it is missing. Default true. */
  readonly createCheckpointTable?: boolean | undefined;
  /** Identifies this runner in shard leases; see {@link StreamEventSourceMapping}. */
  readonly ownerId?: string | undefined;
}

/**
 * Runs an unmodified Kinesis Lambda handler the way Lambda's Kinesis event
 * source mapping does: per-shard ordered batches, batching window,
 * ReportBatchItemFailures, retries with bisection, record age limits,
 * on-failure records to SQS, ParallelizationFactor lanes, and checkpoints
 * kept in DynamoDB so a restart resumes instead of replaying.
 *
 * @example
 * const esm = new KinesisEventSourceMapping({
 *   config: { mappingId: 'ledger', eventSourceArn, functionName: 'ledger', startingPosition: 'TRIM_HORIZON' },
 *   handler,
 *   clients: { kinesis, dynamodb, sqs },
 *   checkpointTableName: 'local-esm-checkpoints',
 * });
 * await esm.start();
 */
export class KinesisEventSourceMapping extends StreamEventSourceMapping<
  KinesisPayload,
  KinesisStreamEvent
> {
  constructor(options: KinesisEventSourceMappingOptions) {
    const service = parseArn(options.config.eventSourceArn).service;
    if (service !== 'kinesis') {
      throw new TypeError(`eventSourceArn must be a Kinesis stream ARN, got a ${service} ARN`);
    }
    super({
      config: options.config,
      handler: options.handler,
      clients: options.clients,
      checkpointTableName: options.checkpointTableName,
      createCheckpointTable: options.createCheckpointTable,
      ownerId: options.ownerId,
      source: (config) => {
        const { partition, region, accountId } = parseArn(config.eventSourceArn);
        return new KinesisSource({
          client: options.clients.kinesis,
          streamArn: config.eventSourceArn,
          region,
          invokeIdentityArn:
            config.executionRoleArn ??
            `arn:${partition}:iam::${accountId}:role/${config.functionName}-execution-role`,
        });
      },
    });
  }
}
