import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type AccountViewLike,
  type AuthorizationViewLike,
  checkHolds,
  checkTrialBalance,
  ledgerSnapshot,
  type SentAuthorization,
} from '../../src/soak/checks.js';

const leg = (account: string, debit: number, credit: number, currency: string) => ({
  M: {
    account: { S: account },
    debit: { N: String(debit) },
    credit: { N: String(credit) },
    currency: { S: currency },
  },
});

const transaction = (
  id: string,
  legs: ReturnType<typeof leg>[],
): Record<string, AttributeValue> => ({
  entity: { S: 'TRANSACTION' },
  sk: { S: 'TX' },
  transactionId: { S: id },
  status: { S: 'POSTED' },
  legs: { L: legs },
});

describe('checkTrialBalance', () => {
  it("shows the totals at each currency's ISO 4217 exponent, ours and the API's", async () => {
    // Prepare
    const snapshot = ledgerSnapshot([
      transaction('d1', [leg('ATM_CASH:a', 38_515_000, 0, 'USD'), leg('A', 0, 38_515_000, 'USD')]),
      transaction('d2', [leg('ATM_CASH:a', 150_000, 0, 'JPY'), leg('J', 0, 150_000, 'JPY')]),
    ]);
    const api = {
      request: async () => ({
        status: 200,
        ms: 1,
        body: {
          currencies: {
            USD: { debits: 38_515_000, credits: 38_515_000, balanced: true },
            JPY: { debits: 150_000, credits: 150_000, balanced: true },
          },
        },
      }),
    };

    // Act
    const check = await checkTrialBalance(snapshot, api);

    // Assess
    expect(check.ok).toBe(true);
    expect(check.detail).toBe(
      'legs debits/credits: 385,150.00 USD / 385,150.00 USD, 150,000 JPY / 150,000 JPY; ' +
        'GET /v1/ledger/trial-balance: 200 385,150.00 USD / 385,150.00 USD balanced=true, 150,000 JPY / 150,000 JPY balanced=true',
    );
  });
});

describe('checkHolds', () => {
  const sent: SentAuthorization[] = [
    {
      authorizationId: 'a1',
      accountId: 'A',
      amount: 10_000,
      settlement: 'FULL',
      decision: 'APPROVED',
      completedAmount: 10_000,
    },
    {
      authorizationId: 'a2',
      accountId: 'A',
      amount: 8_000,
      settlement: 'PARTIAL',
      decision: 'APPROVED',
      completedAmount: 4_000,
    },
    {
      authorizationId: 'a3',
      accountId: 'B',
      amount: 6_000,
      settlement: 'RELEASE',
      decision: 'APPROVED',
    },
    {
      authorizationId: 'a4',
      accountId: 'B',
      amount: 2_000,
      settlement: 'ABANDON',
      decision: 'APPROVED',
    },
    {
      authorizationId: 'a5',
      accountId: 'B',
      amount: 90_000,
      settlement: 'FULL',
      decision: 'DECLINED',
    },
  ];
  const view = (
    id: string,
    accountId: string,
    status: string,
    amount: number,
    completedAmount?: number,
  ): AuthorizationViewLike => ({
    authorizationId: id,
    accountId,
    status,
    amount,
    ...(completedAmount === undefined ? {} : { completedAmount }),
  });
  const ended = new Map<string, AuthorizationViewLike | undefined>([
    ['a1', view('a1', 'A', 'COMPLETED', 10_000, 10_000)],
    ['a2', view('a2', 'A', 'COMPLETED', 8_000, 4_000)],
    ['a3', view('a3', 'B', 'RELEASED', 6_000)],
    ['a4', view('a4', 'B', 'EXPIRED', 2_000)],
    ['a5', view('a5', 'B', 'DECLINED', 90_000)],
  ]);
  const account = (accountId: string, heldAmount: number, balance = 50_000): AccountViewLike => ({
    accountId,
    balance,
    overdraftLimit: 0,
    heldAmount,
    availableBalance: balance - heldAmount,
  });
  const journal = (...kinds: string[]) => ({
    events: kinds.map((k) => ({ type: `ledger.authorization.${k}` })),
  });
  const journals = {
    authorizationRecords: new Map([
      ['a1', journal('approved', 'completed')],
      ['a2', journal('approved', 'completed')],
      ['a3', journal('approved', 'released')],
      ['a4', journal('approved', 'expired')],
      ['a5', journal('declined')],
    ]),
  } as unknown as Parameters<typeof checkHolds>[3];

  it('passes when every hold ended once, as its ATM acted, and no account holds anything', () => {
    // Act
    const check = checkHolds(sent, ended, [account('A', 0), account('B', 0)], journals);

    // Assess
    expect(check.ok, check.detail).toBe(true);
    expect(check.detail).toContain('COMPLETED 2, RELEASED 1, EXPIRED 1, DECLINED 1');
  });

  it('fails on a hold still approved, and on an account whose heldAmount is not its approved holds', () => {
    // Prepare: a4 never expired; account B holds it, and A holds money for nothing.
    const views = new Map(ended).set('a4', view('a4', 'B', 'APPROVED', 2_000));
    const stale = {
      authorizationRecords: new Map(journals.authorizationRecords).set(
        'a4',
        journal('approved') as never,
      ),
    };

    // Act
    const check = checkHolds(sent, views, [account('A', 1_000), account('B', 2_000)], stale);

    // Assess
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('a4: still APPROVED');
    expect(check.detail).toContain('A: heldAmount 1000, its APPROVED authorizations hold 0');
    expect(check.detail).not.toContain('B: heldAmount');
    expect(check.detail).toContain('a4: 0 endings in its journal, expected 1');
  });

  it('fails on a hold ended twice, a completion for the wrong amount, and an availableBalance off the formula', () => {
    // Prepare
    const twice = {
      authorizationRecords: new Map(journals.authorizationRecords).set(
        'a3',
        journal('approved', 'released', 'expired') as never,
      ),
    };
    const views = new Map(ended).set('a2', view('a2', 'A', 'COMPLETED', 8_000, 8_000));
    const off = { ...account('B', 0), availableBalance: 49_000 };

    // Act
    const check = checkHolds(sent, views, [account('A', 0), off], twice);

    // Assess
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('a3: 2 endings');
    expect(check.detail).toContain('a2 (APPROVED, PARTIAL): COMPLETED for 8000, posted 4000');
    expect(check.detail).toContain('B: availableBalance 49000, balance + overdraft - held = 50000');
  });

  it('counts a completion after the expiry as posting the cash, not as a second ending', () => {
    // Prepare: a1's completion reached the ledger after its hold expired.
    const late = {
      authorizationRecords: new Map(journals.authorizationRecords).set(
        'a1',
        journal('approved', 'expired', 'completed') as never,
      ),
    };

    // Act
    const check = checkHolds(sent, ended, [account('A', 0), account('B', 0)], late);

    // Assess
    expect(check.ok, check.detail).toBe(true);
    expect(check.detail).toContain('completed after they expired 1');
  });

  it('accepts a release that lost to the expiry, but not an abandoned hold that completed', () => {
    // Prepare
    const views = new Map(ended)
      .set('a3', view('a3', 'B', 'EXPIRED', 6_000))
      .set('a4', view('a4', 'B', 'COMPLETED', 2_000, 2_000));

    // Act
    const check = checkHolds(sent, views, [account('A', 0), account('B', 0)], journals);

    // Assess
    expect(check.ok).toBe(false);
    expect(check.detail).not.toContain('a3 (');
    expect(check.detail).toContain('a4 (APPROVED, ABANDON): COMPLETED');
  });
});
