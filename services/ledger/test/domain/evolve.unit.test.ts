import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  decide,
  type Entry,
  emptyAccount,
  entriesOf,
  evolve,
  evolveAccount,
  evolveRecord,
  initialRecord,
  LedgerInvariantError,
  type LedgerState,
} from '../../src/domain/index.js';
import { arbDeposit, arbScenario, arbWithdrawal, numRuns } from '../support/arbitraries.js';
import {
  aDeposit,
  anAccount,
  aReversal,
  aWithdrawal,
  NOW,
  postCommand,
  stateOf,
} from '../support/builders.js';

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

describe('evolveAccount', () => {
  it('folds the next entry into balance, version and updatedAt', () => {
    // Prepare
    const account = anAccount({ balance: 50, version: 2 });

    // Act
    const next = evolveAccount(account, anEntry({ sequence: 3, amount: -20, balanceAfter: 30 }));

    // Assess
    expect(next).toEqual({ ...account, balance: 30, version: 3, updatedAt: LATER });
  });

  it('throws on a sequence gap', () => {
    const act = () =>
      evolveAccount(
        anAccount({ version: 1, balance: 100 }),
        anEntry({ sequence: 3, balanceAfter: 200 }),
      );

    expect(act).toThrow(LedgerInvariantError);
    expect(act).toThrow(/expected entry 2, got 3/);
  });

  it('throws on an entry applied twice', () => {
    const act = () =>
      evolveAccount(
        anAccount({ version: 1, balance: 100 }),
        anEntry({ sequence: 1, balanceAfter: 200 }),
      );

    expect(act).toThrow(LedgerInvariantError);
  });

  it('throws when balanceAfter disagrees with the fold', () => {
    const act = () => evolveAccount(anAccount(), anEntry({ amount: 100, balanceAfter: 99 }));

    expect(act).toThrow(LedgerInvariantError);
    expect(act).toThrow(/balanceAfter 99, fold gives 100/);
  });

  it('throws when the entry belongs to another account', () => {
    const act = () =>
      evolveAccount(anAccount({ accountId: 'acct-1' }), anEntry({ accountId: 'acct-2' }));

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
          const command = postCommand({
            ...tx,
            transactionId: `tx-${i}`,
            accountId: 'acct-1',
            currency: 'EUR',
          });
          const before: LedgerState = { ...stateOf({ accounts: [live] }), request: command };
          const events = decide(command, before, NOW);
          live = events.reduce(evolve, before).accounts.get('acct-1') as Account;
          for (const e of events)
            if (e.type === 'ledger.transaction.posted') entries.push(...entriesOf(e));
        });

        // Act
        const rebuilt = entries.reduce(evolveAccount, opened);

        // Assess: daily usage is not an entry, and is no part of what entries rebuild
        expect(rebuilt).toEqual({ ...live, withdrawn: {} });
        expect(entries.map((e) => e.sequence)).toEqual(entries.map((_, i) => i + 1));
      }),
      { numRuns: numRuns() },
    );
  });
});

describe('evolve', () => {
  it('folds a posting into its record, the accounts it moved and the original it reversed', () => {
    // Prepare: a withdrawal posted, then its reversal decided
    const account = anAccount({ balance: 500 });
    const withdrawal = postCommand(aWithdrawal({ amount: 100 }));
    const start: LedgerState = { ...stateOf({ accounts: [account] }), request: withdrawal };
    const afterWithdrawal = decide(withdrawal, start, NOW).reduce(evolve, start);
    const reversal = postCommand(aReversal('w-1'));
    const before: LedgerState = {
      ...stateOf({
        accounts: [...afterWithdrawal.accounts.values()] as Account[],
        original: afterWithdrawal.existing,
      }),
      request: reversal,
    };

    // Act
    const events = decide(reversal, before, LATER);
    const after = events.reduce(evolve, before);

    // Assess
    expect(after.accounts.get('acct-1')).toMatchObject({
      balance: 500,
      version: 2,
      updatedAt: LATER,
    });
    expect(after.existing).toMatchObject({ status: 'POSTED', reversedType: 'WITHDRAWAL', events });
    expect(after.original).toMatchObject({ reversedBy: 'r-w-1' });
    expect(before.original?.reversedBy).toBeUndefined();
  });

  it('queues an early reversal behind the ones already waiting for its original', () => {
    const command = postCommand(aReversal('w-9'));
    const before: LedgerState = {
      ...stateOf({ accounts: [anAccount()] }),
      request: command,
      originalWaiting: ['r-0'],
    };

    const after = decide(command, before, NOW).reduce(evolve, before);

    expect(after.originalWaiting).toEqual(['r-0', 'r-w-9']);
    expect(after.existing).toMatchObject({
      status: 'PENDING',
      waitUntil: '2026-03-02T12:00:00.000Z',
    });
  });

  it('refuses an event folded into a state without its transaction', () => {
    const [event] = decide(postCommand(aDeposit()), stateOf({ accounts: [anAccount()] }), NOW);
    if (event === undefined) throw new Error('no event');

    expect(() => evolve(stateOf({ accounts: [anAccount()] }), event)).toThrow(LedgerInvariantError);
  });
});

describe('evolveRecord', () => {
  it('rebuilds a record from its request and journal, as the table keeps them', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const before = { ...state, request: command };
        const events = decide(command, before, NOW);
        fc.pre(events.length > 0 && state.existing === undefined);
        const record = events.reduce(evolve, before).existing;

        const rebuilt = events.reduce(evolveRecord, initialRecord(command, state.waiting));

        expect(rebuilt).toEqual(record);
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
      heldAmount: 0,
      withdrawn: {},
    });
  });
});
