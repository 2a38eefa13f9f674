import { randomUUID } from 'node:crypto';
import type { Clock } from '@atm-ledger/runtime';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type Claim,
  type ClaimOutcome,
  type IdempotencyStore,
  IdempotencyStoreError,
  type SettleOutcome,
} from '../../ports.js';

type Attrs = Record<string, AttributeValue>;

const INPROGRESS = 'INPROGRESS';
const COMPLETED = 'COMPLETED';

/** Key of a notification's idempotency record: one item per notification id. */
export const idempotencyKey = (key: string): Attrs => ({
  pk: { S: `NOTIFICATION#${key}` },
  sk: { S: 'IDEMPOTENCY' },
});

const NAMES = {
  '#pk': 'pk',
  '#status': 'status',
  '#expiresAt': 'expiresAt',
  '#inProgressExpiresAt': 'inProgressExpiresAt',
  '#token': 'claimToken',
};

/**
 * {@link IdempotencyStore} on a DynamoDB table with string keys `pk`/`sk` and
 * TTL on `expiresAt` (epoch seconds). Each step is one conditional write, as in
 * Powertools' DynamoDB persistence layer: the claim is a put that succeeds only
 * if the key is absent, past its TTL, or held by an expired INPROGRESS claim.
 * A failed condition is read from the write's own `ALL_OLD` item (no extra
 * read, no message matching) and becomes a typed outcome.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock,
    private readonly options: { readonly recordTtlSeconds: number },
  ) {}

  async claim(key: string, options: { readonly inProgressMs: number }): Promise<ClaimOutcome> {
    // A second round only if the blocking item vanished (TTL deletion) between the write and our read.
    for (let round = 0; ; round++) {
      const now = this.clock.now().getTime();
      const claim: Claim = {
        key,
        token: randomUUID(),
        inProgressUntil: new Date(now + options.inProgressMs),
      };
      try {
        const out = await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              ...idempotencyKey(key),
              status: { S: INPROGRESS },
              claimToken: { S: claim.token },
              claimedAt: { S: new Date(now).toISOString() },
              inProgressExpiresAt: { N: String(claim.inProgressUntil.getTime()) },
              expiresAt: { N: String(Math.floor(now / 1000) + this.options.recordTtlSeconds) },
            },
            ConditionExpression:
              'attribute_not_exists(#pk) OR #expiresAt < :nowSeconds OR ' +
              '(#status = :inprogress AND #inProgressExpiresAt < :nowMs)',
            ExpressionAttributeNames: {
              '#pk': NAMES['#pk'],
              '#status': NAMES['#status'],
              '#expiresAt': NAMES['#expiresAt'],
              '#inProgressExpiresAt': NAMES['#inProgressExpiresAt'],
            },
            ExpressionAttributeValues: {
              ':nowSeconds': { N: String(now / 1000) },
              ':nowMs': { N: String(now) },
              ':inprogress': { S: INPROGRESS },
            },
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const previous = out.Attributes;
        const tookOver = previous !== undefined && numberOf(previous.expiresAt) >= now / 1000;
        return { kind: 'Claimed', claim, tookOver };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) {
          // An earlier attempt of this put may have landed with its answer lost before the
          // SDK's retries gave up. Take it back (only if it is still ours), so the message's
          // retry claims at once instead of waiting for it to expire and then warning of a
          // possible duplicate that never was. If this fails too, the claim simply expires.
          await this.release(claim).catch(() => undefined);
          throw new IdempotencyStoreError(`claiming ${key} failed: ${(error as Error).name}`, {
            cause: error,
          });
        }
        const existing = error.Item ?? (await this.read(key));
        // Our own claim: an earlier attempt of this very put landed and its answer was lost
        // (the SDK retries with the same item). Whether that attempt took an expired claim over
        // went with the lost answer; we report it did not, rather than raise a false alarm on
        // every lost answer.
        if (existing?.claimToken?.S === claim.token && existing.status?.S === INPROGRESS) {
          return { kind: 'Claimed', claim, tookOver: false };
        }
        if (existing !== undefined) return blocked(existing);
        if (round >= 1) {
          throw new IdempotencyStoreError(
            `claiming ${key} failed its condition twice, yet no record is there`,
          );
        }
      }
    }
  }

  async complete(claim: Claim): Promise<SettleOutcome> {
    const now = this.clock.now();
    // The claim's own record, already COMPLETED: an earlier attempt of this write landed
    // (its answer was lost and the SDK or our caller retried). That is success, not a lost claim.
    const landedBefore = (item: Attrs) =>
      item.status?.S === COMPLETED && item.claimToken?.S === claim.token;
    return this.settle(claim, 'complete', landedBefore, (condition) =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: idempotencyKey(claim.key),
          UpdateExpression:
            'SET #status = :completed, completedAt = :at, #expiresAt = :expiresAt ' +
            'REMOVE #inProgressExpiresAt',
          ...condition,
          ExpressionAttributeNames: {
            ...condition.ExpressionAttributeNames,
            '#expiresAt': NAMES['#expiresAt'],
            '#inProgressExpiresAt': NAMES['#inProgressExpiresAt'],
          },
          ExpressionAttributeValues: {
            ...condition.ExpressionAttributeValues,
            ':completed': { S: COMPLETED },
            ':at': { S: now.toISOString() },
            ':expiresAt': {
              N: String(Math.floor(now.getTime() / 1000) + this.options.recordTtlSeconds),
            },
          },
        }),
      ),
    );
  }

  async release(claim: Claim): Promise<SettleOutcome> {
    return this.settle(
      claim,
      'release',
      () => false,
      (condition) =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: idempotencyKey(claim.key),
            ...condition,
          }),
        ),
    );
  }

  /**
   * Runs a write that must still find our own INPROGRESS claim. When its
   * condition fails, `landedBefore` tells from the record that failed it
   * whether this very write had already been applied.
   */
  private async settle(
    claim: Claim,
    what: string,
    landedBefore: (item: Attrs) => boolean,
    write: (condition: {
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Attrs;
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD';
    }) => Promise<unknown>,
  ): Promise<SettleOutcome> {
    try {
      await write({
        ConditionExpression: '#status = :inprogress AND #token = :token',
        ExpressionAttributeNames: { '#status': NAMES['#status'], '#token': NAMES['#token'] },
        ExpressionAttributeValues: {
          ':inprogress': { S: INPROGRESS },
          ':token': { S: claim.token },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { kind: 'Settled' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return error.Item !== undefined && landedBefore(error.Item)
          ? { kind: 'Settled' }
          : { kind: 'ClaimLost' };
      }
      throw new IdempotencyStoreError(`${what} of ${claim.key} failed: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }

  private async read(key: string): Promise<Attrs | undefined> {
    try {
      const out = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: idempotencyKey(key),
          ConsistentRead: true,
        }),
      );
      return out.Item;
    } catch (error) {
      throw new IdempotencyStoreError(`reading ${key} failed: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }
}

/** Why the claim's condition failed, from the record that made it fail. */
function blocked(item: Attrs): ClaimOutcome {
  if (item.status?.S === COMPLETED) {
    return { kind: 'AlreadyCompleted', completedAt: item.completedAt?.S };
  }
  return { kind: 'InFlight', inProgressUntil: new Date(numberOf(item.inProgressExpiresAt)) };
}

const numberOf = (value: AttributeValue | undefined) =>
  value?.N === undefined ? 0 : Number(value.N);
