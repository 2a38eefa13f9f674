import { randomUUID } from 'node:crypto';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { testLedgerStore } from '../../../../../test/suites/ledgerStore.suite.js';
import { acceptancePut, keys } from '../../../src/adapters/dynamodb/items.js';
import { DynamoDbLedgerStore } from '../../../src/adapters/dynamodb/ledgerStore.js';
import { pkSkTableInput } from '../../../src/adapters/dynamodb/table.js';
import { postTransaction } from '../../../src/application/postTransaction.js';
import { decide } from '../../../src/domain/index.js';
import {
  anAccount,
  aWithdrawal,
  expectKind,
  fixedClock,
  NOW,
  postCommand,
} from '../../support/builders.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the local cloud, from local/test/setup/cloud.globalSetup.ts. */
    awsEndpoint: string;
  }
}

let client: DynamoDBClient;

beforeAll(() => {
  client = new DynamoDBClient(
    sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
  );
});

afterAll(() => {
  client.destroy();
});

/** A table of its own per case, shaped like the deployed one, so cases and parallel files never share items. */
async function createTable(): Promise<string> {
  const tableName = `ledger-test-${randomUUID()}`;
  await client.send(new CreateTableCommand(pkSkTableInput(tableName, { stream: true })));
  return tableName;
}

const dropTable = async (tableName: string) => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
};

testLedgerStore('DynamoDbLedgerStore', async () => {
  const tableName = await createTable();
  return {
    store: new DynamoDbLedgerStore(client, tableName),
    cleanup: () => dropTable(tableName),
    // The marker ingest writes before a record goes on the stream, with ingest's own writer.
    markAccepted: async (acceptance) => {
      await client.send(new PutItemCommand(acceptancePut(tableName, acceptance)));
    },
  };
});

describe('DynamoDbLedgerStore', () => {
  let tableName: string;
  let store: DynamoDbLedgerStore;
  /** Every command the store sends, by name, to prove which calls a path makes. */
  let sent: string[];
  let counted: DynamoDBClient;

  beforeAll(() => {
    counted = new DynamoDBClient(
      sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
    );
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
  });

  afterAll(() => {
    counted.destroy();
  });

  beforeEach(async () => {
    tableName = await createTable();
    store = new DynamoDbLedgerStore(counted, tableName);
    sent = [];
    return () => dropTable(tableName);
  });

  const rawItem = async (key: { pk: string; sk: string }) => {
    const response = await client.send(
      new GetItemCommand({ TableName: tableName, Key: marshall(key) }),
    );
    return response.Item === undefined ? undefined : unmarshall(response.Item);
  };

  it('reports a stale account from the failed write itself, without reading it again', async () => {
    // Prepare
    await store.createAccount(anAccount({ balance: 500 }));
    const state = await store.load(aWithdrawal({ transactionId: 'w-1' }));
    const first = decide(postCommand(aWithdrawal({ transactionId: 'w-1' })), state, NOW);
    const second = decide(
      postCommand(aWithdrawal({ transactionId: 'w-2', amount: 50 })),
      state,
      NOW,
    );
    if (first.kind !== 'Post' || second.kind !== 'Post') throw new Error('expected two postings');
    await store.commit(first);
    sent = [];

    // Act
    const outcome = await store.commit(second);

    // Assess
    expect(outcome.kind).toBe('Stale');
    expect(sent).toEqual(['TransactWriteItemsCommand']);
  });

  it('reports an id already decided by a single-item write from that write alone', async () => {
    // Prepare: a rejection that rests on no account is one conditional put
    const selfReversal = {
      ...aWithdrawal(),
      type: 'REVERSAL' as const,
      transactionId: 'r-1',
      originalTransactionId: 'r-1',
    };
    const rejection = expectKind(
      decide(
        postCommand(selfReversal),
        { existing: undefined, accounts: new Map(), original: undefined, waiting: [] },
        NOW,
      ),
      'Reject',
    );
    await store.commit(rejection);
    sent = [];

    // Act
    const outcome = await store.commit(rejection);

    // Assess
    expect(outcome).toEqual({ kind: 'AlreadyDecided', existing: rejection.record });
    expect(sent).toEqual(['PutItemCommand']);
  });

  it('keeps accountId, type and status top-level on the transaction item, for filters that do not parse it', async () => {
    // Prepare
    await store.createAccount(anAccount({ balance: 500 }));

    // Act
    await postTransaction(
      { store, clock: fixedClock() },
      postCommand(aWithdrawal({ transactionId: 'w-1' })),
    );

    // Assess
    expect(await rawItem(keys.transaction('w-1'))).toMatchObject({
      entity: 'TRANSACTION',
      transactionId: 'w-1',
      accountId: 'acct-1',
      type: 'WITHDRAWAL',
      status: 'POSTED',
    });
  });

  it('keeps entries in their account’s partition, keyed so they sort by sequence', async () => {
    // Prepare
    await store.createAccount(anAccount({ balance: 500 }));

    // Act
    await postTransaction(
      { store, clock: fixedClock() },
      postCommand(aWithdrawal({ transactionId: 'w-1' })),
    );

    // Assess
    expect(keys.entry('acct-1', 1)).toEqual({ pk: 'ACCT#acct-1', sk: 'ENTRY#000000000001' });
    expect(await rawItem(keys.entry('acct-1', 1))).toMatchObject({
      entity: 'ENTRY',
      transactionId: 'w-1',
      amount: -100,
    });
  });

  it('fails a missing table as a StoreError, not as a retryable one', async () => {
    // Prepare
    const missing = new DynamoDbLedgerStore(client, `ledger-test-missing-${randomUUID()}`);

    // Act
    const act = missing.getAccount('acct-1');

    // Assess: retrying cannot create the table, so backing off would only delay the alarm
    await expect(act).rejects.toMatchObject({ code: 'STORE_FAILED' });
  });
});
