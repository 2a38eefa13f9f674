import { randomUUID } from 'node:crypto';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DynamoDbIdempotencyStore,
  idempotencyKey,
} from '../../../src/adapters/dynamodb/idempotencyStore.js';
import { isIdempotencyStoreError } from '../../../src/ports.js';
import { RECORD_TTL_SECONDS, testIdempotencyStore } from '../../suites/idempotencyStore.suite.js';
import { ManualClock } from '../../support/builders.js';

let client: DynamoDBClient;

beforeAll(() => {
  client = new DynamoDBClient(
    sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
  );
});

afterAll(() => {
  client.destroy();
});

/** A table of its own per case, shaped like the deployed one (pk/sk strings, TTL on expiresAt). */
async function createTable(): Promise<string> {
  const tableName = `notifier-test-${randomUUID()}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return tableName;
}

const dropTable = async (tableName: string) => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
};

testIdempotencyStore('DynamoDbIdempotencyStore', async (clock) => {
  const tableName = await createTable();
  return {
    store: new DynamoDbIdempotencyStore(client, tableName, clock, {
      recordTtlSeconds: RECORD_TTL_SECONDS,
    }),
    cleanup: () => dropTable(tableName),
  };
});

describe('DynamoDbIdempotencyStore: items', () => {
  it('writes the record DynamoDB TTL can expire: pk/sk strings and expiresAt in epoch seconds', async () => {
    // Prepare
    const tableName = await createTable();
    const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
    const store = new DynamoDbIdempotencyStore(client, tableName, clock, { recordTtlSeconds: 600 });

    try {
      // Act
      const outcome = await store.claim('ev-1:RECEIPT:A', { inProgressMs: 5_000 });
      if (outcome.kind !== 'Claimed') throw new Error(outcome.kind);
      clock.advance(1_000);
      await store.complete(outcome.claim);

      // Assess
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: idempotencyKey('ev-1:RECEIPT:A') }),
      );
      expect(Item).toEqual({
        pk: { S: 'NOTIFICATION#ev-1:RECEIPT:A' },
        sk: { S: 'IDEMPOTENCY' },
        status: { S: 'COMPLETED' },
        claimToken: { S: outcome.claim.token },
        claimedAt: { S: '2026-11-27T10:00:00.000Z' },
        completedAt: { S: '2026-11-27T10:00:01.000Z' },
        expiresAt: { N: String(Date.parse('2026-11-27T10:00:01.000Z') / 1000 + 600) },
      });
    } finally {
      await dropTable(tableName);
    }
  });

  it('turns a failure that is not a condition into an IdempotencyStoreError', async () => {
    // Prepare
    const store = new DynamoDbIdempotencyStore(
      client,
      `missing-${randomUUID()}`,
      new ManualClock(),
      {
        recordTtlSeconds: 600,
      },
    );

    // Act
    const error = await store.claim('k', { inProgressMs: 1_000 }).catch((e: unknown) => e);

    // Assess
    expect(isIdempotencyStoreError(error)).toBe(true);
    expect((error as Error).message).toContain('ResourceNotFoundException');
  });
});
