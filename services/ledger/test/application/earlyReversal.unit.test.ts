import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import { describe, expect, it } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { postTransaction } from '../../src/application/postTransaction.js';
import { emptyAccount } from '../../src/domain/index.js';

const clock = { now: () => new Date('2026-11-27T10:00:00.000Z') };
const at = '2026-11-27T09:00:00.000Z';
const withdrawal: AtmTransaction = {
  transactionId: 'w-1',
  type: 'WITHDRAWAL',
  accountId: 'A',
  atmId: 'atm-1',
  occurredAt: at,
  amount: 6_000,
  currency: 'USD',
};
const reversal: AtmTransaction = {
  transactionId: 'r-1',
  type: 'REVERSAL',
  accountId: 'A',
  atmId: 'atm-1',
  occurredAt: at,
  originalTransactionId: 'w-1',
  dispensedAmount: 2_000,
};

async function ledgerWith(balance: number) {
  const store = new InMemoryLedgerStore();
  const deposit: AtmTransaction = {
    transactionId: 'd-0',
    type: 'DEPOSIT',
    accountId: 'A',
    atmId: 'atm-1',
    occurredAt: at,
    amount: balance,
    currency: 'USD',
  };
  await store.createAccount(
    emptyAccount({
      accountId: 'A',
      currency: 'USD',
      overdraftLimit: 0,
      lowBalanceThreshold: 0,
      createdAt: at,
    }),
  );
  const post = (tx: AtmTransaction) =>
    postTransaction(
      { store, clock },
      { kind: 'PostTransaction', transaction: tx, payloadHash: payloadHash(tx) },
    );
  await post(deposit);
  return { store, post };
}

describe('postTransaction: a reversal that arrives before its original', () => {
  it('stays PENDING, then is applied right after the original, ending in the in-order state', async () => {
    // Prepare
    const inOrder = await ledgerWith(10_000);
    await inOrder.post(withdrawal);
    await inOrder.post(reversal);
    const early = await ledgerWith(10_000);

    // Act
    const pending = await early.post(reversal);
    const original = await early.post(withdrawal);

    // Assess
    expect(pending.outcome).toBe('PENDING');
    expect(original.outcome).toBe('POSTED');
    expect(original.resumed?.map((r) => [r.record.transaction.transactionId, r.outcome])).toEqual([
      ['r-1', 'POSTED'],
    ]);
    expect(early.store.accounts.get('A')).toEqual(inOrder.store.accounts.get('A'));
    expect(early.store.entries.get('A')).toEqual(inOrder.store.entries.get('A'));
    expect(early.store.accounts.get('A')?.balance).toBe(10_000 - 6_000 + 4_000);
    expect((await early.store.getTransaction('w-1'))?.reversedBy).toBe('r-1');
  });

  it('is a duplicate when redelivered while still waiting', async () => {
    const { post } = await ledgerWith(10_000);
    await post(reversal);
    expect((await post(reversal)).outcome).toBe('DUPLICATE');
  });

  it('is rejected ORIGINAL_NOT_POSTED when the original is rejected', async () => {
    const { post, store } = await ledgerWith(1_000);
    await post(reversal);
    const original = await post(withdrawal);
    expect(original.outcome).toBe('REJECTED');
    expect(original.resumed?.[0]?.outcome).toBe('REJECTED');
    expect((await store.getTransaction('r-1'))?.reason).toBe('ORIGINAL_NOT_POSTED');
  });

  it('is resumed by a redelivery of the original if the first resume never ran', async () => {
    // Prepare: the original is posted, then the process "crashes" before resuming.
    const { post, store } = await ledgerWith(10_000);
    await post(reversal);
    const crashing = {
      ...bound(store),
      getTransaction: async () => {
        throw new Error('process killed');
      },
    };
    await expect(
      postTransaction(
        { store: crashing, clock },
        { kind: 'PostTransaction', transaction: withdrawal, payloadHash: payloadHash(withdrawal) },
      ),
    ).rejects.toThrow('process killed');
    expect((await store.getTransaction('w-1'))?.status).toBe('POSTED');
    expect((await store.getTransaction('r-1'))?.status).toBe('PENDING');

    // Act
    const redelivered = await post(withdrawal);

    // Assess
    expect(redelivered.outcome).toBe('DUPLICATE');
    expect(redelivered.resumed?.[0]?.outcome).toBe('POSTED');
    expect(store.accounts.get('A')?.balance).toBe(8_000);
  });
});

/** The store's methods bound to it, so one can be replaced for a test. */
function bound(store: InMemoryLedgerStore) {
  return {
    load: store.load.bind(store),
    commit: store.commit.bind(store),
    createAccount: store.createAccount.bind(store),
    getAccount: store.getAccount.bind(store),
    getTransaction: store.getTransaction.bind(store),
    getAcceptance: store.getAcceptance.bind(store),
    listEntries: store.listEntries.bind(store),
    trialBalance: store.trialBalance.bind(store),
    listAccounts: store.listAccounts.bind(store),
    journalTotals: store.journalTotals.bind(store),
  };
}
