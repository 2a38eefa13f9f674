import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  decide,
  type Entry,
  emptyAccount,
  evolve,
  LedgerInvariantError,
} from '../../src/domain/index.js';
import { arbDeposit, arbWithdrawal, numRuns } from '../support/arbitraries.js';
import { anAccount, NOW, postCommand, stateOf } from '../support/builders.js';

const LATER = '2026-03-01T13:00:00.000Z';

const anEntry = (overrides: Partial<Entry> = {}): Entry => ({
  accountId: 'acct-1',
  sequence: 1,
  transactionId: 'd-1',
  type: 'DEPOSIT',
  amount: 100,
  balanceAfter: 100,
  postedAt: LATER,
  ...overrides,
});

describe('evolve', () => {
  it('folds the next entry into balance, version and updatedAt', () => {
    // Prepare
    const account = anAccount({ balance: 50, version: 2 });

    // Act
    const next = evolve(account, anEntry({ sequence: 3, amount: -20, balanceAfter: 30 }));

    // Assess
    expect(next).toEqual({ ...account, balance: 30, version: 3, updatedAt: LATER });
  });

  it('throws on a sequence gap', () => {
    const act = () =>
      evolve(anAccount({ version: 1, balance: 100 }), anEntry({ sequence: 3, balanceAfter: 200 }));

    expect(act).toThrow(LedgerInvariantError);
    expect(act).toThrow(/expected entry 2, got 3/);
  });

  it('throws on an entry applied twice', () => {
    const act = () =>
      evolve(anAccount({ version: 1, balance: 100 }), anEntry({ sequence: 1, balanceAfter: 200 }));

    expect(act).toThrow(LedgerInvariantError);
  });

  it('throws when balanceAfter disagrees with the fold', () => {
    const act = () => evolve(anAccount(), anEntry({ amount: 100, balanceAfter: 99 }));

    expect(act).toThrow(LedgerInvariantError);
    expect(act).toThrow(/balanceAfter 99, fold gives 100/);
  });

  it('throws when the entry belongs to another account', () => {
    const act = () => evolve(anAccount({ accountId: 'acct-1' }), anEntry({ accountId: 'acct-2' }));

    expect(act).toThrow(LedgerInvariantError);
  });

  it('rebuilds exactly the account that decide left, from an empty account and its entries', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arbDeposit(), arbWithdrawal()), { maxLength: 30 }), (txs) => {
        // Prepare: one account, so every generated transaction targets it
        const opened = emptyAccount({
          accountId: 'acct-1',
          currency: 'EUR',
          overdraftLimit: 500_000,
          lowBalanceThreshold: 0,
          createdAt: NOW,
        });
        let live: Account = opened;
        const entries: Entry[] = [];
        txs.forEach((tx, i) => {
          const decision = decide(
            postCommand({ ...tx, transactionId: `tx-${i}`, accountId: 'acct-1', currency: 'EUR' }),
            stateOf({ accounts: [live] }),
            NOW,
          );
          for (const w of decision.kind === 'Post' ? decision.writes : []) {
            live = w.after;
            entries.push(w.entry);
          }
        });

        // Act
        const rebuilt = entries.reduce(evolve, opened);

        // Assess
        expect(rebuilt).toEqual(live);
        expect(entries.map((e) => e.sequence)).toEqual(entries.map((_, i) => i + 1));
      }),
      { numRuns: numRuns() },
    );
  });
});

describe('emptyAccount', () => {
  it('opens at balance 0 and version 0, last updated when created', () => {
    const account = emptyAccount({
      accountId: 'acct-1',
      currency: 'EUR',
      overdraftLimit: 10,
      lowBalanceThreshold: 20,
      createdAt: NOW,
    });

    expect(account).toEqual({
      accountId: 'acct-1',
      currency: 'EUR',
      overdraftLimit: 10,
      lowBalanceThreshold: 20,
      createdAt: NOW,
      updatedAt: NOW,
      balance: 0,
      version: 0,
    });
  });
});
