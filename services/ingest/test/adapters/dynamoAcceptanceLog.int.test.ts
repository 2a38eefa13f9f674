import { randomUUID } from 'node:crypto';
import { pkSkTableInput } from '@atm-ledger/ledger';
import { ACCEPTANCE_TTL_SECONDS, itemToAcceptance, keys } from '@atm-ledger/ledger/items';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoAcceptanceLog } from '../../src/adapters/dynamoAcceptanceLog.js';
import { isAcceptanceLogError } from '../../src/ports.js';
import { testAcceptanceLog } from '../suites/acceptanceLog.suite.js';

let client: DynamoDBClient;

beforeAll(() => {
  client = new DynamoDBClient(
    sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
  );
});

afterAll(() => {
  client.destroy();
});

/** A table of its own per case, shaped like the deployed ledger table. */
async function createTable(): Promise<string> {
  const tableName = `ingest-test-${randomUUID()}`;
  await client.send(new CreateTableCommand(pkSkTableInput(tableName, { stream: false })));
  return tableName;
}

const dropTable = async (tableName: string) => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
};

testAcceptanceLog('DynamoAcceptanceLog', async () => {
  const tableName = await createTable();
  return {
    log: new DynamoAcceptanceLog(client, tableName),
    // What ingest wrote before the door: the key, the time and the TTL, no payload.
    writeLegacyMarker: async (transactionId, at) => {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall({
            ...keys.accepted(transactionId),
            entity: 'ACCEPTED',
            acceptedAt: at.toISOString(),
            expiresAt: Math.floor(at.getTime() / 1000) + ACCEPTANCE_TTL_SECONDS,
          }),
        }),
      );
    },
    cleanup: () => dropTable(tableName),
  };
});

describe('DynamoAcceptanceLog: items', () => {
  it('writes the marker the ledger reads: its payload, fingerprint and a 7-day TTL', async () => {
    // Prepare
    const tableName = await createTable();
    const log = new DynamoAcceptanceLog(client, tableName);
    const at = new Date('2026-11-27T10:00:00.000Z');
    const transaction = {
      transactionId: 't-1',
      type: 'DEPOSIT' as const,
      accountId: 'acct-1',
      atmId: 'atm-1',
      occurredAt: '2026-11-27T09:00:00Z',
      amount: 100,
      currency: 'USD',
    };

    try {
      // Act
      await log.claim(transaction, at);

      // Assess
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: marshall(keys.accepted('t-1')) }),
      );
      const item = unmarshall(Item ?? {});
      expect(itemToAcceptance(item)).toEqual({
        transaction,
        payloadHash: expect.stringMatching(/^c1\./),
        acceptedAt: at.toISOString(),
      });
      expect(item.expiresAt).toBe(at.getTime() / 1000 + 7 * 24 * 3600);
    } finally {
      await dropTable(tableName);
    }
  });

  it('turns a failure that is not its condition into an AcceptanceLogError', async () => {
    // Prepare
    const log = new DynamoAcceptanceLog(client, `ingest-test-missing-${randomUUID()}`);

    // Act
    const error = await log
      .claim(
        {
          transactionId: 't-1',
          type: 'BALANCE_INQUIRY',
          accountId: 'acct-1',
          atmId: 'atm-1',
          occurredAt: '2026-11-27T09:00:00Z',
        },
        new Date(),
      )
      .catch((e: unknown) => e);

    // Assess
    expect(isAcceptanceLogError(error)).toBe(true);
    expect((error as Error).message).toContain('ResourceNotFoundException');
  });
});
