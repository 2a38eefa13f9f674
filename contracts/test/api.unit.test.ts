import { describe, expect, it } from 'vitest';
import { OpenAccountRequest, PostTransactionRequest } from '../src/api.js';

const base = {
  transactionId: 'atm-1:000123',
  accountId: 'A',
  atmId: 'atm-1',
  occurredAt: '2026-11-27T09:30:00.000+01:00',
};
const fieldsOf = (input: unknown) => {
  const result = PostTransactionRequest.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) =>
    i.code === 'unrecognized_keys' ? i.keys.join(',') : i.path.join('.'),
  );
};

describe('PostTransactionRequest', () => {
  it('accepts each transaction type with exactly its fields', () => {
    const valid = [
      { ...base, type: 'WITHDRAWAL', amount: 2_000, currency: 'USD', pan: '4111111111111111' },
      { ...base, type: 'DEPOSIT', amount: 1, currency: 'EUR' },
      { ...base, type: 'TRANSFER', amount: 1_000_000_000_000, currency: 'USD', toAccountId: 'B' },
      { ...base, type: 'BALANCE_INQUIRY' },
      { ...base, type: 'REVERSAL', originalTransactionId: 'atm-1:000122', dispensedAmount: 0 },
    ];
    for (const input of valid) expect(fieldsOf(input)).toEqual([]);
  });

  it('requires amount and currency where money moves', () => {
    expect(fieldsOf({ ...base, type: 'WITHDRAWAL', currency: 'USD' })).toEqual(['amount']);
    expect(fieldsOf({ ...base, type: 'DEPOSIT', amount: 5 })).toEqual(['currency']);
  });

  it('rejects amounts that are not integers from 1 to 10^12', () => {
    for (const amount of [0, -1, 2.5, 1_000_000_000_001, '100']) {
      expect(fieldsOf({ ...base, type: 'WITHDRAWAL', amount, currency: 'USD' })).toEqual([
        'amount',
      ]);
    }
  });

  it('rejects fields that belong to another type', () => {
    expect(
      fieldsOf({ ...base, type: 'WITHDRAWAL', amount: 1, currency: 'USD', toAccountId: 'B' }),
    ).toEqual(['toAccountId']);
    expect(
      fieldsOf({ ...base, type: 'DEPOSIT', amount: 1, currency: 'USD', dispensedAmount: 1 }),
    ).toEqual(['dispensedAmount']);
  });

  it('validates ids, currency, PAN and timestamp formats', () => {
    expect(fieldsOf({ ...base, transactionId: 'has space', type: 'BALANCE_INQUIRY' })).toEqual([
      'transactionId',
    ]);
    expect(fieldsOf({ ...base, transactionId: 'x'.repeat(65), type: 'BALANCE_INQUIRY' })).toEqual([
      'transactionId',
    ]);
    expect(fieldsOf({ ...base, type: 'DEPOSIT', amount: 1, currency: 'usd' })).toEqual([
      'currency',
    ]);
    expect(fieldsOf({ ...base, type: 'BALANCE_INQUIRY', pan: '4111-1111' })).toEqual(['pan']);
    expect(fieldsOf({ ...base, type: 'BALANCE_INQUIRY', occurredAt: '2026-11-27 09:30' })).toEqual([
      'occurredAt',
    ]);
  });

  it('names the type field for an unknown type', () => {
    expect(fieldsOf({ ...base, type: 'REFUND' })).toEqual(['type']);
  });
});

describe('OpenAccountRequest', () => {
  it('defaults overdraftLimit to 0 and lowBalanceThreshold to 10000', () => {
    expect(OpenAccountRequest.parse({ accountId: 'A', currency: 'USD' })).toEqual({
      accountId: 'A',
      currency: 'USD',
      overdraftLimit: 0,
      lowBalanceThreshold: 10_000,
    });
  });
});
