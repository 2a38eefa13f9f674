import { setTimeout as delay } from 'node:timers/promises';
import type { AtmTransaction, LedgerEvent } from '@atm-ledger/contracts';
import { describe, expect, it } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { OVERSIZED_PREFIX_BASE64_CHARS } from '../../src/application/consumeRecord.js';
import type { RetryPolicy } from '../../src/application/postTransaction.js';
import { LedgerInvariantError, type LedgerState } from '../../src/domain/index.js';
import { makeKinesisHandler } from '../../src/handlers/kinesisHandler.js';
import {
  type CommitOutcome,
  RetryableStoreError,
  StoreError,
  UnprocessableRecordError,
} from '../../src/ports.js';
import { aDeposit, anAccount, aWithdrawal, fixedClock, silentLogger } from '../support/builders.js';
import {
  atmRecord,
  base64Json,
  kinesisEvent,
  kinesisRecord,
  RecordingSink,
  seq,
  txRecord,
} from '../support/events.js';

/** Tiny delays, so a test that exhausts retries does not wait for the production backoff. */
const fastRetry: RetryPolicy = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRounds: 5 };

/**
 * The in-memory store, plus what a test needs to observe or break it: a
 * delay per transaction (to tempt reordering), failures per transaction, and
 * the order and overlap of the calls it served.
 */
class ObservedStore extends InMemoryLedgerStore {
  readonly committed: string[] = [];
  readonly delays = new Map<string, number>();
  readonly failures = new Map<string, Error>();
  inFlight = 0;
  maxInFlight = 0;

  override async load(transaction: AtmTransaction): Promise<LedgerState> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await delay(this.delays.get(transaction.transactionId) ?? 0);
      return await super.load(transaction);
    } finally {
      this.inFlight -= 1;
    }
  }

  override async commit(
    state: LedgerState,
    events: readonly LedgerEvent[],
  ): Promise<CommitOutcome> {
    const first = events[0];
    const id = first !== undefined && 'transactionId' in first ? first.transactionId : '';
    const failure = this.failures.get(id);
    if (failure !== undefined) throw failure;
    const outcome = await super.commit(state, events);
    if (outcome.kind === 'Committed') this.committed.push(id);
    return outcome;
  }
}

async function setup(opts: { concurrency?: number; accounts?: string[] } = {}) {
  const store = new ObservedStore();
  for (const accountId of opts.accounts ?? ['acct-1', 'acct-2', 'acct-3']) {
    await store.createAccount(anAccount({ accountId, balance: 0 }));
  }
  const poison = new RecordingSink();
  const handler = makeKinesisHandler({
    store,
    poison,
    clock: fixedClock(),
    logger: silentLogger(),
    concurrency: opts.concurrency ?? 4,
    retry: fastRetry,
  });
  return { store, poison, handler };
}

const deposit = (id: string, accountId: string, amount = 100) =>
  aDeposit({ transactionId: id, accountId, amount });
const withdrawal = (id: string, accountId: string, amount: number) =>
  aWithdrawal({ transactionId: id, accountId, amount });

describe('kinesisHandler', () => {
  it('posts every record of a batch and reports no failure', async () => {
    // Prepare
    const { store, handler } = await setup();

    // Act
    const response = await handler(
      kinesisEvent(txRecord(deposit('d-1', 'acct-1')), txRecord(deposit('d-2', 'acct-2', 30))),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await store.getAccount('acct-1')).toMatchObject({ balance: 100 });
    expect(await store.getAccount('acct-2')).toMatchObject({ balance: 30 });
    // The record's correlation id follows the transaction into the ledger.
    expect((await store.getTransaction('d-1'))?.correlationId).toBe('corr-d-1');
  });

  it('posts one account’s records in stream order even when an earlier one is slower', async () => {
    // Prepare: out of order, the withdrawals would find no funds
    const { store, handler } = await setup();
    store.delays.set('d-1', 30);
    store.delays.set('w-1', 10);
    const event = kinesisEvent(
      txRecord(deposit('d-1', 'acct-1', 100)),
      txRecord(deposit('x-1', 'acct-2')),
      txRecord(withdrawal('w-1', 'acct-1', 80)),
      txRecord(deposit('x-2', 'acct-2')),
      txRecord(withdrawal('w-2', 'acct-1', 20)),
    );

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(store.committed.filter((id) => !id.startsWith('x-'))).toEqual(['d-1', 'w-1', 'w-2']);
    expect((await store.getTransaction('w-2'))?.status).toBe('POSTED');
    expect(await store.getAccount('acct-1')).toMatchObject({ balance: 0, version: 3 });
  });

  it('lets other accounts proceed while one is slow', async () => {
    // Prepare
    const { store, handler } = await setup();
    store.delays.set('d-1', 50);

    // Act
    await handler(
      kinesisEvent(
        txRecord(deposit('d-1', 'acct-1')),
        txRecord(deposit('d-2', 'acct-2')),
        txRecord(deposit('d-3', 'acct-3')),
      ),
    );

    // Assess
    expect(store.committed).toEqual(['d-2', 'd-3', 'd-1']);
  });

  it.each([1, 3])('works on at most %i account(s) at once', async (concurrency) => {
    // Prepare
    const accounts = ['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5'];
    const { store, handler } = await setup({ concurrency, accounts });
    const records = accounts.map((a, i) => {
      store.delays.set(`d-${i}`, 10);
      return txRecord(deposit(`d-${i}`, a));
    });

    // Act
    const response = await handler(kinesisEvent(...records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(store.maxInFlight).toBe(concurrency);
  });

  it('stops an account at its first failure, reports exactly that record, and lets other accounts finish', async () => {
    // Prepare
    const { store, handler } = await setup();
    store.failures.set('a-2', new StoreError('DynamoDB AccessDeniedException failed'));
    const a1 = txRecord(deposit('a-1', 'acct-1'));
    const a2 = txRecord(deposit('a-2', 'acct-1'));
    const a3 = txRecord(deposit('a-3', 'acct-1'));
    const b1 = txRecord(deposit('b-1', 'acct-2'));
    const b2 = txRecord(deposit('b-2', 'acct-2'));

    // Act
    const response = await handler(kinesisEvent(a1, b1, a2, b2, a3));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(a2) }] });
    // a-3 must wait for a-2: Lambda redelivers from a-2, and a-3 must not overtake it.
    expect(store.committed.sort()).toEqual(['a-1', 'b-1', 'b-2']);
  });

  it('reports the first failure of every account that failed', async () => {
    // Prepare
    const { store, handler } = await setup();
    store.failures.set('a-2', new StoreError('boom'));
    store.failures.set('a-3', new StoreError('boom'));
    store.failures.set('c-1', new StoreError('boom'));
    const a = [1, 2, 3].map((i) => txRecord(deposit(`a-${i}`, 'acct-1')));
    const c = [1, 2].map((i) => txRecord(deposit(`c-${i}`, 'acct-3')));
    const b = txRecord(deposit('b-1', 'acct-2'));

    // Act
    const response = await handler(kinesisEvent(...a, b, ...c));

    // Assess
    const failed = response.batchItemFailures.map((f) => f.itemIdentifier).sort();
    expect(failed).toEqual([seq(a[1] ?? b), seq(c[0] ?? b)].sort());
    expect(store.committed.sort()).toEqual(['a-1', 'b-1']);
  });

  it('fails a record whose store kept failing retryably past the retry budget', async () => {
    // Prepare
    const { store, handler } = await setup();
    store.failures.set('a-1', new RetryableStoreError('DynamoDB ThrottlingException failed'));
    const a1 = txRecord(deposit('a-1', 'acct-1'));

    // Act
    const response = await handler(kinesisEvent(a1, txRecord(deposit('a-2', 'acct-1'))));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(a1) }] });
    expect(store.committed).toEqual([]);
  });

  it('absorbs a redelivered batch: the second time is all duplicates and moves nothing', async () => {
    // Prepare
    const { store, handler } = await setup();
    const event = kinesisEvent(
      txRecord(deposit('d-1', 'acct-1')),
      txRecord(withdrawal('w-1', 'acct-1', 40)),
    );
    await handler(event);

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getAccount('acct-1')).toMatchObject({ balance: 60, version: 2 });
  });

  it('reports nothing for an empty batch', async () => {
    const { handler } = await setup();

    expect(await handler(kinesisEvent())).toEqual({ batchItemFailures: [] });
  });
});

describe('kinesisHandler: poison records', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const valid = atmRecord(deposit('p-1', 'acct-1'));

  it.each([
    ['garbage bytes', Buffer.from([0xff, 0x00, 0xfe, 0x13]).toString('base64'), 'NOT_JSON'],
    [
      'an unknown schemaVersion',
      base64Json({ ...valid, schemaVersion: 99 }),
      'UNKNOWN_SCHEMA_VERSION',
    ],
    [
      'an unknown record type',
      base64Json({ ...valid, type: 'atm.card.swallowed' }),
      'UNKNOWN_TYPE',
    ],
    [
      'invalid fields',
      base64Json({ ...valid, transaction: { ...deposit('p-1', 'acct-1'), currency: 'euro' } }),
      'INVALID_RECORD',
    ],
    [
      'an oversized record',
      base64Json({ ...valid, padding: 'x'.repeat(70_000) }),
      'RECORD_TOO_LARGE',
    ],
  ])('parks %s with its reason, and the account carries on', async (_what, data, reason) => {
    // Prepare
    const { store, poison, handler } = await setup();
    const bad = kinesisRecord('acct-1', data);
    const next = txRecord(deposit('d-2', 'acct-1'));

    // Act
    const response = await handler(kinesisEvent(bad, next));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(poison.sent).toHaveLength(1);
    expect(poison.sent[0]).toMatchObject({
      reason,
      detail: expect.stringMatching(/./),
      source: {
        partitionKey: 'acct-1',
        sequenceNumber: seq(bad),
        eventID: bad.eventID,
        eventSourceARN: bad.eventSourceARN,
      },
    });
    expect(store.committed).toEqual(['d-2']);
  });

  it('parks an oversized record as its size and the first 4096 characters of its base64', async () => {
    // Prepare
    const { poison, handler } = await setup();
    const data = base64Json({ ...valid, padding: 'x'.repeat(70_000) });
    const bad = kinesisRecord('acct-1', data);

    // Act
    await handler(kinesisEvent(bad));

    // Assess
    expect(poison.sent[0]?.source).toEqual({
      eventSourceARN: bad.eventSourceARN,
      shardId: 'shardId-000000000000',
      eventID: bad.eventID,
      partitionKey: 'acct-1',
      sequenceNumber: seq(bad),
      approximateArrivalTimestamp: bad.kinesis.approximateArrivalTimestamp,
      dataBytes: Buffer.from(data, 'base64').length,
      dataTruncated: true,
      pansMasked: 0,
      data: data.slice(0, OVERSIZED_PREFIX_BASE64_CHARS),
    });
    expect(OVERSIZED_PREFIX_BASE64_CHARS % 4).toBe(0);
  });

  it('parks any other poison record whole, with its coordinates', async () => {
    // Prepare: 40 KiB, so well past the old 4 KiB cut-off, and within the limit
    const { poison, handler } = await setup();
    const data = base64Json({ ...valid, schemaVersion: 7, padding: 'x'.repeat(40_000) });
    const bad = kinesisRecord('acct-1', data);

    // Act
    await handler(kinesisEvent(bad));

    // Assess
    expect(poison.sent[0]).toEqual({
      reason: 'UNKNOWN_SCHEMA_VERSION',
      detail: 'atm.transaction.accepted schemaVersion 7; known: 1',
      source: {
        eventSourceARN: bad.eventSourceARN,
        shardId: 'shardId-000000000000',
        eventID: bad.eventID,
        partitionKey: 'acct-1',
        sequenceNumber: seq(bad),
        approximateArrivalTimestamp: bad.kinesis.approximateArrivalTimestamp,
        dataBytes: Buffer.from(data, 'base64').length,
        dataTruncated: false,
        pansMasked: 0,
        data,
      },
    });
  });

  it('logs a poison record’s reason and coordinates, never its data', async () => {
    // Prepare: a producer that leaked a clear PAN onto the stream
    const lines: unknown[] = [];
    const logger = silentLogger();
    logger.warn = (...args: unknown[]) => void lines.push(args);
    logger.error = (...args: unknown[]) => void lines.push(args);
    const handler = makeKinesisHandler({
      store: new InMemoryLedgerStore(),
      poison: new RecordingSink(),
      clock: fixedClock(),
      logger,
      concurrency: 1,
    });
    const pan = '4111111111111111';
    const records = [
      kinesisRecord('acct-1', base64Json({ ...valid, schemaVersion: 2, pan })),
      kinesisRecord('acct-1', b64(`pan=${pan}`)),
      kinesisRecord('acct-1', b64(`{"type":"${pan}"}`)),
    ];

    // Act
    await handler(kinesisEvent(...records));

    // Assess
    expect(lines).toHaveLength(3);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(pan);
    expect(logged).not.toContain(records[0]?.kinesis.data.slice(0, 40));
    expect(lines[0]).toEqual([
      'poison record sent to the dead-letter queue',
      {
        reason: 'UNKNOWN_SCHEMA_VERSION',
        eventSourceARN: records[0]?.eventSourceARN,
        shardId: 'shardId-000000000000',
        sequenceNumber: records[0]?.kinesis.sequenceNumber,
        partitionKey: 'acct-1',
        approximateArrivalTimestamp: records[0]?.kinesis.approximateArrivalTimestamp,
        dataBytes: expect.any(Number),
      },
    ]);
  });

  it('parks a record the ledger can never post instead of failing its account on every delivery', async () => {
    // Prepare: valid JSON and schema, but a withdrawal without an amount
    const { poison, handler } = await setup();
    const bad = kinesisRecord(
      'acct-1',
      base64Json(
        atmRecord(aWithdrawal({ transactionId: 'w-1', accountId: 'acct-1', amount: undefined })),
      ),
    );

    // Act
    const response = await handler(kinesisEvent(bad));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(poison.sent.map((p) => p.reason)).toEqual(['INVALID_RECORD']);
  });

  it('parks a valid record under another account’s partition key: it was ordered in the wrong lane', async () => {
    // Prepare: acct-2's deposit, put on the stream under acct-1
    const { store, poison, handler } = await setup();
    const misfiled = kinesisRecord('acct-1', base64Json(atmRecord(deposit('d-1', 'acct-2'))));
    const next = txRecord(deposit('d-2', 'acct-1'));

    // Act
    const response = await handler(kinesisEvent(misfiled, next));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(poison.sent).toEqual([
      expect.objectContaining({
        reason: 'WRONG_PARTITION_KEY',
        detail: 'partition key "acct-1" is not the transaction\'s account "acct-2"',
      }),
    ]);
    expect(store.committed).toEqual(['d-2']);
    expect(await store.getTransaction('d-1')).toBeUndefined();
  });

  it.each([
    [
      'UNPROCESSABLE',
      new UnprocessableRecordError(
        'DynamoDB refused the request as invalid: Item size has exceeded the maximum allowed size',
      ),
    ],
    ['LEDGER_INVARIANT_VIOLATED', new LedgerInvariantError('unbalanced legs for w-1')],
  ])(
    'parks a valid record the store or the rules refuse on every delivery (%s), and its account goes on',
    async (reason, error) => {
      // Prepare
      const { store, poison, handler } = await setup();
      store.failures.set('d-1', error);
      const stuck = txRecord(deposit('d-1', 'acct-1'));
      const next = txRecord(deposit('d-2', 'acct-1'));

      // Act
      const response = await handler(kinesisEvent(stuck, next));

      // Assess: retrying it would stall acct-1, and the shard behind it, until it aged out
      expect(response.batchItemFailures).toEqual([]);
      expect(poison.sent).toEqual([
        expect.objectContaining({
          reason,
          detail: error.message,
          source: expect.objectContaining({ sequenceNumber: seq(stuck) }),
        }),
      ]);
      expect(store.committed).toEqual(['d-2']);
    },
  );

  it('fails the record, and stops its account, when the sink cannot take it', async () => {
    // Prepare
    const { store, poison, handler } = await setup();
    poison.failWith = new Error('SQS unavailable');
    const bad = kinesisRecord('acct-1', base64Json({ ...valid, schemaVersion: 99 }));
    const after = txRecord(deposit('d-2', 'acct-1'));
    const other = txRecord(deposit('d-3', 'acct-2'));

    // Act
    const response = await handler(kinesisEvent(bad, after, other));

    // Assess: dropping it silently would lose it; retrying keeps it until the sink is back
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq(bad) }] });
    expect(store.committed).toEqual(['d-3']);
  });
});
