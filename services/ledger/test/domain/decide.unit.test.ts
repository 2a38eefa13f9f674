import type { AtmTransaction, AuthorizationEvent, LedgerEvent } from '@atm-ledger/contracts';
import { legacyPayloadHash, MAX_BALANCE } from '@atm-ledger/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Account,
  type AuthorizationRecord,
  accountsTouched,
  atmCashAccount,
  authorizationRelianceOf,
  DEFAULT_LEDGER_POLICY,
  decide,
  decideAuthorization,
  decideExpiry,
  decideHoldExpiry,
  evolveAuthorization,
  isBalanced,
  LedgerInvariantError,
  type LedgerPolicy,
  MAX_CONFLICTS_COUNTED,
  MAX_WAITING_REVERSALS,
  relianceOf,
  type TransactionRecord,
} from '../../src/domain/index.js';
import {
  arbDeposit,
  arbNonReversal,
  arbReversalScenario,
  arbScenario,
  arbSimpleScenario,
  arbWithdrawal,
  numRuns,
} from '../support/arbitraries.js';
import {
  aBalanceInquiry,
  aDeposit,
  anAccount,
  anAuthorization,
  aRelease,
  aReversal,
  aTransfer,
  authorizeCommand,
  authorized,
  aWithdrawal,
  decisionOf,
  expectKind,
  NOW,
  postCommand,
  stateOf,
} from '../support/builders.js';

const LATER = '2026-03-01T13:00:00.000Z';

/** Posts `tx` against `accounts` and returns its record and the accounts as it left them. */
function posted(tx: AtmTransaction, accounts: readonly Account[]) {
  const decision = expectKind(decisionOf(postCommand(tx), stateOf({ accounts }), NOW), 'Post');
  const after = new Map(decision.writes.map((w) => [w.after.accountId, w.after]));
  return { record: decision.record, accounts: accounts.map((a) => after.get(a.accountId) ?? a) };
}

describe('decide: duplicate and conflict', () => {
  it('returns Duplicate with the remembered record when the id comes again with the same payload', () => {
    // Prepare
    const tx = aWithdrawal({ amount: 100 });
    const first = posted(tx, [anAccount({ balance: 500 })]);

    // Act: the account could no longer afford it, which must not matter for a redelivery
    const decision = decisionOf(
      postCommand(tx),
      stateOf({ accounts: [anAccount({ balance: 0, version: 1 })], existing: first.record }),
      LATER,
    );

    // Assess
    expect(decision).toEqual({ kind: 'Duplicate', existing: first.record });
  });

  it('returns Conflict with the new payload hash when the id comes again with a different payload', () => {
    // Prepare
    const first = posted(aWithdrawal({ amount: 100 }), [anAccount({ balance: 500 })]);
    const changed = postCommand(aWithdrawal({ amount: 101 }));

    // Act
    const decision = decisionOf(
      changed,
      stateOf({ accounts: first.accounts, existing: first.record }),
      LATER,
    );

    // Assess: the first delivery stands, and the conflict is counted by its event
    expect(decision).toEqual({
      kind: 'Conflict',
      existing: first.record,
      conflictingHash: changed.payloadHash,
      events: [
        {
          schemaVersion: 1,
          id: 'w-1:conflict:1',
          type: 'ledger.transaction.conflict',
          transactionId: 'w-1',
          occurredAt: first.record.transaction.occurredAt,
          accountId: 'acct-1',
          conflictNumber: 1,
          existingPayloadHash: first.record.payloadHash,
          conflictingPayloadHash: changed.payloadHash,
          detectedAt: LATER,
        },
      ],
    });
    expect(changed.payloadHash).not.toBe(first.record.payloadHash);
  });

  it('counts a conflicting payload once: the same one again decides nothing', () => {
    // Prepare
    const first = posted(aWithdrawal({ amount: 100 }), [anAccount({ balance: 500 })]);
    const changed = postCommand(aWithdrawal({ amount: 101 }));
    const counted = { ...first.record, conflicts: 1, conflictHashes: [changed.payloadHash] };

    // Act
    const again = decide(changed, stateOf({ existing: counted }), LATER);
    const another = decide(
      postCommand(aWithdrawal({ amount: 102 })),
      stateOf({ existing: counted }),
      LATER,
    );

    // Assess
    expect(again).toEqual([]);
    expect(another).toEqual([expect.objectContaining({ id: 'w-1:conflict:2', conflictNumber: 2 })]);
  });

  it(`stops counting at ${MAX_CONFLICTS_COUNTED} conflicting payloads`, () => {
    const full = {
      ...posted(aWithdrawal({ amount: 100 }), [anAccount({ balance: 500 })]).record,
      conflicts: MAX_CONFLICTS_COUNTED,
      conflictHashes: Array.from({ length: MAX_CONFLICTS_COUNTED }, (_, i) => `h-${i}`),
    };

    expect(
      decide(postCommand(aWithdrawal({ amount: 7 })), stateOf({ existing: full }), LATER),
    ).toEqual([]);
  });

  it('takes a record fingerprinted before payloads were canonical as its own payload: a Duplicate', () => {
    // Prepare
    const tx = aWithdrawal({ amount: 100 });
    const first = posted(tx, [anAccount({ balance: 500 })]);
    const legacy = { ...first.record, payloadHash: legacyPayloadHash(tx) };

    // Act
    const again = decisionOf(
      postCommand(tx),
      stateOf({ accounts: first.accounts, existing: legacy }),
      LATER,
    );
    const other = decisionOf(
      postCommand(aWithdrawal({ amount: 101 })),
      stateOf({ accounts: first.accounts, existing: legacy }),
      LATER,
    );

    // Assess
    expect(again.kind).toBe('Duplicate');
    expect(other.kind).toBe('Conflict');
  });

  it('takes one instant written two ways as the same payload', () => {
    const tx = aWithdrawal({ amount: 100, occurredAt: '2026-03-01T12:00:00+01:00' });
    const first = posted(tx, [anAccount({ balance: 500 })]);

    const again = decisionOf(
      postCommand({ ...tx, occurredAt: '2026-03-01T11:00:00.000Z' }),
      stateOf({ accounts: first.accounts, existing: first.record }),
      LATER,
    );

    expect(again.kind).toBe('Duplicate');
  });

  it('keeps a rejection: a redelivery after funds arrived is still a Duplicate of the rejection', () => {
    // Prepare
    const tx = aWithdrawal({ amount: 100 });
    const rejected = expectKind(
      decisionOf(postCommand(tx), stateOf({ accounts: [anAccount()] }), NOW),
      'Reject',
    );

    // Act
    const decision = decisionOf(
      postCommand(tx),
      stateOf({ accounts: [anAccount({ balance: 1_000, version: 1 })], existing: rejected.record }),
      LATER,
    );

    // Assess
    expect(expectKind(decision, 'Duplicate').existing.status).toBe('REJECTED');
  });
});

describe('decide: WITHDRAWAL', () => {
  it('debits the account and credits the cash of the ATM that dispensed it', () => {
    // Prepare
    const account = anAccount({
      balance: 500,
      version: 3,
      lowBalanceThreshold: 450,
      overdraftLimit: 25,
    });
    const tx = aWithdrawal({ amount: 100, atmId: 'atm-7' });

    // Act
    const decision = expectKind(
      decisionOf(postCommand(tx, 'corr-1'), stateOf({ accounts: [account] }), NOW),
      'Post',
    );

    // Assess
    expect(decision.writes).toEqual([
      {
        before: account,
        // The withdrawal counts against its UTC day, for the daily limit.
        after: {
          ...account,
          balance: 400,
          version: 4,
          updatedAt: NOW,
          withdrawn: { [NOW.slice(0, 10)]: 100 },
        },
        entry: {
          accountId: 'acct-1',
          sequence: 4,
          transactionId: 'w-1',
          type: 'WITHDRAWAL',
          amount: -100,
          balanceAfter: 400,
          postedAt: NOW,
        },
      },
    ]);
    expect(decision.record).toMatchObject({
      status: 'POSTED',
      transaction: tx,
      payloadHash: postCommand(tx).payloadHash,
      decidedAt: NOW,
      correlationId: 'corr-1',
      conflicts: 0,
      legs: [
        { account: 'acct-1', debit: 100, credit: 0, currency: 'EUR' },
        { account: atmCashAccount('atm-7'), debit: 0, credit: 100, currency: 'EUR' },
      ],
      movements: [
        {
          accountId: 'acct-1',
          amount: -100,
          balanceBefore: 500,
          balanceAfter: 400,
          lowBalanceThreshold: 450,
          overdraftLimit: 25,
          sequence: 4,
        },
      ],
    });
    expect(decision.unchanged).toEqual([]);
    // The decision is its event, exactly what the bus will carry.
    expect(decision.events).toEqual([
      {
        schemaVersion: 1,
        id: 'w-1:posted',
        type: 'ledger.transaction.posted',
        transactionId: 'w-1',
        occurredAt: tx.occurredAt,
        correlationId: 'corr-1',
        transactionType: 'WITHDRAWAL',
        accountId: 'acct-1',
        atmId: 'atm-7',
        currency: 'EUR',
        amount: 100,
        postedAt: NOW,
        movements: decision.record.movements,
        legs: decision.record.legs,
      },
    ]);
  });

  it('posts when the amount takes the balance exactly to the overdraft limit', () => {
    // Prepare
    const account = anAccount({ balance: 100, overdraftLimit: 50 });

    // Act
    const decision = decisionOf(
      postCommand(aWithdrawal({ amount: 150 })),
      stateOf({ accounts: [account] }),
      NOW,
    );

    // Assess
    const write = expectKind(decision, 'Post').writes[0];
    expect(write?.after.balance).toBe(-50);
  });

  it('rejects when the amount exceeds balance plus overdraft by one minor unit', () => {
    // Prepare
    const account = anAccount({ balance: 100, overdraftLimit: 50 });

    // Act
    const decision = decisionOf(
      postCommand(aWithdrawal({ amount: 151 })),
      stateOf({ accounts: [account] }),
      NOW,
    );

    // Assess
    const reject = expectKind(decision, 'Reject');
    expect(reject.record).toMatchObject({
      status: 'REJECTED',
      reason: 'INSUFFICIENT_FUNDS',
      legs: [],
      movements: [],
    });
    // The rejection holds only while the account has not moved.
    expect(reject.basedOn).toEqual([account]);
    expect(reject.absent).toEqual([]);
  });

  it('rejects with ACCOUNT_NOT_FOUND, relying on the account staying absent', () => {
    // Act
    const decision = decisionOf(postCommand(aWithdrawal()), stateOf({ absent: ['acct-1'] }), NOW);

    // Assess
    const reject = expectKind(decision, 'Reject');
    expect(reject.record.reason).toBe('ACCOUNT_NOT_FOUND');
    expect(reject.basedOn).toEqual([]);
    expect(reject.absent).toEqual(['acct-1']);
  });

  it('rejects with CURRENCY_MISMATCH when the account is held in another currency', () => {
    // Prepare
    const account = anAccount({ currency: 'EUR', balance: 1_000 });

    // Act
    const decision = decisionOf(
      postCommand(aWithdrawal({ currency: 'USD' })),
      stateOf({ accounts: [account] }),
      NOW,
    );

    // Assess
    // Assess: relying on nothing that can change: an account's currency never does
    const reject = expectKind(decision, 'Reject');
    expect(reject.record.reason).toBe('CURRENCY_MISMATCH');
    expect(reject.basedOn).toEqual([]);
  });

  it('throws LedgerInvariantError for a withdrawal without an amount', () => {
    // Prepare
    const tx = aWithdrawal({ amount: undefined });

    // Act
    const act = () =>
      decisionOf(postCommand(tx), stateOf({ accounts: [anAccount({ balance: 1_000 })] }), NOW);

    // Assess
    expect(act).toThrow(LedgerInvariantError);
  });
});

describe('decide: DEPOSIT', () => {
  it('credits the account and debits the cash of the ATM that took it', () => {
    // Prepare
    const account = anAccount({ balance: 10 });

    // Act
    const decision = decisionOf(
      postCommand(aDeposit({ amount: 90 })),
      stateOf({ accounts: [account] }),
      NOW,
    );

    // Assess
    const post = expectKind(decision, 'Post');
    expect(post.writes[0]?.after).toMatchObject({ balance: 100, version: 1 });
    expect(post.writes[0]?.entry).toMatchObject({
      amount: 90,
      balanceAfter: 100,
      sequence: 1,
      type: 'DEPOSIT',
    });
    expect(post.record.legs).toEqual([
      { account: atmCashAccount('atm-1'), debit: 90, credit: 0, currency: 'EUR' },
      { account: 'acct-1', debit: 0, credit: 90, currency: 'EUR' },
    ]);
  });

  it('posts to an account at its overdraft limit: a credit is never refused', () => {
    // Prepare
    const account = anAccount({ balance: -50, overdraftLimit: 50 });

    // Act
    const decision = decisionOf(
      postCommand(aDeposit({ amount: 1 })),
      stateOf({ accounts: [account] }),
      NOW,
    );

    // Assess
    const write = expectKind(decision, 'Post').writes[0];
    expect(write?.after.balance).toBe(-49);
  });

  it('rejects with ACCOUNT_NOT_FOUND for an unknown account', () => {
    const decision = decisionOf(postCommand(aDeposit()), stateOf({ absent: ['acct-1'] }), NOW);

    expect(expectKind(decision, 'Reject').record.reason).toBe('ACCOUNT_NOT_FOUND');
  });

  it('rejects with CURRENCY_MISMATCH when the account is held in another currency', () => {
    const decision = decisionOf(
      postCommand(aDeposit({ currency: 'GBP' })),
      stateOf({ accounts: [anAccount()] }),
      NOW,
    );

    expect(expectKind(decision, 'Reject').record.reason).toBe('CURRENCY_MISMATCH');
  });
});

describe('decide: TRANSFER', () => {
  const from = anAccount({ accountId: 'acct-1', balance: 300, overdraftLimit: 100, version: 2 });
  const to = anAccount({ accountId: 'acct-2', balance: -20, overdraftLimit: 20, version: 5 });

  it('debits the source and credits the destination, one entry each', () => {
    // Act
    const decision = decisionOf(
      postCommand(aTransfer({ amount: 120 })),
      stateOf({ accounts: [from, to] }),
      NOW,
    );

    // Assess
    const post = expectKind(decision, 'Post');
    expect(
      post.writes.map((w) => [
        w.after.accountId,
        w.after.balance,
        w.entry.sequence,
        w.entry.amount,
      ]),
    ).toEqual([
      ['acct-1', 180, 3, -120],
      ['acct-2', 100, 6, 120],
    ]);
    expect(post.record.legs).toEqual([
      { account: 'acct-1', debit: 120, credit: 0, currency: 'EUR' },
      { account: 'acct-2', debit: 0, credit: 120, currency: 'EUR' },
    ]);
  });

  it('floors only the source: a credit to an overdrawn destination is never refused', () => {
    // Act
    const decision = decisionOf(
      postCommand(aTransfer({ amount: 120 })),
      stateOf({ accounts: [from, to] }),
      NOW,
    );

    // Assess: the destination, at its floor, is credited
    expect(
      expectKind(decision, 'Post').writes.map((w) => [w.after.accountId, w.after.balance]),
    ).toEqual([
      ['acct-1', from.balance - 120],
      ['acct-2', to.balance + 120],
    ]);
  });

  it('posts at exactly balance plus overdraft and rejects one minor unit more', () => {
    // Act
    const atLimit = decisionOf(
      postCommand(aTransfer({ amount: 400 })),
      stateOf({ accounts: [from, to] }),
      NOW,
    );
    const over = decisionOf(
      postCommand(aTransfer({ amount: 401 })),
      stateOf({ accounts: [from, to] }),
      NOW,
    );

    // Assess
    expect(expectKind(atLimit, 'Post').writes[0]?.after.balance).toBe(-100);
    const reject = expectKind(over, 'Reject');
    expect(reject.record.reason).toBe('INSUFFICIENT_FUNDS');
    expect(reject.basedOn).toEqual([from, to]);
  });

  it('rejects a transfer to the same account with SAME_ACCOUNT', () => {
    const decision = decisionOf(
      postCommand(aTransfer({ toAccountId: 'acct-1' })),
      stateOf({ accounts: [from] }),
      NOW,
    );

    const reject = expectKind(decision, 'Reject');
    expect(reject.record.reason).toBe('SAME_ACCOUNT');
    expect(reject.basedOn).toEqual([]);
  });

  it('rejects with ACCOUNT_NOT_FOUND naming only the missing destination as absent', () => {
    const decision = decisionOf(
      postCommand(aTransfer()),
      stateOf({ accounts: [from], absent: ['acct-2'] }),
      NOW,
    );

    // Assess: relying on the destination's absence alone
    const reject = expectKind(decision, 'Reject');
    expect(reject.record.reason).toBe('ACCOUNT_NOT_FOUND');
    expect(reject.basedOn).toEqual([]);
    expect(reject.absent).toEqual(['acct-2']);
  });

  it('rejects with ACCOUNT_NOT_FOUND naming both accounts when neither exists', () => {
    const decision = decisionOf(
      postCommand(aTransfer()),
      stateOf({ absent: ['acct-1', 'acct-2'] }),
      NOW,
    );

    const reject = expectKind(decision, 'Reject');
    expect(reject.absent).toEqual(['acct-1', 'acct-2']);
    expect(reject.basedOn).toEqual([]);
  });

  it('rejects with CURRENCY_MISMATCH when the destination is held in another currency', () => {
    const usd = { ...to, currency: 'USD' };

    const decision = decisionOf(postCommand(aTransfer()), stateOf({ accounts: [from, usd] }), NOW);

    expect(expectKind(decision, 'Reject').record.reason).toBe('CURRENCY_MISMATCH');
  });

  it('throws LedgerInvariantError for a transfer without a destination', () => {
    const act = () =>
      decisionOf(
        postCommand(aTransfer({ toAccountId: undefined })),
        stateOf({ accounts: [from] }),
        NOW,
      );

    expect(act).toThrow(LedgerInvariantError);
  });
});

describe('decide: BALANCE_INQUIRY', () => {
  it('posts without writes or legs, remembering the balance it showed, valid only while the account has not moved', () => {
    // Prepare
    const account = anAccount({ balance: 42, version: 9 });

    // Act
    const decision = decisionOf(
      postCommand(aBalanceInquiry()),
      stateOf({ accounts: [account] }),
      NOW,
    );

    // Assess
    const post = expectKind(decision, 'Post');
    expect(post.writes).toEqual([]);
    expect(post.record).toMatchObject({ status: 'POSTED', legs: [], movements: [], balance: 42 });
    expect(post.unchanged).toEqual([account]);
  });

  it('rejects with ACCOUNT_NOT_FOUND for an unknown account', () => {
    const decision = decisionOf(
      postCommand(aBalanceInquiry()),
      stateOf({ absent: ['acct-1'] }),
      NOW,
    );

    expect(expectKind(decision, 'Reject').absent).toEqual(['acct-1']);
  });
});

describe('decide: REVERSAL', () => {
  const funded = anAccount({ balance: 500 });

  it('refunds a withdrawal in full with the mirror image of its legs', () => {
    // Prepare
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);

    // Act
    const decision = decisionOf(
      postCommand(aReversal('w-1')),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
    );

    // Assess
    const post = expectKind(decision, 'Post');
    expect(post.reverses).toBe('w-1');
    expect(post.writes[0]?.after).toMatchObject({ balance: 500, version: 2 });
    expect(post.writes[0]?.entry).toMatchObject({ amount: 100, type: 'REVERSAL', sequence: 2 });
    expect(post.record.legs).toEqual([
      { account: 'acct-1', debit: 0, credit: 100, currency: 'EUR' },
      { account: atmCashAccount('atm-1'), debit: 100, credit: 0, currency: 'EUR' },
    ]);
  });

  it('refunds only what was not dispensed for a partial dispense', () => {
    // Prepare
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);

    // Act
    const decision = decisionOf(
      postCommand(aReversal('w-1', { dispensedAmount: 30 })),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
    );

    // Assess
    const post = expectKind(decision, 'Post');
    expect(post.writes[0]?.after.balance).toBe(470);
    expect(post.record.legs).toEqual([
      { account: 'acct-1', debit: 0, credit: 70, currency: 'EUR' },
      { account: atmCashAccount('atm-1'), debit: 70, credit: 0, currency: 'EUR' },
    ]);
  });

  it('rejects with NOTHING_TO_REVERSE when everything was dispensed, leaving the original reversible', () => {
    // Prepare
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);

    // Act
    const decision = decisionOf(
      postCommand(aReversal('w-1', { dispensedAmount: 100 })),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
    );
    const later = decisionOf(
      postCommand(aReversal('w-1', { transactionId: 'r-2' })),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
    );

    // Assess: nothing written but the rejection, and a real reversal still posts.
    const reject = expectKind(decision, 'Reject');
    expect(reject.record.reason).toBe('NOTHING_TO_REVERSE');
    expect(reject).not.toHaveProperty('reverses');
    expect(expectKind(later, 'Post').reverses).toBe('w-1');
  });

  it('pends a reversal that arrives before its original, waiting for that original', () => {
    // Act
    const decision = decisionOf(
      postCommand(aReversal('w-1')),
      stateOf({ accounts: [funded] }),
      NOW,
    );

    // Assess
    const pend = expectKind(decision, 'Pend');
    expect(pend.waitsFor).toBe('w-1');
    expect(pend.record).toMatchObject({ status: 'PENDING', legs: [], movements: [] });
  });

  it('rejects a reversal that names itself as its original with NOT_REVERSIBLE, rather than pending for ever', () => {
    const decision = decisionOf(
      postCommand(aReversal('r-1', { transactionId: 'r-1' })),
      stateOf({ accounts: [funded] }),
      NOW,
    );

    expect(expectKind(decision, 'Reject').record.reason).toBe('NOT_REVERSIBLE');
  });

  it('throws LedgerInvariantError for a reversal without an original id', () => {
    const act = () =>
      decisionOf(
        postCommand(aReversal('w-1', { originalTransactionId: undefined })),
        stateOf({ accounts: [funded] }),
        NOW,
      );

    expect(act).toThrow(LedgerInvariantError);
  });

  it('rejects a second reversal of the same original with ALREADY_REVERSED', () => {
    // Prepare
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);
    const reversed: TransactionRecord = { ...original.record, reversedBy: 'r-other' };

    // Act
    const decision = decisionOf(
      postCommand(aReversal('w-1')),
      stateOf({ accounts: original.accounts, original: reversed }),
      LATER,
    );

    // Assess
    expect(expectKind(decision, 'Reject').record.reason).toBe('ALREADY_REVERSED');
  });

  it('rejects the reversal of a reversal with NOT_REVERSIBLE', () => {
    // Prepare
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);
    const firstReversal = expectKind(
      decisionOf(
        postCommand(aReversal('w-1')),
        stateOf({ accounts: original.accounts, original: original.record }),
        NOW,
      ),
      'Post',
    );
    const accounts = firstReversal.writes.map((w) => w.after);

    // Act
    const decision = decisionOf(
      postCommand(aReversal('r-w-1')),
      stateOf({ accounts, original: firstReversal.record }),
      LATER,
    );

    // Assess
    expect(expectKind(decision, 'Reject').record.reason).toBe('NOT_REVERSIBLE');
  });

  it('rejects the reversal of a balance inquiry with NOT_REVERSIBLE', () => {
    const inquiry = posted(aBalanceInquiry(), [funded]);

    const decision = decisionOf(
      postCommand(aReversal('b-1')),
      stateOf({ accounts: inquiry.accounts, original: inquiry.record }),
      LATER,
    );

    expect(expectKind(decision, 'Reject').record.reason).toBe('NOT_REVERSIBLE');
  });

  it('rejects a reversal sent for another account than the original with ORIGINAL_MISMATCH', () => {
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);

    const decision = decisionOf(
      postCommand(aReversal('w-1', { accountId: 'acct-9' })),
      stateOf({
        accounts: [...original.accounts, anAccount({ accountId: 'acct-9' })],
        original: original.record,
      }),
      LATER,
    );

    const reject = expectKind(decision, 'Reject');
    expect(reject.record.reason).toBe('ORIGINAL_MISMATCH');
    expect(reject.basedOn).toEqual([]);
  });

  it('rejects the reversal of a rejected original with ORIGINAL_NOT_POSTED', () => {
    // Prepare
    const rejected = expectKind(
      decisionOf(postCommand(aWithdrawal({ amount: 1_000 })), stateOf({ accounts: [funded] }), NOW),
      'Reject',
    ).record;

    // Act
    const decision = decisionOf(
      postCommand(aReversal('w-1')),
      stateOf({ accounts: [funded], original: rejected }),
      LATER,
    );

    // Assess
    expect(expectKind(decision, 'Reject').record.reason).toBe('ORIGINAL_NOT_POSTED');
  });

  it('rejects a dispensed amount above the original amount with INVALID_DISPENSED_AMOUNT', () => {
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);

    const decision = decisionOf(
      postCommand(aReversal('w-1', { dispensedAmount: 101 })),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
    );

    expect(expectKind(decision, 'Reject').record.reason).toBe('INVALID_DISPENSED_AMOUNT');
  });

  it('rejects a dispensed amount on the reversal of a deposit with INVALID_DISPENSED_AMOUNT', () => {
    const original = posted(aDeposit({ amount: 100 }), [funded]);

    const decision = decisionOf(
      postCommand(aReversal('d-1', { dispensedAmount: 1 })),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
    );

    expect(expectKind(decision, 'Reject').record.reason).toBe('INVALID_DISPENSED_AMOUNT');
  });

  it('takes a reversed deposit back whatever the balance, beyond the overdraft limit: the ATM never took the cash', () => {
    // Prepare
    const original = posted(aDeposit({ amount: 100 }), [anAccount({ overdraftLimit: 20 })]);
    const spent = posted(aWithdrawal({ amount: 110 }), original.accounts);

    // Act
    const decision = decisionOf(
      postCommand(aReversal('d-1')),
      stateOf({ accounts: spent.accounts, original: original.record }),
      LATER,
    );

    // Assess: balance -10 - 100 = -110, past the -20 floor.
    const post = expectKind(decision, 'Post');
    expect(post.writes.map((w) => w.after.balance)).toEqual([-110]);
    expect(post.record.movements).toEqual([
      expect.objectContaining({ amount: -100, balanceAfter: -110, overdraftLimit: 20 }),
    ]);
    expect(post.record.reversedType).toBe('DEPOSIT');
  });

  it('takes a reversed transfer back from the payee only if the payee still has it', () => {
    // Prepare
    const from = anAccount({ accountId: 'acct-1', balance: 300 });
    const to = anAccount({ accountId: 'acct-2', balance: 0 });
    const original = posted(aTransfer({ amount: 120 }), [from, to]);
    const payeeSpent = posted(
      aWithdrawal({ transactionId: 'w-2', accountId: 'acct-2', amount: 50 }),
      original.accounts,
    );

    // Act
    const decision = decisionOf(
      postCommand(aReversal('t-1')),
      stateOf({ accounts: payeeSpent.accounts, original: original.record }),
      LATER,
    );

    // Assess
    expect(expectKind(decision, 'Reject').record.reason).toBe('INSUFFICIENT_FUNDS');
  });

  it('puts both accounts of a reversed transfer back', () => {
    // Prepare
    const from = anAccount({ accountId: 'acct-1', balance: 300 });
    const to = anAccount({ accountId: 'acct-2', balance: 0, overdraftLimit: 10 });
    const original = posted(aTransfer({ amount: 120 }), [from, to]);

    // Act
    const decision = decisionOf(
      postCommand(aReversal('t-1')),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
    );

    // Assess
    const post = expectKind(decision, 'Post');
    expect(post.writes.map((w) => [w.after.accountId, w.after.balance])).toEqual([
      ['acct-1', 300],
      ['acct-2', 0],
    ]);
    expect(isBalanced(post.record.legs)).toBe(true);
  });

  it('rejects with ACCOUNT_NOT_FOUND when an account the original moved is missing', () => {
    const original = posted(aTransfer({ amount: 120 }), [
      funded,
      anAccount({ accountId: 'acct-2' }),
    ]);
    const [source] = original.accounts;

    const decision = decisionOf(
      postCommand(aReversal('t-1')),
      stateOf({
        accounts: source === undefined ? [] : [source],
        absent: ['acct-2'],
        original: original.record,
      }),
      LATER,
    );

    const reject = expectKind(decision, 'Reject');
    expect(reject.record.reason).toBe('ACCOUNT_NOT_FOUND');
    expect(reject.absent).toEqual(['acct-2']);
  });
});

describe('decide: REVERSAL binds only to what it reverses', () => {
  const funded = anAccount({ balance: 500 });
  const at = (iso: string) => ({ occurredAt: iso });
  const T = '2026-03-01T11:00:00.000Z';

  /** Decides a reversal of a 100 EUR withdrawal that occurred at T at atm-1. */
  const reverse = (reversal: Partial<AtmTransaction>, policy?: LedgerPolicy) => {
    const original = posted(aWithdrawal({ amount: 100, ...at(T) }), [funded]);
    return decisionOf(
      postCommand(aReversal('w-1', { ...at(T), ...reversal })),
      stateOf({ accounts: original.accounts, original: original.record }),
      LATER,
      policy,
    );
  };
  const reasonOf = (d: ReturnType<typeof decisionOf>) =>
    d.kind === 'Reject' ? d.record.reason : d.kind;

  it('rejects with ORIGINAL_MISMATCH a reversal sent by another ATM', () => {
    expect(reasonOf(reverse({ atmId: 'atm-2' }))).toBe('ORIGINAL_MISMATCH');
  });

  it('rejects with ORIGINAL_MISMATCH an original that occurred after the reversal', () => {
    expect(reasonOf(reverse(at('2026-03-01T10:59:59.999Z')))).toBe('ORIGINAL_MISMATCH');
    expect(reasonOf(reverse(at(T)))).toBe('Post');
  });

  it('binds an original exactly the window before, and rejects one a millisecond older', () => {
    // The default window is one day.
    expect(reasonOf(reverse(at('2026-03-02T11:00:00.000Z')))).toBe('Post');
    expect(reasonOf(reverse(at('2026-03-02T11:00:00.001Z')))).toBe('ORIGINAL_MISMATCH');
    expect(reasonOf(reverse(at('2027-03-01T11:00:00.000Z')))).toBe('ORIGINAL_MISMATCH');
  });

  it('measures the window the policy gives', () => {
    const window = { ...DEFAULT_LEDGER_POLICY, reversalWindowSeconds: 60 };
    expect(reasonOf(reverse(at('2026-03-01T11:01:00.000Z'), window))).toBe('Post');
    expect(reasonOf(reverse(at('2026-03-01T11:01:00.001Z'), window))).toBe('ORIGINAL_MISMATCH');
  });

  it('compares instants, not how they are written', () => {
    expect(reasonOf(reverse(at('2026-03-01T12:00:00.000+01:00')))).toBe('Post');
  });

  it("posts a reversal carrying the original's amount and currency, and rejects any other", () => {
    expect(reasonOf(reverse({ amount: 100, currency: 'EUR' }))).toBe('Post');
    expect(reasonOf(reverse({ amount: 99, currency: 'EUR' }))).toBe('ORIGINAL_MISMATCH');
    expect(reasonOf(reverse({ amount: 100, currency: 'USD' }))).toBe('ORIGINAL_MISMATCH');
  });
});

describe('decide: an early reversal waits in arrival order, for at most the window', () => {
  const funded = anAccount({ balance: 500 });

  it('pends until now + the window, behind the reversals already waiting', () => {
    // Act
    const decision = decisionOf(
      postCommand(aReversal('w-1')),
      { ...stateOf({ accounts: [funded] }), originalWaiting: ['r-z', 'r-a'] },
      NOW,
      { ...DEFAULT_LEDGER_POLICY, reversalWindowSeconds: 30 },
    );

    // Assess
    const pend = expectKind(decision, 'Pend');
    expect(pend.waitingBefore).toEqual(['r-z', 'r-a']);
    expect(pend.record.waitUntil).toBe('2026-03-01T12:00:30.000Z');
  });

  it(`rejects with LIMIT_EXCEEDED once ${MAX_WAITING_REVERSALS} reversals already wait for the original`, () => {
    const waiting = Array.from({ length: MAX_WAITING_REVERSALS }, (_, i) => `r-${i}`);
    const full = decisionOf(
      postCommand(aReversal('w-1')),
      { ...stateOf({ accounts: [funded] }), originalWaiting: waiting },
      NOW,
    );
    const roomForOne = decisionOf(
      postCommand(aReversal('w-1')),
      { ...stateOf({ accounts: [funded] }), originalWaiting: waiting.slice(1) },
      NOW,
    );

    expect(expectKind(full, 'Reject').record.reason).toBe('LIMIT_EXCEEDED');
    expect(roomForOne.kind).toBe('Pend');
  });

  it('ends REJECTED ORIGINAL_NOT_FOUND once its wait is over, even if the original has just come', () => {
    // Prepare
    const pending = expectKind(
      decisionOf(postCommand(aReversal('w-1')), stateOf({ accounts: [funded] }), NOW, {
        ...DEFAULT_LEDGER_POLICY,
        reversalWindowSeconds: 60,
      }),
      'Pend',
    ).record;
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);
    const state = stateOf({
      accounts: original.accounts,
      existing: pending,
      original: original.record,
    });

    // Act
    const justInTime = decisionOf(postCommand(aReversal('w-1')), state, '2026-03-01T12:00:59.999Z');
    const tooLate = decisionOf(postCommand(aReversal('w-1')), state, '2026-03-01T12:01:00.000Z');

    // Assess
    expect(expectKind(justInTime, 'Post').resumesPending).toBe(true);
    const expired = expectKind(tooLate, 'Reject');
    expect(expired.record).toMatchObject({ status: 'REJECTED', reason: 'ORIGINAL_NOT_FOUND' });
    expect(expired.resumesPending).toBe(true);
  });

  it('decideExpiry ends only a PENDING reversal whose wait is over', () => {
    const pending = expectKind(
      decisionOf(postCommand(aReversal('w-1')), stateOf({ accounts: [funded] }), NOW, {
        ...DEFAULT_LEDGER_POLICY,
        reversalWindowSeconds: 60,
      }),
      'Pend',
    ).record;

    expect(decideExpiry(pending, '2026-03-01T12:00:59.999Z')).toEqual([]);
    expect(decideExpiry(pending, LATER)).toEqual([
      expect.objectContaining({
        id: 'r-w-1:rejected',
        type: 'ledger.transaction.rejected',
        reason: 'ORIGINAL_NOT_FOUND',
        rejectedAt: LATER,
      }),
    ]);
    expect(decideExpiry({ ...pending, status: 'POSTED' as const }, LATER)).toEqual([]);
  });
});

describe('decide: bounds', () => {
  it(`rejects with LIMIT_EXCEEDED a posting that would take a balance past ${MAX_BALANCE}`, () => {
    const nearTop = anAccount({ balance: MAX_BALANCE - 100 });

    const exactly = decisionOf(
      postCommand(aDeposit({ amount: 100 })),
      stateOf({ accounts: [nearTop] }),
      NOW,
    );
    const past = decisionOf(
      postCommand(aDeposit({ amount: 101 })),
      stateOf({ accounts: [nearTop] }),
      NOW,
    );

    expect(expectKind(exactly, 'Post').writes[0]?.after.balance).toBe(MAX_BALANCE);
    const reject = expectKind(past, 'Reject');
    expect(reject.record.reason).toBe('LIMIT_EXCEEDED');
    expect(reject.basedOn.map((a) => a.version)).toEqual([0]);
  });
});

describe('decide: a PENDING reversal redelivered or resumed', () => {
  const funded = anAccount({ balance: 500 });
  const reversal = aReversal('w-1');
  const pending = expectKind(
    decisionOf(postCommand(reversal), stateOf({ accounts: [funded] }), NOW),
    'Pend',
  ).record;

  it('is a Duplicate while its original has still not arrived', () => {
    const decision = decisionOf(
      postCommand(reversal),
      stateOf({ accounts: [funded], existing: pending }),
      LATER,
    );

    expect(decision).toEqual({ kind: 'Duplicate', existing: pending });
  });

  it('is decided once its original is there, replacing the PENDING record', () => {
    // Prepare
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);

    // Act
    const decision = decisionOf(
      postCommand(reversal),
      stateOf({ accounts: original.accounts, original: original.record, existing: pending }),
      LATER,
    );

    // Assess
    const post = expectKind(decision, 'Post');
    expect(post.resumesPending).toBe(true);
    expect(post.reverses).toBe('w-1');
    expect(post.record).toMatchObject({ status: 'POSTED', decidedAt: LATER });
    expect(post.writes[0]?.after.balance).toBe(500);
  });

  it('resumes into a rejection when the original can no longer be reversed', () => {
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);

    const decision = decisionOf(
      postCommand(reversal),
      stateOf({
        accounts: original.accounts,
        original: { ...original.record, reversedBy: 'r-other' },
        existing: pending,
      }),
      LATER,
    );

    const reject = expectKind(decision, 'Reject');
    expect(reject.resumesPending).toBe(true);
    expect(reject.record.reason).toBe('ALREADY_REVERSED');
  });

  it('keeps the conflicts counted against the id while it waited', () => {
    // Prepare
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);
    const conflicted = { ...pending, conflicts: 1, conflictHashes: ['hash-x'] };

    // Act
    const decision = decisionOf(
      postCommand(reversal),
      stateOf({ accounts: original.accounts, original: original.record, existing: conflicted }),
      LATER,
    );

    // Assess
    expect(expectKind(decision, 'Post').record).toMatchObject({
      conflicts: 1,
      conflictHashes: ['hash-x'],
    });
  });

  it('is a Conflict, not resumed, for a different payload under its id', () => {
    const original = posted(aWithdrawal({ amount: 100 }), [funded]);
    const other = postCommand(aReversal('w-1', { dispensedAmount: 10 }));

    const decision = decisionOf(
      other,
      stateOf({ accounts: original.accounts, original: original.record, existing: pending }),
      LATER,
    );

    expect(decision).toMatchObject({
      kind: 'Conflict',
      existing: pending,
      conflictingHash: other.payloadHash,
      events: [{ type: 'ledger.transaction.conflict', conflictNumber: 1 }],
    });
  });
});

describe('accountsTouched', () => {
  it('names the account of a withdrawal, deposit or inquiry', () => {
    expect(accountsTouched(aWithdrawal())).toEqual(['acct-1']);
    expect(accountsTouched(aDeposit())).toEqual(['acct-1']);
    expect(accountsTouched(aBalanceInquiry())).toEqual(['acct-1']);
  });

  it('names both accounts of a transfer', () => {
    expect(accountsTouched(aTransfer())).toEqual(['acct-1', 'acct-2']);
  });

  it('names the accounts a reversal’s original moved, once each, once the original is known', () => {
    // Prepare
    const original = posted(aTransfer(), [
      anAccount({ balance: 500 }),
      anAccount({ accountId: 'acct-2' }),
    ]);

    // Act
    const before = accountsTouched(aReversal('t-1'));
    const after = accountsTouched(aReversal('t-1'), original.record);

    // Assess
    expect(before).toEqual(['acct-1']);
    expect(after).toEqual(['acct-1', 'acct-2']);
  });
});

describe('decide: properties', () => {
  it('every Post has balanced legs, per currency', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const decision = decisionOf(command, state, NOW);
        if (decision.kind !== 'Post') return;
        expect(isBalanced(decision.record.legs)).toBe(true);
        // Summed here too, so the property does not rest on the function it guards.
        const net = new Map<string, number>();
        for (const leg of decision.record.legs) {
          net.set(leg.currency, (net.get(leg.currency) ?? 0) + leg.debit - leg.credit);
        }
        expect([...net.values()].every((n) => n === 0)).toBe(true);
      }),
      { numRuns: numRuns() },
    );
  });

  it('every write moves its account one version on by the entry amount, and a debit never below its floor but the cash a deposit never put in', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const decision = decisionOf(command, state, NOW);
        if (decision.kind !== 'Post') return;
        const [event] = decision.events;
        const bypass =
          event?.type === 'ledger.transaction.posted' &&
          event.reversedTransactionType === 'DEPOSIT';
        for (const w of decision.writes) {
          const before = w.before as Account;
          expect(w.after.version).toBe(before.version + 1);
          expect(w.entry.sequence).toBe(w.after.version);
          expect(w.after.balance).toBe(before.balance + w.entry.amount);
          expect(w.entry.balanceAfter).toBe(w.after.balance);
          if (w.entry.amount < 0 && !bypass)
            expect(w.after.balance).toBeGreaterThanOrEqual(-before.overdraftLimit);
        }
        // Customer-account movements are exactly the writes.
        expect(decision.record.movements.map((m) => [m.accountId, m.amount])).toEqual(
          decision.writes.map((w) => [w.entry.accountId, w.entry.amount]),
        );
      }),
      { numRuns: numRuns() },
    );
  });

  it('a WITHDRAWAL posts exactly when the account exists in its currency and can cover it', () => {
    fc.assert(
      fc.property(arbSimpleScenario(), arbWithdrawal(), ({ state }, tx) => {
        const account = state.accounts.get(tx.accountId);
        const decision = decisionOf(
          postCommand(tx),
          { ...state, accounts: new Map([[tx.accountId, account]]) },
          NOW,
        );
        const affordable =
          account !== undefined &&
          account.currency === tx.currency &&
          account.balance - (tx.amount ?? 0) >= -account.overdraftLimit;
        expect(decision.kind).toBe(affordable ? 'Post' : 'Reject');
      }),
      { numRuns: numRuns() },
    );
  });

  it('a DEPOSIT to an existing account in its currency always posts', () => {
    fc.assert(
      fc.property(arbSimpleScenario(), arbDeposit(), ({ state }, tx) => {
        const account = state.accounts.get(tx.accountId);
        fc.pre(account !== undefined && account.currency === tx.currency);
        expect(
          decisionOf(
            postCommand(tx),
            { ...state, accounts: new Map([[tx.accountId, account]]) },
            NOW,
          ).kind,
        ).toBe('Post');
      }),
      { numRuns: numRuns() },
    );
  });

  it('rejections and pends move nothing', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const decision = decisionOf(command, state, NOW);
        if (decision.kind === 'Reject' || decision.kind === 'Pend') {
          expect(decision.record.legs).toEqual([]);
          expect(decision.record.movements).toEqual([]);
          expect(decision.record.status).toBe(decision.kind === 'Reject' ? 'REJECTED' : 'PENDING');
        }
      }),
      { numRuns: numRuns() },
    );
  });

  it('a reversal never refunds more than its original moved', () => {
    fc.assert(
      fc.property(arbReversalScenario(), ({ command, state }) => {
        const decision = decisionOf(command, state, NOW);
        if (decision.kind !== 'Post' || state.original === undefined) return;
        const moved = (legs: TransactionRecord['legs']) =>
          legs.reduce((sum, l) => sum + l.debit, 0);
        expect(moved(decision.record.legs)).toBeLessThanOrEqual(moved(state.original.legs));
      }),
      { numRuns: numRuns() },
    );
  });

  it('a second delivery of any decided transaction is a Duplicate', () => {
    fc.assert(
      fc.property(arbScenario(), ({ command, state }) => {
        const first = decisionOf(command, state, NOW);
        // First deliveries only: the scenarios never carry an existing record.
        if (first.kind === 'Duplicate' || first.kind === 'Conflict')
          throw new Error('unexpected first decision');
        expect(decisionOf(command, { ...state, existing: first.record }, LATER)).toEqual({
          kind: 'Duplicate',
          existing: first.record,
        });
      }),
      { numRuns: numRuns() },
    );
  });

  it('a resumed PENDING reversal is decided exactly as a first delivery would be', () => {
    fc.assert(
      fc.property(arbReversalScenario(), ({ command, state }) => {
        const first = decisionOf(command, state, NOW);
        fc.pre(first.kind === 'Post' || first.kind === 'Reject');
        const pend = expectKind(
          decisionOf(command, { ...state, original: undefined }, NOW),
          'Pend',
        );
        const resumed = expectKind(
          decisionOf(command, { ...state, existing: pend.record }, NOW),
          first.kind,
        );
        // The same events; the record differs only in its journal, which keeps the wait.
        expect(resumed.events).toEqual(first.events);
        expect(resumed.resumesPending).toBe(true);
        expect({ ...resumed.record, events: [] }).toEqual({ ...first.record, events: [] });
        expect(resumed.record.events).toEqual([...pend.events, ...first.events]);
      }),
      { numRuns: numRuns() },
    );
  });

  it('generates every transaction type', () => {
    // Guards the generators: a property over scenarios that never include a type proves nothing about it.
    const seen = new Set(fc.sample(arbNonReversal(), 500).map((tx) => tx.type));
    const kinds = new Set(
      fc
        .sample(arbReversalScenario(), { numRuns: 2_000, seed: 7 })
        .map((s) => decisionOf(s.command, s.state, NOW).kind),
    );
    expect([...seen].sort()).toEqual(['BALANCE_INQUIRY', 'DEPOSIT', 'TRANSFER', 'WITHDRAWAL']);
    expect([...kinds].sort()).toEqual(['Pend', 'Post', 'Reject']);
  });
});

describe('decide: WITHDRAWAL completing an authorization', () => {
  const DAY = NOW.slice(0, 10);
  /** An account with `amount` approved and held, and the authorization's record. */
  const held = (amount = 100, account = anAccount({ balance: amount })) =>
    authorized(anAuthorization({ amount }), account);
  const completion = (o: Partial<AtmTransaction> = {}) =>
    postCommand(aWithdrawal({ authorizationId: 'auth-1', amount: 100, ...o }));
  const completing = (
    tx: ReturnType<typeof completion>,
    authorization: AuthorizationRecord | undefined,
    account: Account,
  ) =>
    decisionOf(
      tx,
      stateOf({ accounts: [account], ...(authorization === undefined ? {} : { authorization }) }),
      LATER,
    );

  it('posts against the hold, never refused for funds: the available balance is zero, the balance too', () => {
    // Prepare: the hold took all the available balance; then the balance went too
    const { record, account } = held(100);
    const broke = { ...account, balance: 0 };

    // Act
    const decision = expectKind(completing(completion(), record, broke), 'Post');

    // Assess
    expect(decision.events.map((e) => e.type)).toEqual([
      'ledger.transaction.posted',
      'ledger.authorization.completed',
    ]);
    expect(decision.events[1]).toEqual({
      schemaVersion: 1,
      id: 'auth-1:authorization:completed',
      type: 'ledger.authorization.completed',
      authorizationId: 'auth-1',
      accountId: 'acct-1',
      occurredAt: record.fields.occurredAt,
      amount: 100,
      currency: 'EUR',
      transactionId: 'w-1',
      completedAmount: 100,
      releasedHold: 100,
      completedAt: LATER,
    });
    expect(decision.writes[0]?.after).toMatchObject({
      balance: -100,
      heldAmount: 0,
      withdrawn: { [DAY]: 100 },
    });
    expect(decision.after.authorization).toMatchObject({
      status: 'COMPLETED',
      completedAmount: 100,
      endedBy: 'w-1',
    });
  });

  it('completes partly: posts what was dispensed, releases the whole hold, gives the rest of the day back', () => {
    // Prepare
    const { record, account } = held(100, anAccount({ balance: 500 }));

    // Act
    const decision = expectKind(completing(completion({ amount: 60 }), record, account), 'Post');

    // Assess
    expect(decision.events[1]).toMatchObject({ completedAmount: 60, releasedHold: 100 });
    expect(decision.writes[0]?.after).toMatchObject({
      balance: 440,
      heldAmount: 0,
      withdrawn: { [DAY]: 60 },
    });
    expect(decision.after.authorization).toMatchObject({
      status: 'COMPLETED',
      completedAmount: 60,
    });
  });

  it('rejects EXCEEDS_AUTHORIZATION one minor unit over what was authorized', () => {
    const { record, account } = held(100, anAccount({ balance: 500 }));

    const decision = expectKind(completing(completion({ amount: 101 }), record, account), 'Reject');

    expect(decision.record.reason).toBe('EXCEEDS_AUTHORIZATION');
    expect(decision.after.authorization).toEqual(record);
  });

  it('rejects a second completion ALREADY_COMPLETED', () => {
    // Prepare
    const { record, account } = held(100, anAccount({ balance: 500 }));
    const first = expectKind(completing(completion(), record, account), 'Post');

    // Act
    const second = completing(
      completion({ transactionId: 'w-2', amount: 10 }),
      first.after.authorization,
      first.writes[0]?.after as Account,
    );

    // Assess
    expect(expectKind(second, 'Reject').record.reason).toBe('ALREADY_COMPLETED');
  });

  it('rejects AUTHORIZATION_NOT_FOUND for an authorization never decided, relying on its absence', () => {
    // Act
    const decision = expectKind(
      completing(completion(), undefined, anAccount({ balance: 500 })),
      'Reject',
    );

    // Assess
    expect(decision.record.reason).toBe('AUTHORIZATION_NOT_FOUND');
    expect(relianceOf(decision.after, decision.events[0] as LedgerEvent).authorization).toEqual({
      authorizationId: 'auth-1',
      status: 'ABSENT',
    });
  });

  it.each([
    ['DECLINED', 'AUTHORIZATION_NOT_ACTIVE'],
    ['RELEASED', 'AUTHORIZATION_NOT_ACTIVE'],
  ] as const)('rejects a completion of a %s authorization %s', (status, reason) => {
    const { record, account } = held(100, anAccount({ balance: 500 }));

    const decision = completing(completion(), { ...record, status }, account);

    expect(expectKind(decision, 'Reject').record.reason).toBe(reason);
  });

  it('completes an EXPIRED authorization (the cash left), releasing no hold: the expiry did', () => {
    // Prepare: expired, its hold already given back
    const { record, account } = held(100, anAccount({ balance: 500 }));
    const [expiry] = decideHoldExpiry(record, '2026-03-09T00:00:00.000Z');
    const expired = evolveAuthorization(record, expiry as AuthorizationEvent);
    const unheld = { ...account, heldAmount: 0 };

    // Act
    const decision = expectKind(completing(completion({ amount: 80 }), expired, unheld), 'Post');

    // Assess
    expect(decision.events[1]).toMatchObject({ completedAmount: 80, releasedHold: 0 });
    expect(decision.writes[0]?.after).toMatchObject({
      balance: 420,
      heldAmount: 0,
      withdrawn: { [DAY]: 80 },
    });
    expect(decision.after.authorization?.status).toBe('COMPLETED');
  });

  it('rejects ORIGINAL_MISMATCH a completion sent for another account than the authorization’s', () => {
    // Prepare
    const { record } = authorized(
      anAuthorization({ accountId: 'acct-2' }),
      anAccount({ accountId: 'acct-2', balance: 500 }),
    );

    // Act
    const decision = completing(completion(), record, anAccount({ balance: 500 }));

    // Assess
    expect(expectKind(decision, 'Reject').record.reason).toBe('ORIGINAL_MISMATCH');
  });

  it('rejects CURRENCY_MISMATCH a completion in another currency than the authorization’s', () => {
    const { record, account } = held(100, anAccount({ balance: 500 }));

    const decision = completing(completion({ currency: 'GBP' }), record, account);

    expect(expectKind(decision, 'Reject').record.reason).toBe('CURRENCY_MISMATCH');
  });

  it('is not held to the daily limit: the approval counted it', () => {
    // Prepare: the day is full, with this authorization in it
    const { record, account } = held(100, anAccount({ balance: 500, dailyWithdrawalLimit: 100 }));

    // Act
    const decision = completing(completion(), record, account);

    // Assess
    expect(expectKind(decision, 'Post').writes[0]?.after.withdrawn).toEqual({ [DAY]: 100 });
  });
});

describe('decide: REVERSAL releasing an authorization', () => {
  const DAY = NOW.slice(0, 10);
  const releasing = (authorization: AuthorizationRecord, account: Account, o = {}) =>
    decisionOf(
      postCommand(aRelease('auth-1', o)),
      stateOf({ accounts: [account], authorization }),
      LATER,
    );

  it('releases an APPROVED hold: RELEASED, the hold and the day given back, and no entries', () => {
    // Prepare
    const { record, account } = authorized(anAuthorization(), anAccount({ balance: 500 }));

    // Act
    const decision = expectKind(releasing(record, account), 'Post');

    // Assess
    expect(decision.events.map((e) => e.type)).toEqual([
      'ledger.transaction.posted',
      'ledger.authorization.released',
    ]);
    expect(decision.events[0]).toMatchObject({ movements: [], legs: [], amount: 100 });
    expect(decision.events[1]).toMatchObject({
      id: 'auth-1:authorization:released',
      transactionId: 'rel-auth-1',
      releasedAt: LATER,
    });
    expect(decision.writes).toEqual([]);
    expect(decision.after.accounts.get('acct-1')).toMatchObject({
      balance: 500,
      version: 0,
      heldAmount: 0,
      withdrawn: { [DAY]: 0 },
    });
    expect(decision.after.authorization).toMatchObject({
      status: 'RELEASED',
      endedBy: 'rel-auth-1',
    });
  });

  it('rejects the release of a completed authorization ALREADY_COMPLETED: reverse the withdrawal instead', () => {
    const { record, account } = authorized(anAuthorization(), anAccount({ balance: 500 }));

    const decision = releasing({ ...record, status: 'COMPLETED' }, account);

    expect(expectKind(decision, 'Reject').record.reason).toBe('ALREADY_COMPLETED');
  });

  it.each(['EXPIRED', 'DECLINED', 'RELEASED'] as const)(
    'rejects the release of a %s authorization AUTHORIZATION_NOT_ACTIVE',
    (status) => {
      const { record, account } = authorized(anAuthorization(), anAccount({ balance: 500 }));

      const decision = releasing({ ...record, status }, account);

      expect(expectKind(decision, 'Reject').record.reason).toBe('AUTHORIZATION_NOT_ACTIVE');
    },
  );

  it('rejects AUTHORIZATION_NOT_FOUND for an authorization never decided', () => {
    const decision = decisionOf(
      postCommand(aRelease('auth-1')),
      stateOf({ accounts: [anAccount()] }),
      LATER,
    );

    expect(expectKind(decision, 'Reject').record.reason).toBe('AUTHORIZATION_NOT_FOUND');
  });

  it('rejects ORIGINAL_MISMATCH a release carrying another amount than authorized', () => {
    const { record, account } = authorized(anAuthorization(), anAccount({ balance: 500 }));

    const decision = releasing(record, account, { amount: 99 });

    expect(expectKind(decision, 'Reject').record.reason).toBe('ORIGINAL_MISMATCH');
  });
});

describe('decide: WITHDRAWAL without an authorization, against holds and the daily limit', () => {
  const DAY = NOW.slice(0, 10);
  const withdraw = (account: Account, o: Partial<AtmTransaction> = {}) =>
    decisionOf(postCommand(aWithdrawal(o)), stateOf({ accounts: [account] }), NOW);

  it('counts the holds: available is balance + overdraft - held, exactly', () => {
    // Prepare: 100 + 50 - 100 = 50 available
    const account = anAccount({ balance: 100, overdraftLimit: 50, heldAmount: 100 });

    // Act
    const exact = withdraw(account, { amount: 50 });
    const oneMore = withdraw(account, { amount: 51 });

    // Assess
    expect(expectKind(exact, 'Post').writes[0]?.after.balance).toBe(50);
    const reject = expectKind(oneMore, 'Reject');
    expect(reject.record.reason).toBe('INSUFFICIENT_FUNDS');
    expect(relianceOf(reject.after, reject.events[0] as LedgerEvent).held).toEqual([
      { accountId: 'acct-1', is: 100 },
    ]);
  });

  it('rejects DAILY_LIMIT_EXCEEDED one minor unit past the day’s limit, and posts up to it', () => {
    // Prepare
    const account = anAccount({
      balance: 1_000,
      dailyWithdrawalLimit: 500,
      withdrawn: { [DAY]: 450 },
    });

    // Act
    const past = withdraw(account, { amount: 51 });
    const upTo = withdraw(account, { amount: 50 });

    // Assess
    expect(expectKind(past, 'Reject').record.reason).toBe('DAILY_LIMIT_EXCEEDED');
    expect(expectKind(upTo, 'Post').writes[0]?.after.withdrawn).toEqual({ [DAY]: 500 });
  });

  it('refuses for funds before the daily limit, when both would refuse', () => {
    const account = anAccount({ balance: 10, dailyWithdrawalLimit: 50, withdrawn: { [DAY]: 50 } });

    expect(expectKind(withdraw(account, { amount: 20 }), 'Reject').record.reason).toBe(
      'INSUFFICIENT_FUNDS',
    );
  });

  it('posts an advice beyond the overdraft and past the daily limit: it was dispensed already', () => {
    // Prepare
    const account = anAccount({
      balance: 0,
      overdraftLimit: 50,
      heldAmount: 30,
      dailyWithdrawalLimit: 100,
      withdrawn: { [DAY]: 100 },
    });

    // Act
    const decision = expectKind(withdraw(account, { amount: 500, advice: true }), 'Post');

    // Assess
    expect(decision.events[0]).toMatchObject({ advice: true, amount: 500 });
    expect(decision.writes[0]?.after).toMatchObject({ balance: -500, withdrawn: { [DAY]: 600 } });
    expect(relianceOf(decision.after, decision.events[0] as LedgerEvent)).toMatchObject({
      held: [],
      withdrawn: [],
    });
  });

  it('rejects an advice only for an unknown account or another currency', () => {
    expect(
      expectKind(
        decisionOf(
          postCommand(aWithdrawal({ advice: true })),
          stateOf({ absent: ['acct-1'] }),
          NOW,
        ),
        'Reject',
      ).record.reason,
    ).toBe('ACCOUNT_NOT_FOUND');
    expect(
      expectKind(withdraw(anAccount(), { advice: true, currency: 'USD' }), 'Reject').record.reason,
    ).toBe('CURRENCY_MISMATCH');
  });
});

describe('relianceOf: what a posting relies on, now that holds and usage change without the version', () => {
  const DAY = NOW.slice(0, 10);
  const relied = (
    tx: AtmTransaction,
    accounts: readonly Account[],
    authorization?: AuthorizationRecord,
  ) => {
    const state = stateOf({ accounts, ...(authorization === undefined ? {} : { authorization }) });
    const [event] = decide(postCommand(tx), state, NOW);
    return relianceOf(state, event as LedgerEvent);
  };

  it('a funds-checked debit relies on the hold leaving it within the available balance, and on room in the day', () => {
    const reliance = relied(aWithdrawal({ amount: 100 }), [
      anAccount({ balance: 500, overdraftLimit: 50, heldAmount: 20, dailyWithdrawalLimit: 300 }),
    ]);

    expect(reliance).toEqual({
      unchanged: [],
      absent: [],
      held: [{ accountId: 'acct-1', atMost: 450 }],
      withdrawn: [{ accountId: 'acct-1', day: DAY, atMost: 200 }],
    });
  });

  it('a withdrawal with no daily limit relies on no usage', () => {
    expect(relied(aWithdrawal(), [anAccount({ balance: 500 })]).withdrawn).toEqual([]);
  });

  it('a refusal by the daily limit relies on the account, its hold and its day exactly as read', () => {
    const account = anAccount({
      balance: 500,
      heldAmount: 7,
      dailyWithdrawalLimit: 100,
      withdrawn: { [DAY]: 90 },
    });

    expect(relied(aWithdrawal({ amount: 20 }), [account])).toEqual({
      unchanged: [account],
      absent: [],
      held: [{ accountId: 'acct-1', is: 7 }],
      withdrawn: [{ accountId: 'acct-1', day: DAY, is: 90 }],
    });
  });

  it('a completion relies on the authorization’s status as read and on no hold', () => {
    // Prepare
    const { record, account } = authorized(anAuthorization(), anAccount({ balance: 100 }));

    // Act
    const state = stateOf({ accounts: [account], authorization: record });
    const events = decide(postCommand(aWithdrawal({ authorizationId: 'auth-1' })), state, NOW);

    // Assess
    for (const event of events) {
      expect(relianceOf(state, event)).toMatchObject({
        held: [],
        withdrawn: [],
        authorization: { authorizationId: 'auth-1', status: 'APPROVED' },
      });
    }
  });

  it('a refusal by the authorization’s final status relies on nothing that can change', () => {
    const { record, account } = authorized(anAuthorization(), anAccount({ balance: 100 }));

    const reliance = relied(aWithdrawal({ authorizationId: 'auth-1' }), [account], {
      ...record,
      status: 'COMPLETED',
    });

    expect(reliance).toEqual({ unchanged: [], absent: [], held: [], withdrawn: [] });
  });
});

describe('authorizationRelianceOf', () => {
  const DAY = NOW.slice(0, 10);
  const reliedOn = (account: Account | undefined, amount = 100) => {
    const command = authorizeCommand(anAuthorization({ amount }));
    const state = { request: command, existing: undefined, account };
    const [event] = decideAuthorization(command, state, NOW);
    return authorizationRelianceOf(state, event as LedgerEvent);
  };

  it('an approval relies on the account and its hold exactly as read, and on room in the day', () => {
    const account = anAccount({ balance: 500, heldAmount: 40, dailyWithdrawalLimit: 300 });

    expect(reliedOn(account)).toEqual({
      unchanged: [account],
      absent: [],
      held: [{ accountId: 'acct-1', is: 40 }],
      withdrawn: [{ accountId: 'acct-1', day: DAY, atMost: 200 }],
    });
  });

  it('an approval without a daily limit relies on no usage', () => {
    expect(reliedOn(anAccount({ balance: 500 })).withdrawn).toEqual([]);
  });

  it('a decline for funds relies on the account and its hold exactly as read', () => {
    const account = anAccount({ balance: 50, heldAmount: 10 });

    expect(reliedOn(account)).toEqual({
      unchanged: [account],
      absent: [],
      held: [{ accountId: 'acct-1', is: 10 }],
      withdrawn: [],
    });
  });

  it('a decline by the daily limit relies on the day’s usage as read', () => {
    const account = anAccount({
      balance: 500,
      dailyWithdrawalLimit: 100,
      withdrawn: { [DAY]: 60 },
    });

    expect(reliedOn(account).withdrawn).toEqual([{ accountId: 'acct-1', day: DAY, is: 60 }]);
  });

  it('a decline for an unknown account relies on its absence', () => {
    expect(reliedOn(undefined)).toEqual({
      unchanged: [],
      absent: ['acct-1'],
      held: [],
      withdrawn: [],
    });
  });

  it('an expiry relies on the authorization still APPROVED', () => {
    const { record } = authorized(anAuthorization(), anAccount({ balance: 500 }));
    const [expiry] = decideHoldExpiry(record, '2026-03-09T00:00:00.000Z');

    expect(
      authorizationRelianceOf({ existing: record, account: undefined }, expiry as LedgerEvent),
    ).toEqual({
      unchanged: [],
      absent: [],
      held: [],
      withdrawn: [],
      authorization: { authorizationId: 'auth-1', status: 'APPROVED' },
    });
  });
});
