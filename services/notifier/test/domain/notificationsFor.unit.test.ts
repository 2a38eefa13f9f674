import { NOTIFIER_KINDS, type TransactionPosted } from '@atm-ledger/contracts';
import { describe, expect, it } from 'vitest';
import { type NotificationKind, notificationsFor } from '../../src/domain/index.js';
import {
  aConflict,
  aPostedDeposit,
  aPostedReversal,
  aPostedTransfer,
  aPostedWithdrawal,
  aRejectedWithdrawal,
  aReversalPending,
  movement,
  NOW,
} from '../support/builders.js';

const settings = (kinds?: NotificationKind[]) => ({
  largeWithdrawalThreshold: 50_000,
  now: NOW,
  kinds: kinds === undefined ? undefined : new Set(kinds),
});

const kindsOf = (event: Parameters<typeof notificationsFor>[0], threshold = 50_000) =>
  notificationsFor(event, { ...settings(), largeWithdrawalThreshold: threshold }).map(
    (n) => `${n.kind}:${n.accountId}`,
  );

describe('notificationsFor: RECEIPT', () => {
  it('sends a receipt for a posted withdrawal, with its amount, masked card and new balance', () => {
    // Prepare
    const event = aPostedWithdrawal({ amount: 2_500, balanceBefore: 100_000, panLast4: '4242' });

    // Act
    const [receipt, ...rest] = notificationsFor(event, settings());

    // Assess
    expect(rest).toEqual([]);
    expect(receipt).toEqual({
      notificationId: 'tx-w-1:posted:RECEIPT:acct-0001',
      kind: 'RECEIPT',
      accountId: 'acct-0001',
      transactionId: 'tx-w-1',
      createdAt: NOW.toISOString(),
      message:
        'Withdrawal of 25.00 USD from your account ending 0001 with card **** 4242. Balance: 975.00 USD.',
    });
  });

  it('sends a receipt for a posted deposit', () => {
    // Prepare
    const event = aPostedDeposit({ amount: 10_000, balanceBefore: 5_000 });

    // Act
    const notifications = notificationsFor(event, settings());

    // Assess
    expect(notifications.map((n) => n.kind)).toEqual(['RECEIPT']);
    expect(notifications[0]?.message).toBe(
      'Deposit of 100.00 USD to your account ending 0001 with card **** 4242. Balance: 150.00 USD.',
    );
  });

  it('sends a receipt to both accounts of a transfer, the card only on the sender side', () => {
    // Prepare
    const event = aPostedTransfer({ amount: 3_000, fromBefore: 50_000, toBefore: 1_000 });

    // Act
    const receipts = notificationsFor(event, settings(['RECEIPT']));

    // Assess
    expect(receipts.map((n) => [n.notificationId, n.message])).toEqual([
      [
        'tx-t-1:posted:RECEIPT:acct-0001',
        'Transfer of 30.00 USD sent from your account ending 0001 with card **** 4242. Balance: 470.00 USD.',
      ],
      [
        'tx-t-1:posted:RECEIPT:acct-0002',
        'Transfer of 30.00 USD received in your account ending 0002. Balance: 40.00 USD.',
      ],
    ]);
  });

  it('sends no receipt for a balance inquiry', () => {
    // Prepare
    const inquiry: TransactionPosted = {
      ...aPostedWithdrawal(),
      transactionType: 'BALANCE_INQUIRY',
      amount: 0,
      balance: 97_500,
      movements: [],
      legs: [],
    };

    // Act
    const out = notificationsFor(inquiry, settings());

    // Assess
    expect(out).toEqual([]);
  });

  it('leaves the card out when the transaction had none', () => {
    // Prepare
    const event = aPostedWithdrawal({ panLast4: undefined });

    // Act
    const [receipt] = notificationsFor(event, settings());

    // Assess
    expect(receipt?.message).toBe(
      'Withdrawal of 25.00 USD from your account ending 0001. Balance: 975.00 USD.',
    );
  });
});

describe('notificationsFor: RECEIPT of a REVERSAL', () => {
  const receipts = (event: TransactionPosted) =>
    notificationsFor(event, settings(['RECEIPT'])).map((n) => [n.notificationId, n.message]);

  it('tells the customer a withdrawal the ATM did not dispense was refunded', () => {
    // Prepare: 40.00 USD of a withdrawal never came out.
    const event = aPostedReversal({
      reversed: 'WITHDRAWAL',
      movements: [movement({ amount: 4_000, balanceBefore: 96_000, balanceAfter: 100_000 })],
    });

    // Act
    const out = receipts(event);

    // Assess
    expect(out).toEqual([
      [
        'tx-v-1:posted:RECEIPT:acct-0001',
        'Refund of 40.00 USD to your account ending 0001 with card **** 4242: the ATM did not dispense it. Balance: 1,000.00 USD.',
      ],
    ]);
  });

  it('tells the customer a deposit was taken back, down to the balance it leaves, below zero too', () => {
    // Prepare
    const event = aPostedReversal({
      reversed: 'DEPOSIT',
      movements: [movement({ amount: -10_000, balanceBefore: 2_000, balanceAfter: -8_000 })],
    });

    // Act
    const out = receipts(event);

    // Assess
    expect(out).toEqual([
      [
        'tx-v-1:posted:RECEIPT:acct-0001',
        'Deposit of 100.00 USD reversed: taken back from your account ending 0001 with card **** 4242, as the ATM did not take the cash in. Balance: -80.00 USD.',
      ],
    ]);
  });

  it('sends both sides of a reversed transfer their receipt, the card on neither', () => {
    // Prepare: acct-0001 had sent 30.00 USD to acct-0002.
    const event = aPostedReversal({
      reversed: 'TRANSFER',
      movements: [
        movement({
          accountId: 'acct-0001',
          amount: 3_000,
          balanceBefore: 47_000,
          balanceAfter: 50_000,
        }),
        movement({
          accountId: 'acct-0002',
          amount: -3_000,
          balanceBefore: 4_000,
          balanceAfter: 1_000,
        }),
      ],
    });

    // Act
    const out = receipts(event);

    // Assess
    expect(out).toEqual([
      [
        'tx-v-1:posted:RECEIPT:acct-0001',
        'Transfer of 30.00 USD reversed: returned to your account ending 0001. Balance: 500.00 USD.',
      ],
      [
        'tx-v-1:posted:RECEIPT:acct-0002',
        'Transfer of 30.00 USD reversed: taken back from your account ending 0002. Balance: 10.00 USD.',
      ],
    ]);
  });

  it('shows the direction alone when the event does not name what was reversed (older events)', () => {
    // Prepare
    const refund = aPostedReversal({
      movements: [movement({ amount: 4_000, balanceBefore: 96_000, balanceAfter: 100_000 })],
    });
    const takenBack = aPostedReversal({
      movements: [movement({ amount: -4_000, balanceBefore: 10_000, balanceAfter: 6_000 })],
      panLast4: undefined,
    });

    // Act
    const out = [...receipts(refund), ...receipts(takenBack)].map(([, message]) => message);

    // Assess
    expect(out).toEqual([
      'Refund of 40.00 USD to your account ending 0001 with card **** 4242. Balance: 1,000.00 USD.',
      'Reversal: 40.00 USD taken back from your account ending 0001. Balance: 60.00 USD.',
    ]);
  });

  it('shows the direction alone when the named type does not fit the way the money went', () => {
    // Prepare: a reversed withdrawal can only give money back; this one took it.
    const event = aPostedReversal({
      reversed: 'WITHDRAWAL',
      movements: [movement({ amount: -4_000, balanceBefore: 10_000, balanceAfter: 6_000 })],
    });

    // Act
    const [[, message] = []] = receipts(event);

    // Assess
    expect(message).toBe(
      'Reversal: 40.00 USD taken back from your account ending 0001 with card **** 4242. Balance: 60.00 USD.',
    );
  });

  it('sends no receipt for a movement of nothing (older reversals of cash fully dispensed)', () => {
    // Prepare
    const event = aPostedReversal({
      reversed: 'WITHDRAWAL',
      movements: [movement({ amount: 0, balanceBefore: 10_000, balanceAfter: 10_000 })],
    });

    // Act
    const out = receipts(event);

    // Assess
    expect(out).toEqual([]);
  });

  it('writes the refund at the exponent of its currency (JPY has none)', () => {
    // Prepare
    const event = {
      ...aPostedReversal({
        reversed: 'WITHDRAWAL',
        movements: [movement({ amount: 4_000, balanceBefore: 146_000, balanceAfter: 150_000 })],
      }),
      currency: 'JPY',
    };

    // Act
    const [[, message] = []] = receipts(event);

    // Assess
    expect(message).toBe(
      'Refund of 4,000 JPY to your account ending 0001 with card **** 4242: the ATM did not dispense it. Balance: 150,000 JPY.',
    );
  });
});

describe('notificationsFor: amounts at the ISO 4217 exponent of their currency', () => {
  const inCurrency = (event: TransactionPosted, currency: string): TransactionPosted => ({
    ...event,
    currency,
    legs: event.legs.map((l) => ({ ...l, currency })),
  });

  it.each([
    ['JPY', 0, 'Deposit of 150,000 JPY', 'Balance: 155,000 JPY.'],
    ['USD', 2, 'Deposit of 1,500.00 USD', 'Balance: 1,550.00 USD.'],
    ['HUF', 2, 'Deposit of 1,500.00 HUF', 'Balance: 1,550.00 HUF.'],
    ['BHD', 3, 'Deposit of 150.000 BHD', 'Balance: 155.000 BHD.'],
    ['IQD', 3, 'Deposit of 150.000 IQD', 'Balance: 155.000 IQD.'],
  ])('writes a %s receipt (exponent %i) for 150000 minor units', (currency, _, amount, balance) => {
    // Prepare
    const event = inCurrency(aPostedDeposit({ amount: 150_000, balanceBefore: 5_000 }), currency);

    // Act
    const [receipt] = notificationsFor(event, settings(['RECEIPT']));

    // Assess
    expect(receipt?.message).toBe(
      `${amount} to your account ending 0001 with card **** 4242. ${balance}`,
    );
  });

  it('scales the threshold and the balance of a low-balance alert too (HUF has 2 decimals)', () => {
    // Prepare
    const event = inCurrency(
      aPostedWithdrawal({ amount: 2_000, balanceBefore: 11_000, lowBalanceThreshold: 10_000 }),
      'HUF',
    );

    // Act
    const [alert] = notificationsFor(event, settings(['LOW_BALANCE']));

    // Assess
    expect(alert?.message).toBe(
      'Low balance: your account ending 0001 is at 90.00 HUF, below your alert threshold of 100.00 HUF.',
    );
  });

  it('writes a declined JPY withdrawal without decimals and a BHD one with three', () => {
    // Prepare
    const yen = aRejectedWithdrawal({ amount: 150_000, currency: 'JPY' });
    const dinar = aRejectedWithdrawal({ amount: 1_500, currency: 'BHD' });

    // Act
    const messages = [yen, dinar].map((e) => notificationsFor(e, settings())[0]?.message);

    // Assess
    expect(messages).toEqual([
      'A withdrawal of 150,000 JPY from your account ending 0001 with card **** 4242 was declined: insufficient funds.',
      'A withdrawal of 1.500 BHD from your account ending 0001 with card **** 4242 was declined: insufficient funds.',
    ]);
  });

  it('shows raw minor units, and says so, when a rejection names no currency', () => {
    // Prepare
    const event = aRejectedWithdrawal({ amount: 150_000, currency: undefined });

    // Act
    const [declined] = notificationsFor(event, settings());

    // Assess
    expect(declined?.message).toBe(
      'A withdrawal of 150,000 minor units from your account ending 0001 with card **** 4242 was declined: insufficient funds.',
    );
  });
});

describe('notificationsFor: LOW_BALANCE', () => {
  it('alerts when a posting takes the balance from above the threshold to below it', () => {
    // Prepare
    const event = aPostedWithdrawal({
      amount: 2_000,
      balanceBefore: 11_000,
      lowBalanceThreshold: 10_000,
    });

    // Act
    const alert = notificationsFor(event, settings()).find((n) => n.kind === 'LOW_BALANCE');

    // Assess
    expect(alert).toMatchObject({
      notificationId: 'tx-w-1:posted:LOW_BALANCE:acct-0001',
      accountId: 'acct-0001',
      message:
        'Low balance: your account ending 0001 is at 90.00 USD, below your alert threshold of 100.00 USD.',
    });
  });

  it('alerts when the balance starts exactly at the threshold and drops below it', () => {
    // Prepare
    const event = aPostedWithdrawal({
      amount: 1,
      balanceBefore: 10_000,
      lowBalanceThreshold: 10_000,
    });

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds).toContain('LOW_BALANCE:acct-0001');
  });

  it('stays quiet when the balance lands exactly on the threshold (at is not below)', () => {
    // Prepare
    const event = aPostedWithdrawal({
      amount: 1_000,
      balanceBefore: 11_000,
      lowBalanceThreshold: 10_000,
    });

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds).toEqual(['RECEIPT:acct-0001']);
  });

  it('stays quiet for an account that was already below the threshold (crossing only)', () => {
    // Prepare
    const event = aPostedWithdrawal({
      amount: 1_000,
      balanceBefore: 9_999,
      lowBalanceThreshold: 10_000,
    });

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds).toEqual(['RECEIPT:acct-0001']);
  });

  it('alerts only the transfer side that crossed', () => {
    // Prepare
    const event = aPostedTransfer({ amount: 3_000, fromBefore: 12_000, toBefore: 500 });

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds).toEqual(['RECEIPT:acct-0001', 'RECEIPT:acct-0002', 'LOW_BALANCE:acct-0001']);
  });

  it('alerts on a crossing caused by a reversal too', () => {
    // Prepare
    const reversal = aPostedReversal({
      reversed: 'DEPOSIT',
      movements: [
        movement({
          amount: -5_000,
          balanceBefore: 12_000,
          balanceAfter: 7_000,
          lowBalanceThreshold: 10_000,
        }),
      ],
    });

    // Act
    const kinds = kindsOf(reversal);

    // Assess
    expect(kinds).toEqual(['RECEIPT:acct-0001', 'LOW_BALANCE:acct-0001']);
  });
});

describe('notificationsFor: OVERDRAWN', () => {
  /** A withdrawal posted whatever the balance (an advice: the cash is already out). */
  const advice = (opts: { amount: number; balanceBefore: number; overdraftLimit?: number }) => {
    const event = aPostedWithdrawal({ amount: opts.amount, balanceBefore: opts.balanceBefore });
    return {
      ...event,
      movements: event.movements.map((m) =>
        'overdraftLimit' in opts ? { ...m, overdraftLimit: opts.overdraftLimit } : m,
      ),
    };
  };

  it('alerts when a posting takes the balance beyond the overdraft limit, with what to pay in', () => {
    // Prepare
    const event = advice({ amount: 2_200, balanceBefore: 1_000, overdraftLimit: 0 });

    // Act
    const alert = notificationsFor(event, settings()).find((n) => n.kind === 'OVERDRAWN');

    // Assess
    expect(alert).toEqual({
      notificationId: 'tx-w-1:posted:OVERDRAWN:acct-0001',
      kind: 'OVERDRAWN',
      accountId: 'acct-0001',
      transactionId: 'tx-w-1',
      createdAt: NOW.toISOString(),
      message:
        'Your account ending 0001 is overdrawn: balance -12.00 USD, beyond your overdraft limit of 0.00 USD. ' +
        'Pay in at least 12.00 USD to bring it back within the limit.',
    });
  });

  it('alerts when a reversed deposit takes the money back beyond the limit', () => {
    // Prepare: 20.00 USD left, 100.00 USD taken back, limit 50.00 USD.
    const event = aPostedReversal({
      reversed: 'DEPOSIT',
      movements: [
        movement({
          amount: -10_000,
          balanceBefore: 2_000,
          balanceAfter: -8_000,
          overdraftLimit: 5_000,
        }),
      ],
    });

    // Act
    const alert = notificationsFor(event, settings(['OVERDRAWN']));

    // Assess
    expect(alert.map((n) => [n.notificationId, n.message])).toEqual([
      [
        'tx-v-1:posted:OVERDRAWN:acct-0001',
        'Your account ending 0001 is overdrawn: balance -80.00 USD, beyond your overdraft limit of 50.00 USD. ' +
          'Pay in at least 30.00 USD to bring it back within the limit.',
      ],
    ]);
  });

  it('alerts only the side of a reversed transfer that money was taken back from', () => {
    // Prepare: the payee had spent it; the sender gets it back.
    const event = aPostedReversal({
      reversed: 'TRANSFER',
      movements: [
        movement({
          accountId: 'acct-0001',
          amount: 3_000,
          balanceBefore: -500,
          balanceAfter: 2_500,
          overdraftLimit: 0,
        }),
        movement({
          accountId: 'acct-0002',
          amount: -3_000,
          balanceBefore: 1_000,
          balanceAfter: -2_000,
          overdraftLimit: 1_000,
        }),
      ],
    });

    // Act
    const kinds = kindsOf(event).filter((k) => k.startsWith('OVERDRAWN'));

    // Assess
    expect(kinds).toEqual(['OVERDRAWN:acct-0002']);
  });

  it('alerts again for each further debit while beyond the limit (every one is news)', () => {
    // Prepare
    const event = advice({ amount: 1_000, balanceBefore: -3_000, overdraftLimit: 2_000 });

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds).toContain('OVERDRAWN:acct-0001');
  });

  it.each([
    [
      'lands exactly on the limit (at is not beyond)',
      { amount: 3_000, balanceBefore: 1_000, overdraftLimit: 2_000 },
    ],
    ['stays within the limit', { amount: 2_000, balanceBefore: 1_000, overdraftLimit: 2_000 }],
    ['leaves the balance above zero', { amount: 1_000, balanceBefore: 50_000, overdraftLimit: 0 }],
    [
      'comes from an event without the limit (before the ledger recorded it)',
      { amount: 2_200, balanceBefore: 1_000 },
    ],
  ])('stays quiet when the posting %s', (_, opts) => {
    // Prepare
    const event = advice(opts);

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds.filter((k) => k.startsWith('OVERDRAWN'))).toEqual([]);
  });

  it('stays quiet for money paid into an account that is still beyond its limit', () => {
    // Prepare: -100.00 USD, limit 0, 50.00 USD paid in.
    const deposit = aPostedDeposit({ amount: 5_000, balanceBefore: -10_000 });
    const event = {
      ...deposit,
      movements: deposit.movements.map((m) => ({ ...m, overdraftLimit: 0 })),
    };

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds).toEqual(['RECEIPT:acct-0001']);
  });

  it('is sent by the alerts notifier, not the receipts one', () => {
    // Prepare
    const event = advice({ amount: 2_200, balanceBefore: 1_000, overdraftLimit: 0 });

    // Act
    const receipts = notificationsFor(event, settings([...NOTIFIER_KINDS.receipts]));
    const alerts = notificationsFor(event, settings([...NOTIFIER_KINDS.alerts]));

    // Assess
    expect(receipts.map((n) => n.kind)).toEqual(['RECEIPT']);
    expect(alerts.map((n) => n.kind)).toEqual(['OVERDRAWN']);
  });
});

describe('notificationsFor: LARGE_WITHDRAWAL', () => {
  it('alerts for a posted withdrawal of exactly the threshold', () => {
    // Prepare
    const event = aPostedWithdrawal({ amount: 50_000, balanceBefore: 1_000_000 });

    // Act
    const alert = notificationsFor(event, settings()).find((n) => n.kind === 'LARGE_WITHDRAWAL');

    // Assess
    expect(alert).toMatchObject({
      notificationId: 'tx-w-1:posted:LARGE_WITHDRAWAL:acct-0001',
      message:
        'Large withdrawal: 500.00 USD from your account ending 0001 with card **** 4242. If this was not you, contact your bank now.',
    });
  });

  it('stays quiet one minor unit below the threshold', () => {
    // Prepare
    const event = aPostedWithdrawal({ amount: 49_999, balanceBefore: 1_000_000 });

    // Act
    const kinds = kindsOf(event);

    // Assess
    expect(kinds).toEqual(['RECEIPT:acct-0001']);
  });

  it('honours a configured threshold', () => {
    // Prepare
    const event = aPostedWithdrawal({ amount: 20_000, balanceBefore: 1_000_000 });

    // Act
    const kinds = kindsOf(event, 20_000);

    // Assess
    expect(kinds).toEqual(['RECEIPT:acct-0001', 'LARGE_WITHDRAWAL:acct-0001']);
  });

  it('does not treat a large deposit or transfer as a large withdrawal', () => {
    // Prepare
    const deposit = aPostedDeposit({ amount: 90_000 });
    const transfer = aPostedTransfer({ amount: 90_000, fromBefore: 1_000_000 });

    // Act
    const kinds = [...kindsOf(deposit), ...kindsOf(transfer)];

    // Assess
    expect(kinds.some((k) => k.startsWith('LARGE_WITHDRAWAL'))).toBe(false);
  });
});

describe('notificationsFor: WITHDRAWAL_REJECTED', () => {
  it('notifies the account holder of a rejected withdrawal, with the reason in words', () => {
    // Prepare
    const event = aRejectedWithdrawal({ amount: 60_000, reason: 'INSUFFICIENT_FUNDS' });

    // Act
    const notifications = notificationsFor(event, settings());

    // Assess
    expect(notifications).toEqual([
      {
        notificationId: 'tx-r-1:rejected:WITHDRAWAL_REJECTED:acct-0001',
        kind: 'WITHDRAWAL_REJECTED',
        accountId: 'acct-0001',
        transactionId: 'tx-r-1',
        createdAt: NOW.toISOString(),
        message:
          'A withdrawal of 600.00 USD from your account ending 0001 with card **** 4242 was declined: insufficient funds.',
      },
    ]);
  });

  it('puts a limit the ledger keeps in words a customer understands', () => {
    // Prepare
    const event = aRejectedWithdrawal({ amount: 60_000, reason: 'LIMIT_EXCEEDED' });

    // Act
    const [declined] = notificationsFor(event, settings());

    // Assess
    expect(declined?.message).toBe(
      'A withdrawal of 600.00 USD from your account ending 0001 with card **** 4242 was declined: the amount is more than the bank can process for this account.',
    );
  });

  it('says nothing about a rejected deposit or transfer', () => {
    // Prepare
    const deposit = aRejectedWithdrawal({ transactionType: 'DEPOSIT' });
    const transfer = aRejectedWithdrawal({ transactionType: 'TRANSFER', reason: 'SAME_ACCOUNT' });

    // Act
    const out = [
      ...notificationsFor(deposit, settings()),
      ...notificationsFor(transfer, settings()),
    ];

    // Assess
    expect(out).toEqual([]);
  });
});

describe('notificationsFor: events that concern no customer', () => {
  it('produces nothing for a conflict or a pending reversal', () => {
    // Prepare
    const events = [aConflict(), aReversalPending()];

    // Act
    const out = events.flatMap((e) => notificationsFor(e, settings()));

    // Assess
    expect(out).toEqual([]);
  });
});

describe('notificationsFor: configured kinds', () => {
  it('produces only the kinds a deployment sends (receipts vs alerts)', () => {
    // Prepare
    const event = aPostedWithdrawal({ amount: 60_000, balanceBefore: 65_000 });

    // Act
    const receipts = notificationsFor(event, settings([...NOTIFIER_KINDS.receipts]));
    const alerts = notificationsFor(event, settings([...NOTIFIER_KINDS.alerts]));

    // Assess
    expect(receipts.map((n) => n.kind)).toEqual(['RECEIPT']);
    expect(alerts.map((n) => n.kind)).toEqual(['LOW_BALANCE', 'LARGE_WITHDRAWAL']);
  });

  it('derives the same ids from a redelivered event, whatever the clock says', () => {
    // Prepare
    const event = aPostedWithdrawal({ amount: 60_000, balanceBefore: 65_000 });

    // Act
    const first = notificationsFor(event, settings());
    const later = notificationsFor(event, {
      ...settings(),
      now: new Date(NOW.getTime() + 3_600_000),
    });

    // Assess
    expect(later.map((n) => n.notificationId)).toEqual(first.map((n) => n.notificationId));
  });
});

describe('notificationsFor: authorizations', () => {
  const declined = {
    schemaVersion: 1 as const,
    id: 'auth-1:authorization:declined',
    type: 'ledger.authorization.declined' as const,
    authorizationId: 'auth-1',
    accountId: 'acct-0001',
    atmId: 'atm-1',
    occurredAt: '2026-11-27T09:00:00Z',
    amount: 150_000,
    currency: 'HUF',
    panLast4: '4242',
    reason: 'DAILY_LIMIT_EXCEEDED' as const,
    availableBalance: 900_000,
    decidedAt: '2026-11-27T09:00:00Z',
  };

  it('sends the rejected-withdrawal notice for a declined authorization, about the authorization', () => {
    const [notice, ...rest] = notificationsFor(declined, settings());
    expect(rest).toEqual([]);
    expect(notice).toEqual({
      notificationId: 'auth-1:authorization:declined:WITHDRAWAL_REJECTED:acct-0001',
      kind: 'WITHDRAWAL_REJECTED',
      accountId: 'acct-0001',
      authorizationId: 'auth-1',
      createdAt: NOW.toISOString(),
      message:
        'A withdrawal of 1,500.00 HUF from your account ending 0001 with card **** 4242 was declined: it would pass your daily withdrawal limit.',
    });
  });

  it('says nothing of approvals, completions, releases and expiries: the posting speaks for the money', () => {
    const base = {
      schemaVersion: 1 as const,
      authorizationId: 'auth-2',
      accountId: 'acct-0001',
      occurredAt: '2026-11-27T09:00:00Z',
      amount: 1_000,
      currency: 'USD',
    };
    const events = [
      {
        ...base,
        id: 'auth-2:authorization:approved',
        type: 'ledger.authorization.approved' as const,
        atmId: 'atm-1',
        availableBalance: 5,
        decidedAt: base.occurredAt,
        expiresAt: '2026-12-04T09:00:00Z',
      },
      {
        ...base,
        id: 'auth-2:authorization:completed',
        type: 'ledger.authorization.completed' as const,
        transactionId: 'tx-1',
        completedAmount: 600,
        releasedHold: 1_000,
        completedAt: base.occurredAt,
      },
      {
        ...base,
        id: 'auth-2:authorization:released',
        type: 'ledger.authorization.released' as const,
        transactionId: 'tx-2',
        releasedAt: base.occurredAt,
      },
      {
        ...base,
        id: 'auth-2:authorization:expired',
        type: 'ledger.authorization.expired' as const,
        expiresAt: base.occurredAt,
        expiredAt: base.occurredAt,
      },
    ];
    for (const event of events) expect(notificationsFor(event, settings())).toEqual([]);
  });
});
