/**
 * What the shard-polling machinery needs from a stream service. Kinesis Data
 * Streams and DynamoDB Streams share the model (shards, iterators, sequence
 * numbers, parent shards after a split), so one poller, checkpoint store and
 * retry policy serve both; a source only translates calls and records.
 */

/** A shard as listed by the service. */
export interface ShardDescription {
  readonly shardId: string;
  readonly parentShardId?: string | undefined;
  readonly adjacentParentShardId?: string | undefined;
  /** Set once the shard is closed (split, merged, or a DynamoDB stream rotated). */
  readonly endingSequenceNumber?: string | undefined;
}

/** Where a shard iterator starts. */
export type IteratorPosition =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string }
  | { readonly type: 'AT_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** A record as the poller sees it; `payload` is the source's own representation. */
export interface SourceRecord<TPayload> {
  readonly sequenceNumber: string;
  /** Routes the record to a lane when `parallelizationFactor` > 1. */
  readonly partitionKey: string;
  readonly approximateArrival: Date;
  /** Approximate size in the invocation payload, to keep batches under Lambda's 6 MB limit. */
  readonly sizeBytes: number;
  readonly payload: TPayload;
}

export interface GetRecordsResult<TPayload> {
  readonly records: readonly SourceRecord<TPayload>[];
  /** Absent once a closed shard has been read to its end. */
  readonly nextIterator: string | undefined;
  readonly millisBehindLatest?: number | undefined;
}

/** How the poller reacts to a failed source call. */
export type SourceErrorKind =
  /** Get a fresh iterator from the last read position and carry on. */
  | 'expired-iterator'
  /** Back off and try the same call again. */
  | 'throttled'
  /** The stream or shard is gone: stop reading it. */
  | 'not-found'
  /** Anything else: back off and try again, reporting it. */
  | 'other';

export interface StreamSource<TPayload, TEvent> {
  /** ARN put in events and on-failure records. */
  readonly streamArn: string;
  /** `KinesisBatchInfo` or `DDBStreamBatchInfo` in an on-failure record. */
  readonly batchInfoKey: string;
  /** DynamoDB Streams has no AT_TIMESTAMP iterator. */
  readonly supportsAtTimestamp: boolean;
  /** Most records one GetRecords may return (Kinesis 10,000; DynamoDB Streams 1,000). */
  readonly maxRecordsPerRead: number;
  listShards(signal?: AbortSignal): Promise<ShardDescription[]>;
  getShardIterator(
    shardId: string,
    position: IteratorPosition,
    signal?: AbortSignal,
  ): Promise<string>;
  getRecords(
    iterator: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<GetRecordsResult<TPayload>>;
  /** Builds the handler's event for one batch (all records from `shardId`, in order). */
  toEvent(shardId: string, records: readonly SourceRecord<TPayload>[]): TEvent;
  classifyError(error: unknown): SourceErrorKind;
}
