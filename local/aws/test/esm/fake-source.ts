import type {
  GetRecordsResult,
  IteratorPosition,
  ShardDescription,
  SourceErrorKind,
  SourceRecord,
  StreamSource,
} from '../../src/esm/index.js';

export interface FakeEvent {
  readonly shardId: string;
  readonly Records: { sequenceNumber: string; partitionKey: string; data: string }[];
}

interface FakeShard {
  description: ShardDescription;
  records: SourceRecord<string>[];
}

/** An error the fake source throws, classified by its name like the SDK's. */
export class FakeSourceError extends Error {
  constructor(readonly kind: SourceErrorKind) {
    super(`injected ${kind}`);
    this.name = kind;
  }
}

/**
 * An in-memory stream for what the emulator cannot do on demand: resharding
 * with correct routing, records older than an hour, expired iterators and
 * throttling. It stands in for a second source implementation too, showing
 * the mapping core needs nothing Kinesis-specific.
 */
export class FakeSource implements StreamSource<string, FakeEvent> {
  readonly streamArn =
    'arn:aws:dynamodb:us-east-1:123456789012:table/fake/stream/2024-01-01T00:00:00.000';
  readonly batchInfoKey = 'DDBStreamBatchInfo';
  readonly supportsAtTimestamp = false;
  readonly maxRecordsPerRead = 1_000;
  readonly #shards = new Map<string, FakeShard>();
  /** Thrown by the next GetRecords calls, one per call. */
  readonly failNextReads: SourceErrorKind[] = [];
  readonly calls: string[] = [];
  #sequence = 10n ** 40n;

  addShard(description: ShardDescription): void {
    this.#shards.set(description.shardId, { description, records: [] });
  }

  /** Appends records; sequence numbers keep growing across shards, like a real stream's. */
  append(
    shardId: string,
    records: readonly { partitionKey: string; data: string; arrival?: Date }[],
  ): string[] {
    const shard = this.#shard(shardId);
    return records.map((r) => {
      this.#sequence += 7n;
      const sequenceNumber = this.#sequence.toString();
      shard.records.push({
        sequenceNumber,
        partitionKey: r.partitionKey,
        approximateArrival: r.arrival ?? new Date(),
        sizeBytes: r.data.length,
        payload: r.data,
      });
      return sequenceNumber;
    });
  }

  close(shardId: string): void {
    const shard = this.#shard(shardId);
    shard.description = {
      ...shard.description,
      endingSequenceNumber: shard.records.at(-1)?.sequenceNumber ?? '0',
    };
  }

  async listShards(): Promise<ShardDescription[]> {
    this.calls.push('ListShards');
    return [...this.#shards.values()].map((s) => s.description);
  }

  async getShardIterator(shardId: string, position: IteratorPosition): Promise<string> {
    this.calls.push(`GetShardIterator:${shardId}:${position.type}`);
    const { records } = this.#shard(shardId);
    let index: number;
    switch (position.type) {
      case 'TRIM_HORIZON':
        index = 0;
        break;
      case 'LATEST':
        index = records.length;
        break;
      case 'AT_TIMESTAMP':
        index = records.findIndex((r) => r.approximateArrival >= position.timestamp);
        if (index < 0) index = records.length;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const at = records.findIndex((r) => r.sequenceNumber === position.sequenceNumber);
        index = at + (position.type === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0);
        break;
      }
    }
    return `${shardId}|${index}`;
  }

  async getRecords(iterator: string, limit: number): Promise<GetRecordsResult<string>> {
    this.calls.push('GetRecords');
    const failure = this.failNextReads.shift();
    if (failure !== undefined) throw new FakeSourceError(failure);
    const [shardId = '', from = '0'] = iterator.split('|');
    const shard = this.#shard(shardId);
    const start = Number(from);
    const records = shard.records.slice(start, start + limit);
    const next = start + records.length;
    const closed = shard.description.endingSequenceNumber !== undefined;
    return {
      records,
      nextIterator: closed && next >= shard.records.length ? undefined : `${shardId}|${next}`,
      millisBehindLatest: 0,
    };
  }

  toEvent(shardId: string, records: readonly SourceRecord<string>[]): FakeEvent {
    return {
      shardId,
      Records: records.map((r) => ({
        sequenceNumber: r.sequenceNumber,
        partitionKey: r.partitionKey,
        data: r.payload,
      })),
    };
  }

  classifyError(error: unknown): SourceErrorKind {
    return error instanceof FakeSourceError ? error.kind : 'other';
  }

  #shard(shardId: string): FakeShard {
    const shard = this.#shards.get(shardId);
    if (shard === undefined) throw new FakeSourceError('not-found');
    return shard;
  }
}
