import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import { describe, expect, it } from 'vitest';
import { InMemoryLedgerStore } from '../../src/adapters/memory/ledgerStore.js';
import { audit } from '../../src/application/audit.js';
import { postTransaction } from '../../src/application/postTransaction.js';
import { rebuild } from '../../src/application/rebuild.js';
import { emptyAccount } from '../../src/domain/index.js';

const at = '2026-11-27T09:00:00.000Z';
const clock = { now: () => new Date(at) };

async function ledger() {
  const store = new InMemoryLedgerStore();
  for (const id of ['A', 'B']) {
    await store.createAccount(
      emptyAccount({
        accountId: id,
        currency: 'USD',
        overdraftLimit: 0,
        lowBalanceThreshold: 0,
        createdAt: at,
      }),
    );
  }
  const txs: AtmTransaction[] = [
    {
      transactionId: 'd1',
      type: 'DEPOSIT',
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: at,
      amount: 9_000,
      currency: 'USD',
    },
    {
      transactionId: 'w1',
      type: 'WITHDRAWAL',
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: at,
      amount: 2_000,
      currency: 'USD',
    },
    {
      transactionId: 't1',
      type: 'TRANSFER',
      accountId: 'A',
      toAccountId: 'B',
      atmId: 'atm-1',
      occurredAt: at,
      amount: 3_000,
      currency: 'USD',
    },
  ];
  for (const tx of txs)
    await postTransaction(
      { store, clock },
      { kind: 'PostTransaction', transaction: tx, payloadHash: payloadHash(tx) },
    );
  return store;
}

describe('rebuild', () => {
  it('folds every account from its entries and finds zero drift in a healthy ledger', async () => {
    const store = await ledger();
    const report = await rebuild(store, { pageSize: 2 });
    expect(report).toEqual({ accounts: 2, entries: 4, drift: [] });
  });

  it('reports an account whose stored balance differs from the fold of its entries', async () => {
    const store = await ledger();
    const a = store.accounts.get('A');
    if (a === undefined) throw new Error('no account A');
    store.accounts.set('A', { ...a, balance: a.balance + 1 });
    const report = await rebuild(store);
    expect(report.drift).toEqual([
      {
        accountId: 'A',
        stored: { balance: 4_001, version: 3 },
        rebuilt: { balance: 4_000, version: 3 },
      },
    ]);
  });

  it('reports entries that cannot be folded (a gap in the sequence)', async () => {
    const store = await ledger();
    store.entries.get('A')?.splice(1, 1);
    const report = await rebuild(store);
    expect(report.drift).toHaveLength(1);
    expect(report.drift[0]?.rebuilt).toEqual({
      error: expect.stringContaining('expected entry 2, got 3'),
    });
  });

  it('reports no drift on a live table: a posting between the snapshot read and the entries read', async () => {
    // Prepare: a deposit to A lands right after rebuild has read A's snapshot
    const store = await ledger();
    const deposit: AtmTransaction = {
      transactionId: 'd2',
      type: 'DEPOSIT',
      accountId: 'A',
      atmId: 'atm-1',
      occurredAt: at,
      amount: 500,
      currency: 'USD',
    };
    const listEntries = store.listEntries.bind(store);
    let landed = false;
    store.listEntries = async (accountId, limit, cursor) => {
      if (accountId === 'A' && !landed) {
        landed = true;
        await postTransaction(
          { store, clock },
          { kind: 'PostTransaction', transaction: deposit, payloadHash: payloadHash(deposit) },
        );
      }
      return listEntries(accountId, limit, cursor);
    };

    // Act
    const report = await rebuild(store, { pageSize: 2 });

    // Assess: A is compared at the version it was read at, 3, not at the deposit's 4
    expect(landed).toBe(true);
    expect(report).toEqual({ accounts: 2, entries: 4, drift: [] });
  });

  it('reports entries written past a snapshot that never moved', async () => {
    // Prepare: an entry 4 for A with A still at version 3
    const store = await ledger();
    store.entries.get('A')?.push({
      accountId: 'A',
      sequence: 4,
      transactionId: 'ghost',
      type: 'DEPOSIT',
      amount: 1,
      balanceAfter: 4_001,
      postedAt: at,
    });

    // Act
    const report = await rebuild(store);

    // Assess
    expect(report.drift).toEqual([
      {
        accountId: 'A',
        stored: { balance: 4_000, version: 3 },
        rebuilt: { error: 'entry 4 exists, but the account is at version 3' },
      },
    ]);
  });
});

describe('audit', () => {
  it('finds the running totals equal to the journal in a healthy ledger, and reports a total edited by hand', async () => {
    // Prepare
    const store = await ledger();
    const healthy = await audit(store);
    const usd = store.totals.get('USD');
    if (usd === undefined) throw new Error('no USD totals');
    usd.credits += 1n;

    // Act
    const drifted = await audit(store);

    // Assess
    expect(healthy).toEqual({ currencies: 1, drift: [] });
    expect(drifted).toEqual({
      currencies: 1,
      drift: [
        {
          currency: 'USD',
          totals: { debits: 14_000n, credits: 14_001n },
          journal: { debits: 14_000n, credits: 14_000n },
        },
      ],
    });
  });
});
