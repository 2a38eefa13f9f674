import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as SdkAttributeValue,
  type _Record as SdkRecord,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type {
  GetRecordsResult,
  IteratorPosition,
  ShardDescription,
  SourceErrorKind,
  SourceRecord,
  StreamSource,
} from '../esm/source.js';

/** A stream record, already in the JSON shape Lambda and Pipes deliver. */
export type DynamoDbStreamPayload = DynamoDBRecord;

export interface DynamoDbStreamSourceOptions {
  readonly client: DynamoDBStreamsClient;
  /** The table's `LatestStreamArn`. */
  readonly streamArn: string;
}

/** The record's fields besides its images, in the delivered JSON. */
const RECORD_OVERHEAD_BYTES = 400;

const THROTTLING = new Set(['LimitExceededException', 'ThrottlingException']);

/**
 * DynamoDB Streams as a {@link StreamSource}, producing Lambda's
 * `DynamoDBStreamEvent` (Pipes passes the same records, as a bare list).
 * Records are converted once, when read, from the SDK's types to the JSON
 * AWS delivers: binaries as base64, `ApproximateCreationDateTime` in epoch
 * seconds, `eventSourceARN` filled in.
 */
export class DynamoDbStreamSource
  implements StreamSource<DynamoDbStreamPayload, DynamoDBStreamEvent>
{
  readonly streamArn: string;
  readonly batchInfoKey = 'DDBStreamBatchInfo';
  readonly supportsAtTimestamp = false;
  readonly maxRecordsPerRead = 1_000;
  readonly #client: DynamoDBStreamsClient;

  constructor(options: DynamoDbStreamSourceOptions) {
    this.#client = options.client;
    this.streamArn = options.streamArn;
  }

  async listShards(signal?: AbortSignal): Promise<ShardDescription[]> {
    const shards: ShardDescription[] = [];
    let start: string | undefined;
    do {
      const out = await this.#client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
        { abortSignal: signal },
      );
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          endingSequenceNumber: shard.SequenceNumberRange?.EndingSequenceNumber,
        });
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    return shards;
  }

  async getShardIterator(
    shardId: string,
    position: IteratorPosition,
    signal?: AbortSignal,
  ): Promise<string> {
    if (position.type === 'AT_TIMESTAMP') {
      throw new RangeError('DynamoDB Streams has no AT_TIMESTAMP iterator');
    }
    const out = await this.#client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: position.type satisfies ShardIteratorType,
        SequenceNumber:
          position.type === 'AFTER_SEQUENCE_NUMBER' || position.type === 'AT_SEQUENCE_NUMBER'
            ? position.sequenceNumber
            : undefined,
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
  ): Promise<GetRecordsResult<DynamoDbStreamPayload>> {
    const out = await this.#client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
      { abortSignal: signal },
    );
    const records: SourceRecord<DynamoDbStreamPayload>[] = [];
    for (const r of out.Records ?? []) {
      const sequenceNumber = r.dynamodb?.SequenceNumber;
      if (sequenceNumber === undefined) continue;
      const payload = this.#toLambdaRecord(r);
      records.push({
        sequenceNumber,
        // Lanes (ParallelizationFactor) keep one item's changes together, as Lambda does.
        partitionKey: JSON.stringify(payload.dynamodb?.Keys ?? {}),
        approximateArrival: r.dynamodb?.ApproximateCreationDateTime ?? new Date(),
        sizeBytes: (r.dynamodb?.SizeBytes ?? 0) + RECORD_OVERHEAD_BYTES,
        payload,
      });
    }
    // DynamoDB Streams reports no lag; the poller only uses it for closed shards.
    return { records, nextIterator: out.NextShardIterator ?? undefined };
  }

  toEvent(
    _shardId: string,
    records: readonly SourceRecord<DynamoDbStreamPayload>[],
  ): DynamoDBStreamEvent {
    return { Records: records.map((r) => r.payload) };
  }

  classifyError(error: unknown): SourceErrorKind {
    const name = error instanceof Error ? error.name : undefined;
    if (name === 'ExpiredIteratorException') return 'expired-iterator';
    if (name !== undefined && THROTTLING.has(name)) return 'throttled';
    if (name === 'ResourceNotFoundException') return 'not-found';
    return 'other';
  }

  #toLambdaRecord(r: SdkRecord): DynamoDBRecord {
    const d = r.dynamodb;
    const record: DynamoDBRecord = {
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: r.eventVersion,
      eventSource: r.eventSource ?? 'aws:dynamodb',
      awsRegion: r.awsRegion,
      eventSourceARN: this.streamArn,
    };
    if (d !== undefined) {
      record.dynamodb = {
        ...(d.ApproximateCreationDateTime === undefined
          ? {}
          : {
              ApproximateCreationDateTime: Math.floor(
                d.ApproximateCreationDateTime.getTime() / 1000,
              ),
            }),
        ...(d.Keys === undefined ? {} : { Keys: toJsonImage(d.Keys) }),
        ...(d.NewImage === undefined ? {} : { NewImage: toJsonImage(d.NewImage) }),
        ...(d.OldImage === undefined ? {} : { OldImage: toJsonImage(d.OldImage) }),
        SequenceNumber: d.SequenceNumber,
        SizeBytes: d.SizeBytes,
        StreamViewType: d.StreamViewType,
      };
    }
    if (r.userIdentity !== undefined) {
      record.userIdentity = { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId };
    }
    return record;
  }
}

function toJsonImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toJsonValue(v)]));
}

/** The SDK decodes binaries to bytes; the JSON AWS delivers has them in base64. */
function toJsonValue(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toJsonValue) };
  if (value.M !== undefined) return { M: toJsonImage(value.M) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  throw new TypeError(`unknown DynamoDB attribute type: ${Object.keys(value).join(', ')}`);
}
