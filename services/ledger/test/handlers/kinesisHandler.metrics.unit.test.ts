import { InMemoryMetricsSink } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { makeKinesisHandler } from '../../src/handlers/kinesisHandler.js';
import { aDeposit, anAccount, aWithdrawal, fixedClock, silentLogger } from '../support/builders.js';
import { kinesisEvent, kinesisRecord, RecordingSink, txRecord } from '../support/events.js';

describe('makeKinesisHandler: metrics', () => {
  it('counts each outcome and poison record, and publishes once per batch', async () => {
    // Prepare
    const store = new InMemoryLedgerStore();
    await store.createAccount(anAccount());
    const metrics = new InMemoryMetricsSink();
    const handler = makeKinesisHandler({
      store,
      clock: fixedClock(),
      poison: new RecordingSink(),
      logger: silentLogger(),
      concurrency: 2,
      metrics,
    });
    const deposit = aDeposit({ amount: 500 });

    // Act
    await handler(
      kinesisEvent(
        txRecord(deposit),
        txRecord(deposit),
        txRecord(aWithdrawal({ transactionId: 'w-big', amount: 10_000 })),
        kinesisRecord('acct-1', Buffer.from('not json').toString('base64')),
      ),
    );

    // Assess
    expect(metrics.published).toEqual([
      {
        TransactionsPosted: 1,
        TransactionsDuplicate: 1,
        TransactionsRejected: 1,
        PoisonRecords: 1,
        RecordsFailed: 0,
      },
    ]);
  });
});
