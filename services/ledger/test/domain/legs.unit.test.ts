import { describe, expect, it } from 'vitest';
import { atmCashAccount, isBalanced, totals } from '../../src/domain/index.js';

const leg = (account: string, debit: number, credit: number, currency = 'EUR') => ({
  account,
  debit,
  credit,
  currency,
});

describe('isBalanced', () => {
  it('holds when debits equal credits in every currency', () => {
    expect(
      isBalanced([leg('a', 5, 0), leg('b', 0, 5), leg('c', 7, 0, 'USD'), leg('d', 0, 7, 'USD')]),
    ).toBe(true);
  });

  it('holds for a posting without legs', () => {
    expect(isBalanced([])).toBe(true);
  });

  it('fails when debits and credits differ', () => {
    expect(isBalanced([leg('a', 5, 0), leg('b', 0, 4)])).toBe(false);
  });

  it('fails when the totals match only across currencies', () => {
    // 5 EUR against 5 USD is not double entry, though the sums agree.
    expect(isBalanced([leg('a', 5, 0, 'EUR'), leg('b', 0, 5, 'USD')])).toBe(false);
  });
});

describe('totals', () => {
  it('sums debits and credits per currency', () => {
    const result = totals([leg('a', 5, 0), leg('b', 0, 3), leg('c', 2, 1, 'USD')]);

    expect(Object.fromEntries(result)).toEqual({
      EUR: { debits: 5, credits: 3 },
      USD: { debits: 2, credits: 1 },
    });
  });
});

describe('atmCashAccount', () => {
  it('is one system account per ATM', () => {
    expect(atmCashAccount('atm-1')).not.toBe(atmCashAccount('atm-2'));
    expect(atmCashAccount('atm-1')).toBe(atmCashAccount('atm-1'));
  });
});
