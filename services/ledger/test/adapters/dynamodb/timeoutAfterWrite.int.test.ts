import { randomUUID } from 'node:crypto';
import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbLedgerStore } from '../../../src/adapters/dynamodb/ledgerStore.js';
import { pkSkTableInput } from '../../../src/adapters/dynamodb/table.js';
import { postTransaction } from '../../../src/application/postTransaction.js';
import { emptyAccount } from '../../../src/domain/index.js';

/**
 * The nastiest retry: the write landed, but the caller never heard back. The
 * retry must find the transaction already decided with the same payload and
 * report a duplicate, never apply it twice and never surface an error.
 */
describe('DynamoDbLedgerStore: a timeout after a write that succeeded', () => {
  const endpoint = inject('awsEndpoint');
  const tableName = `timeout-${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient({
    ...sdkClientOptions({ endpoint, region: 'us-east-1' }),
    maxAttempts: 1,
  });
  let lostResponses = 0;
  // After the response arrives, pretend the connection dropped: the write happened, the answer is lost.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand' && lostResponses > 0) {
        lostResponses -= 1;
        throw Object.assign(new Error('socket hang up after the request was sent'), {
          name: 'TimeoutError',
          $metadata: {},
        });
      }
      return result;
    },
    { step: 'deserialize', name: 'loseResponse' },
  );
  const store = new DynamoDbLedgerStore(client, tableName);
  const at = '2026-11-27T09:00:00.000Z';

  beforeAll(async () => {
    await client.send(new CreateTableCommand(pkSkTableInput(tableName)));
    await store.createAccount(
      emptyAccount({
        accountId: 'A',
        currency: 'USD',
        overdraftLimit: 0,
        lowBalanceThreshold: 0,
        createdAt: at,
      }),
    );
  });
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  it('comes out as a duplicate, applied exactly once', async () => {
    // Prepare
    const deposit: AtmTransaction = {
      transactionId: 'd-1',
      type: 'DEPOSIT',
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: at,
      amount: 7_000,
      currency: 'USD',
    };
    lostResponses = 1;

    // Act
    const outcome = await postTransaction(
      { store, clock: { now: () => new Date(at) }, sleep: async () => {} },
      { kind: 'PostTransaction', transaction: deposit, payloadHash: payloadHash(deposit) },
    );

    // Assess
    expect(lostResponses).toBe(0);
    expect(outcome.outcome).toBe('DUPLICATE');
    expect(outcome.record.status).toBe('POSTED');
    expect((await store.getAccount('A'))?.balance).toBe(7_000);
    expect((await store.listEntries('A', 10)).items.map((e) => e.transactionId)).toEqual(['d-1']);
  });
});
