import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type {
  GetRecordsResult,
  IteratorPosition,
  ShardDescription,
  SourceErrorKind,
  SourceRecord,
  StreamSource,
} from './source.js';

/** What the poller keeps of a Kinesis record until it builds the event. */
export interface KinesisPayload {
  /** Base64, as the event carries it. */
  readonly data: string;
}

export interface KinesisSourceOptions {
  readonly client: KinesisClient;
  readonly streamArn: string;
  /** `awsRegion` of every event record. */
  readonly region: string;
  /** `invokeIdentityArn` of every event record: the function's execution role. */
  readonly invokeIdentityArn: string;
}

/** Everything in a record's JSON except `data` and `partitionKey`, measured once. */
const EVENT_RECORD_OVERHEAD_BYTES = 600;

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'ThrottlingException',
]);

/** Kinesis Data Streams as a {@link StreamSource} producing Lambda's `KinesisStreamEvent`. */
export class KinesisSource implements StreamSource<KinesisPayload, KinesisStreamEvent> {
  readonly streamArn: string;
  readonly batchInfoKey = 'KinesisBatchInfo';
  readonly supportsAtTimestamp = true;
  readonly maxRecordsPerRead = 10_000;
  readonly #client: KinesisClient;
  readonly #region: string;
  readonly #invokeIdentityArn: string;

  constructor(options: KinesisSourceOptions) {
    this.#client = options.client;
    this.streamArn = options.streamArn;
    this.#region = options.region;
    this.#invokeIdentityArn = options.invokeIdentityArn;
  }

  async listShards(signal?: AbortSignal): Promise<ShardDescription[]> {
    const shards: ShardDescription[] = [];
    let nextToken: string | undefined;
    do {
      // ListShards rejects StreamARN together with NextToken.
      const page = await this.#client.send(
        new ListShardsCommand(
          nextToken === undefined ? { StreamARN: this.streamArn } : { NextToken: nextToken },
        ),
        { abortSignal: signal },
      );
      for (const shard of page.Shards ?? []) {
        if (shard.ShardId === undefined) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          adjacentParentShardId: shard.AdjacentParentShardId,
          endingSequenceNumber: shard.SequenceNumberRange?.EndingSequenceNumber,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return shards;
  }

  async getShardIterator(
    shardId: string,
    position: IteratorPosition,
    signal?: AbortSignal,
  ): Promise<string> {
    const out = await this.#client.send(
      new GetShardIteratorCommand({
        StreamARN: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: position.type satisfies ShardIteratorType,
        StartingSequenceNumber:
          position.type === 'AFTER_SEQUENCE_NUMBER' || position.type === 'AT_SEQUENCE_NUMBER'
            ? position.sequenceNumber
            : undefined,
        Timestamp: position.type === 'AT_TIMESTAMP' ? position.timestamp : undefined,
      }),
      { abortSignal: signal },
    );
    if (out.ShardIterator === undefined) {
      throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
    }
    return out.ShardIterator;
  }

  async getRecords(
    iterator: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<GetRecordsResult<KinesisPayload>> {
    const out = await this.#client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: limit, StreamARN: this.streamArn }),
      { abortSignal: signal },
    );
    const records: SourceRecord<KinesisPayload>[] = [];
    for (const r of out.Records ?? []) {
      if (r.SequenceNumber === undefined || r.PartitionKey === undefined) continue;
      const data = Buffer.from(r.Data ?? new Uint8Array()).toString('base64');
      records.push({
        sequenceNumber: r.SequenceNumber,
        partitionKey: r.PartitionKey,
        approximateArrival: r.ApproximateArrivalTimestamp ?? new Date(),
        sizeBytes: data.length + Buffer.byteLength(r.PartitionKey) + EVENT_RECORD_OVERHEAD_BYTES,
        payload: { data },
      });
    }
    return {
      records,
      nextIterator: out.NextShardIterator ?? undefined,
      millisBehindLatest: out.MillisBehindLatest,
    };
  }

  toEvent(shardId: string, records: readonly SourceRecord<KinesisPayload>[]): KinesisStreamEvent {
    return {
      Records: records.map(
        (r): KinesisStreamRecord => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.partitionKey,
            sequenceNumber: r.sequenceNumber,
            data: r.payload.data,
            // Seconds with millisecond precision, as Lambda sends it.
            approximateArrivalTimestamp: r.approximateArrival.getTime() / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shardId}:${r.sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: this.#invokeIdentityArn,
          awsRegion: this.#region,
          eventSourceARN: this.streamArn,
        }),
      ),
    };
  }

  classifyError(error: unknown): SourceErrorKind {
    const name = error instanceof Error ? error.name : undefined;
    if (name === 'ExpiredIteratorException') return 'expired-iterator';
    if (name !== undefined && THROTTLING.has(name)) return 'throttled';
    if (name === 'ResourceNotFoundException') return 'not-found';
    return 'other';
  }
}
