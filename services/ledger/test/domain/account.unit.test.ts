import { describe, expect, it } from 'vitest';
import { decideOpenAccount } from '../../src/domain/index.js';
import { anAccount, NOW } from '../support/builders.js';

const request = {
  accountId: 'acct-1',
  currency: 'EUR',
  overdraftLimit: 0,
  lowBalanceThreshold: 1_000,
};

describe('decideOpenAccount', () => {
  it('creates an empty account opened now when none exists', () => {
    const decision = decideOpenAccount(request, undefined, NOW);

    expect(decision).toEqual({
      kind: 'Create',
      account: {
        ...request,
        balance: 0,
        version: 0,
        createdAt: NOW,
        updatedAt: NOW,
        heldAmount: 0,
        withdrawn: {},
      },
    });
  });

  it('is Identical for the same fields, whatever the balance has become', () => {
    const existing = anAccount({ balance: 700, version: 4 });

    expect(decideOpenAccount(request, existing, NOW)).toEqual({
      kind: 'Identical',
      account: existing,
    });
  });

  it.each([
    ['currency', { currency: 'USD' }],
    ['overdraftLimit', { overdraftLimit: 1 }],
    ['lowBalanceThreshold', { lowBalanceThreshold: 999 }],
  ])('is a Conflict when %s differs', (_field, change) => {
    const existing = anAccount();

    expect(decideOpenAccount({ ...request, ...change }, existing, NOW)).toEqual({
      kind: 'Conflict',
      account: existing,
    });
  });
});
