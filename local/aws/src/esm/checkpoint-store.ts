import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { pause } from '../shared/timing.js';
import { compareSequenceNumbers, sortableSequenceNumber } from './sequence-number.js';

/** One row of the checkpoint table: a shard's progress and who is reading it. */
export interface ShardCheckpoint {
  readonly mappingId: string;
  readonly shardId: string;
  /** Last sequence number whose processing is finished (succeeded or discarded). */
  readonly sequenceNumber?: string | undefined;
  readonly leaseOwner?: string | undefined;
  /** Epoch milliseconds. */
  readonly leaseExpiresAt?: number | undefined;
  /**
   * Epoch milliseconds of the first lease. A LATEST mapping restarted before
   * it checkpointed anything resumes from here instead of from the (later)
   * tip, so records written while it was down are not skipped.
   */
  readonly startedAt?: number | undefined;
  /** A closed shard read to its end; its children may start. */
  readonly shardEnded: boolean;
}

/** The lease on a shard was taken over or expired; stop touching the shard. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly shardId: string,
    readonly owner: string,
  ) {
    super(`lease on ${shardId} is no longer held by ${owner}`);
  }
}

const isConditionFailure = (e: unknown) =>
  e instanceof Error && e.name === 'ConditionalCheckFailedException';

/**
 * Durable checkpoints and shard leases in a DynamoDB table (hash key
 * `mappingId`, range key `shardId`), so they survive the runner and live in
 * the local cloud like every other piece of state.
 *
 * Two guards keep two runners of one mapping from silently clobbering each
 * other: every write is conditional on the caller holding the shard's lease,
 * and a checkpoint may only move forward (the zero-padded `sequenceKey` makes
 * DynamoDB's byte-wise string comparison a numeric one).
 */
export class DynamoDbCheckpointStore {
  readonly #client: DynamoDBClient;
  readonly tableName: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#client = client;
    this.tableName = tableName;
  }

  /** Creates the table if it does not exist yet (on-demand capacity) and waits until it is active. */
  async ensureTable(signal?: AbortSignal): Promise<void> {
    const status = await this.#tableStatus(signal);
    if (status === undefined) {
      try {
        await this.#client.send(
          new CreateTableCommand({
            TableName: this.tableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: 'mappingId', AttributeType: 'S' },
              { AttributeName: 'shardId', AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: 'mappingId', KeyType: 'HASH' },
              { AttributeName: 'shardId', KeyType: 'RANGE' },
            ],
          }),
          { abortSignal: signal },
        );
      } catch (e) {
        // Another runner created it first.
        if (!(e instanceof Error && e.name === 'ResourceInUseException')) throw e;
      }
    }
    for (let i = 0; i < 600; i++) {
      if ((await this.#tableStatus(signal)) === 'ACTIVE') return;
      await pause(100, signal);
    }
    throw new Error(`checkpoint table ${this.tableName} did not become active`);
  }

  async #tableStatus(signal?: AbortSignal): Promise<string | undefined> {
    try {
      const out = await this.#client.send(new DescribeTableCommand({ TableName: this.tableName }), {
        abortSignal: signal,
      });
      return out.Table?.TableStatus ?? 'ACTIVE';
    } catch (e) {
      if (e instanceof Error && e.name === 'ResourceNotFoundException') return undefined;
      throw e;
    }
  }

  /** Every shard row of a mapping, by shard id. */
  async list(mappingId: string, signal?: AbortSignal): Promise<Map<string, ShardCheckpoint>> {
    const rows = new Map<string, ShardCheckpoint>();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'mappingId = :m',
          ExpressionAttributeValues: { ':m': { S: mappingId } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: signal },
      );
      for (const item of out.Items ?? []) {
        const row = fromItem(item);
        rows.set(row.shardId, row);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return rows;
  }

  async get(mappingId: string, shardId: string): Promise<ShardCheckpoint | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: key(mappingId, shardId),
        ConsistentRead: true,
      }),
    );
    return out.Item === undefined ? undefined : fromItem(out.Item);
  }

  /**
   * Takes the shard's lease if it is free, expired or already ours. Returns
   * the row (with its checkpoint) on success, `undefined` if another live
   * owner holds it or the shard has ended.
   */
  async acquireLease(
    mappingId: string,
    shardId: string,
    owner: string,
    durationMs: number,
    now = Date.now(),
  ): Promise<ShardCheckpoint | undefined> {
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(mappingId, shardId),
          UpdateExpression:
            'SET leaseOwner = :o, leaseExpiresAt = :e, startedAt = if_not_exists(startedAt, :now), updatedAt = :ts',
          ConditionExpression:
            '(attribute_not_exists(shardEnded) OR shardEnded = :f) AND ' +
            '(attribute_not_exists(leaseOwner) OR leaseOwner = :o OR leaseExpiresAt < :now)',
          ExpressionAttributeValues: {
            ':o': { S: owner },
            ':e': { N: String(now + durationMs) },
            ':now': { N: String(now) },
            ':f': { BOOL: false },
            ':ts': { S: new Date(now).toISOString() },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes === undefined ? undefined : fromItem(out.Attributes);
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  /** @throws LeaseLostError */
  async renewLease(
    mappingId: string,
    shardId: string,
    owner: string,
    durationMs: number,
    now = Date.now(),
  ): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(mappingId, shardId),
          UpdateExpression: 'SET leaseExpiresAt = :e',
          ConditionExpression: 'leaseOwner = :o',
          ExpressionAttributeValues: {
            ':o': { S: owner },
            ':e': { N: String(now + durationMs) },
          },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new LeaseLostError(shardId, owner);
      throw e;
    }
  }

  /**
   * Records that everything up to and including `sequenceNumber` is done.
   * A checkpoint at or behind the stored one is a no-op.
   *
   * @throws LeaseLostError if `owner` no longer holds the shard.
   */
  async checkpoint(
    mappingId: string,
    shardId: string,
    owner: string,
    sequenceNumber: string,
  ): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(mappingId, shardId),
          UpdateExpression: 'SET sequenceNumber = :s, sequenceKey = :k, updatedAt = :ts',
          ConditionExpression:
            'leaseOwner = :o AND (attribute_not_exists(sequenceKey) OR sequenceKey < :k)',
          ExpressionAttributeValues: {
            ':o': { S: owner },
            ':s': { S: sequenceNumber },
            ':k': { S: sortableSequenceNumber(sequenceNumber) },
            ':ts': { S: new Date().toISOString() },
          },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const row = await this.get(mappingId, shardId);
      if (row?.leaseOwner !== owner) throw new LeaseLostError(shardId, owner);
      if (
        row.sequenceNumber !== undefined &&
        compareSequenceNumbers(row.sequenceNumber, sequenceNumber) >= 0
      ) {
        return;
      }
      throw e;
    }
  }

  /** Marks a closed shard as fully processed and gives up its lease. */
  async markEnded(mappingId: string, shardId: string, owner: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(mappingId, shardId),
          UpdateExpression:
            'SET shardEnded = :t, updatedAt = :ts REMOVE leaseOwner, leaseExpiresAt',
          ConditionExpression: 'leaseOwner = :o',
          ExpressionAttributeValues: {
            ':o': { S: owner },
            ':t': { BOOL: true },
            ':ts': { S: new Date().toISOString() },
          },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new LeaseLostError(shardId, owner);
      throw e;
    }
  }

  /** Gives up the lease so another runner can take the shard at once; a lost lease is fine. */
  async releaseLease(mappingId: string, shardId: string, owner: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(mappingId, shardId),
          UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
          ConditionExpression: 'leaseOwner = :o',
          ExpressionAttributeValues: { ':o': { S: owner } },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
}

function key(mappingId: string, shardId: string): Record<string, AttributeValue> {
  return { mappingId: { S: mappingId }, shardId: { S: shardId } };
}

function fromItem(item: Record<string, AttributeValue>): ShardCheckpoint {
  const num = (v: AttributeValue | undefined) => (v?.N === undefined ? undefined : Number(v.N));
  return {
    mappingId: item.mappingId?.S ?? '',
    shardId: item.shardId?.S ?? '',
    sequenceNumber: item.sequenceNumber?.S,
    leaseOwner: item.leaseOwner?.S,
    leaseExpiresAt: num(item.leaseExpiresAt),
    startedAt: num(item.startedAt),
    shardEnded: item.shardEnded?.BOOL === true,
  };
}
