import type { AtmTransaction } from '@atm-ledger/contracts';
import {
  InMemoryLedgerStore,
  type LedgerStore,
  openAccount,
  RetryableStoreError,
} from '@atm-ledger/ledger';
import { describe, expect, it } from 'vitest';
import { runBatchJob } from '../../src/batch/job.js';
import type { LandedTransaction } from '../../src/batch/landing.js';

const clock = { now: () => new Date('2026-11-27T12:00:30.000Z') };
const window = {
  from: new Date('2026-11-27T12:00:00.000Z'),
  to: new Date('2026-11-27T12:00:20.000Z'),
};
/** Store failures give up at once: the job sees what it sees after postTransaction's retries. */
const retry = { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0, maxRounds: 5 };

const tx = (
  transactionId: string,
  type: 'DEPOSIT' | 'WITHDRAWAL',
  amount: number,
  accountId: string,
): AtmTransaction => ({
  transactionId,
  type,
  accountId,
  atmId: 'atm-1',
  amount,
  currency: 'USD',
  occurredAt: '2026-11-27T11:59:00.000Z',
});

/** A landing store holding one window, in arrival order. */
const landingOf = (transactions: AtmTransaction[]) => ({
  readWindow: async (): Promise<LandedTransaction[]> =>
    transactions.map((transaction, i) => ({
      arrivedAt: `2026-11-27T12:00:0${i}.000Z`,
      sk: String(i),
      correlationId: `c-${transaction.transactionId}`,
      transaction,
    })),
});

/** The in-memory ledger, with every store call failing retryably for the ids in `down`. */
function flakyStore(inner: InMemoryLedgerStore, down: Set<string>): LedgerStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'load') return Reflect.get(target, property, receiver);
      return async (transaction: AtmTransaction) => {
        if (down.has(transaction.transactionId)) {
          throw new RetryableStoreError(`throttled loading ${transaction.transactionId}`);
        }
        return target.load(transaction);
      };
    },
  });
}

async function ledgerWith(accounts: string[]) {
  const store = new InMemoryLedgerStore();
  for (const accountId of accounts) {
    await openAccount(
      { store, clock },
      { accountId, currency: 'USD', overdraftLimit: 0, lowBalanceThreshold: 0 },
    );
  }
  return store;
}

describe('runBatchJob: a transaction that fails', () => {
  it('skips the rest of its account in the window, and other accounts carry on', async () => {
    // Prepare: A's deposit fails, so A's withdrawal must not be decided before it
    const inner = await ledgerWith(['A', 'B']);
    const down = new Set(['a-dep']);
    const landing = landingOf([
      tx('a-dep', 'DEPOSIT', 10_000, 'A'),
      tx('b-dep', 'DEPOSIT', 5_000, 'B'),
      tx('a-wd', 'WITHDRAWAL', 6_000, 'A'),
      tx('b-wd', 'WITHDRAWAL', 1_000, 'B'),
      tx('a-dep2', 'DEPOSIT', 1, 'A'),
    ]);

    // Act
    const report = await runBatchJob(
      { landing, store: flakyStore(inner, down), clock, retry },
      window,
    );

    // Assess
    expect(report.failed).toEqual([
      { transactionId: 'a-dep', error: expect.stringContaining('store still failing') },
    ]);
    expect(report.skipped).toEqual([
      { transactionId: 'a-wd', accountId: 'A', after: 'a-dep' },
      { transactionId: 'a-dep2', accountId: 'A', after: 'a-dep' },
    ]);
    expect(report.outcomes).toMatchObject({ POSTED: 2, REJECTED: 0 });
    expect(inner.transactions.has('a-wd')).toBe(false);
    expect((await inner.getAccount('A'))?.balance).toBe(0);
    expect((await inner.getAccount('B'))?.balance).toBe(4_000);
  });

  it('posts the skipped transactions in order when the window is run again', async () => {
    // Prepare
    const inner = await ledgerWith(['A']);
    const down = new Set(['a-dep']);
    const landing = landingOf([
      tx('a-dep', 'DEPOSIT', 10_000, 'A'),
      tx('a-wd', 'WITHDRAWAL', 6_000, 'A'),
    ]);
    const store = flakyStore(inner, down);
    await runBatchJob({ landing, store, clock, retry }, window);
    down.clear();

    // Act
    const rerun = await runBatchJob({ landing, store, clock, retry }, window);

    // Assess: the withdrawal is funded, as it would have been had the deposit not failed
    expect(rerun).toMatchObject({ failed: [], skipped: [], outcomes: { POSTED: 2 } });
    expect((await inner.getAccount('A'))?.balance).toBe(4_000);
  });
});
