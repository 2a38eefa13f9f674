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
import {
  acceptancePut,
  accountToItem,
  keys,
  TOTALS_SHARDS,
} from '../../../src/adapters/dynamodb/items.js';
import { DynamoDbLedgerStore } from '../../../src/adapters/dynamodb/ledgerStore.js';
import { pkSkTableInput } from '../../../src/adapters/dynamodb/table.js';
import { AccountCache } from '../../../src/application/accountCache.js';
import { authorize } from '../../../src/application/authorize.js';
import { postTransaction } from '../../../src/application/postTransaction.js';
import { DEFAULT_LEDGER_POLICY, decide } from '../../../src/domain/index.js';
import { testLedgerStore } from '../../../src/testing/index.js';
import {
  aDeposit,
  anAccount,
  aWithdrawal,
  decisionOf,
  expectKind,
  fixedClock,
  NOW,
  postCommand,
} from '../../support/builders.js';

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
    const loaded = await store.load(aWithdrawal({ transactionId: 'w-1' }));
    const one = postCommand(aWithdrawal({ transactionId: 'w-1' }));
    const two = postCommand(aWithdrawal({ transactionId: 'w-2', amount: 50 }));
    const first = {
      state: { ...loaded, request: one },
      events: decide(one, { ...loaded, request: one }, NOW),
    };
    const second = {
      state: { ...loaded, request: two },
      events: decide(two, { ...loaded, request: two }, NOW),
    };
    await store.commit(first.state, first.events);
    sent = [];

    // Act
    const outcome = await store.commit(second.state, second.events);

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
      decisionOf(
        postCommand(selfReversal),
        { existing: undefined, accounts: new Map(), original: undefined, waiting: [] },
        NOW,
      ),
      'Reject',
    );
    const state = {
      existing: undefined,
      accounts: new Map(),
      original: undefined,
      waiting: [],
      request: postCommand(selfReversal),
    };
    await store.commit(state, rejection.events);
    sent = [];

    // Act
    const outcome = await store.commit(state, rejection.events);

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

  describe('calls per posting', () => {
    const deposit = (transactionId: string, amount = 100) =>
      postCommand(aDeposit({ transactionId, accountId: 'acct-1', amount }));

    it('posts in one write and no read once the lane knows the account; the first costs one read', async () => {
      // Prepare
      await store.createAccount(anAccount({ balance: 500 }));
      const deps = { store, clock: fixedClock(), cache: new AccountCache() };

      // Act
      sent = [];
      await postTransaction(deps, deposit('d-1'));
      const cold = sent;
      sent = [];
      await postTransaction(deps, deposit('d-2'));
      const warm = sent;

      // Assess
      expect(cold).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand']);
      expect(warm).toEqual(['TransactWriteItemsCommand']);
      expect(await store.getAccount('acct-1')).toMatchObject({ balance: 700, version: 2 });
    });

    it('answers a duplicate with one call, from the failed write itself or from the read', async () => {
      // Prepare
      await store.createAccount(anAccount({ balance: 500 }));
      const warm = { store, clock: fixedClock(), cache: new AccountCache() };
      await postTransaction(warm, deposit('d-1'));

      // Act
      sent = [];
      const viaWrite = await postTransaction(warm, deposit('d-1'));
      const warmCalls = sent;
      sent = [];
      const viaRead = await postTransaction({ store, clock: fixedClock() }, deposit('d-1'));
      const coldCalls = sent;

      // Assess
      expect([viaWrite.outcome, viaRead.outcome]).toEqual(['DUPLICATE', 'DUPLICATE']);
      expect(warmCalls).toEqual(['TransactWriteItemsCommand']);
      expect(coldCalls).toEqual(['BatchGetItemCommand']);
    });

    it('refreshes a stale account from the failed write (ALL_OLD), with no read, when another writer moved it', async () => {
      // Prepare: the lane knows the account at version 0; the batch job posts to it meanwhile
      await store.createAccount(anAccount({ balance: 500 }));
      const lane = { store, clock: fixedClock(), cache: new AccountCache() };
      lane.cache.remember([['acct-1', anAccount({ balance: 500 })]]);
      await postTransaction({ store, clock: fixedClock() }, deposit('batch-1', 50));

      // Act
      sent = [];
      const result = await postTransaction(lane, deposit('d-1'));

      // Assess
      expect(result.outcome).toBe('POSTED');
      expect(sent).toEqual(['TransactWriteItemsCommand', 'TransactWriteItemsCommand']);
      expect(await store.getAccount('acct-1')).toMatchObject({ balance: 650, version: 2 });
    });
  });

  describe('calls per authorization', () => {
    const request = (authorizationId: string) => ({
      authorizationId,
      accountId: 'acct-1',
      amount: 100,
      currency: 'EUR',
      atmId: 'atm-1',
      occurredAt: NOW,
    });
    const api = () => ({
      store,
      clock: fixedClock(),
      policy: DEFAULT_LEDGER_POLICY,
      cache: new AccountCache(),
    });

    it('decides in one write and no read once the instance knows the account; the first costs one read', async () => {
      // Prepare
      await store.createAccount(anAccount({ balance: 500 }));
      const deps = api();

      // Act
      sent = [];
      const first = await authorize(deps, request('auth-1'));
      const cold = sent;
      sent = [];
      const second = await authorize(deps, request('auth-2'));
      const warm = sent;

      // Assess
      expect([first.kind, second.kind]).toEqual(['Decided', 'Decided']);
      expect(cold).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand']);
      expect(warm).toEqual(['TransactWriteItemsCommand']);
      expect(await store.getAccount('acct-1')).toMatchObject({ heldAmount: 200 });
    });

    it('answers an identical retry on a warm instance with one call: the failed write returns the record', async () => {
      // Prepare
      await store.createAccount(anAccount({ balance: 500 }));
      const deps = api();
      await authorize(deps, request('auth-1'));

      // Act
      sent = [];
      const retry = await authorize(deps, request('auth-1'));

      // Assess
      expect(retry).toMatchObject({ kind: 'Identical', record: { status: 'APPROVED' } });
      expect(sent).toEqual(['TransactWriteItemsCommand']);
      expect(await store.getAccount('acct-1')).toMatchObject({ heldAmount: 100 });
    });

    it('authorizes against an account item written before holds: no heldAmount and no usage read as 0', async () => {
      // Prepare: the item as the ledger wrote accounts before authorizations existed
      const {
        heldAmount: _h,
        withdrawn: _w,
        ...legacy
      } = accountToItem(anAccount({ balance: 500, dailyWithdrawalLimit: 300 }));
      await client.send(new PutItemCommand({ TableName: tableName, Item: marshall(legacy) }));

      // Act
      const first = await authorize(api(), request('auth-1'));
      const second = await authorize(api(), { ...request('auth-2'), amount: 201 });

      // Assess
      expect(first).toMatchObject({ kind: 'Decided', record: { status: 'APPROVED' } });
      expect(second).toMatchObject({ record: { reason: 'DAILY_LIMIT_EXCEEDED' } });
      expect(await rawItem(keys.account('acct-1'))).toMatchObject({
        heldAmount: 100,
        [`withdrawn#${NOW.slice(0, 10)}`]: 100,
      });
    });

    it('refreshes an account another instance held from since, from the failed write, with no read', async () => {
      // Prepare
      await store.createAccount(anAccount({ balance: 500 }));
      const deps = api();
      await authorize(deps, request('auth-1'));
      await authorize(api(), request('auth-2'));

      // Act
      sent = [];
      const result = await authorize(deps, request('auth-3'));

      // Assess: the answer is the balance after all three holds
      expect(result).toMatchObject({ kind: 'Decided', record: { availableBalance: 200 } });
      expect(sent).toEqual(['TransactWriteItemsCommand', 'TransactWriteItemsCommand']);
    });
  });

  it('reads the trial balance in the same number of calls whatever the table holds', async () => {
    // Prepare
    await store.createAccount(anAccount({ balance: 0 }));
    const post = (i: number) =>
      postTransaction(
        { store, clock: fixedClock() },
        postCommand(aDeposit({ transactionId: `d-${i}`, amount: 1 })),
      );
    for (let i = 0; i < 3; i++) await post(i);
    sent = [];
    const small = await store.trialBalance();
    const callsSmall = sent.length;
    for (let i = 3; i < 60; i++) await post(i);

    // Act
    sent = [];
    const large = await store.trialBalance();

    // Assess: one Query per totals shard, at 3 postings and at 60
    expect(callsSmall).toBe(TOTALS_SHARDS);
    expect(sent).toEqual(Array.from({ length: TOTALS_SHARDS }, () => 'QueryCommand'));
    expect(small.get('EUR')).toEqual({ debits: 3n, credits: 3n });
    expect(large.get('EUR')).toEqual({ debits: 60n, credits: 60n });
  }, 60_000);

  it('stores the decided events on the transaction item, as the JSON the bus carries', async () => {
    // Prepare
    await store.createAccount(anAccount({ balance: 500 }));

    // Act
    const result = await postTransaction(
      { store, clock: fixedClock() },
      postCommand(aWithdrawal({ transactionId: 'w-1' })),
    );

    // Assess
    expect(result.outcome).toBe('POSTED');
    const events = result.outcome === 'POSTED' ? result.events : [];
    expect((await rawItem(keys.transaction('w-1')))?.events).toEqual(
      events.map((e) => JSON.stringify(e)),
    );
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
