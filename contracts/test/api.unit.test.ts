import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntriesQuery, OpenAccountRequest, PostTransactionRequest } from '../src/api.js';
import { TIMESTAMP_PATTERN, Timestamp } from '../src/primitives.js';

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

  it('bounds every string: ids at 64 characters, PAN at 19 digits, timestamps at 35 characters', () => {
    // Prepare: the largest value of each field, then one character more.
    const longest = {
      ...base,
      transactionId: 'x'.repeat(64),
      accountId: 'A'.repeat(64),
      atmId: 'a'.repeat(64),
      occurredAt: '2026-11-27T09:30:00.123456789+01:00',
      pan: '4'.repeat(19),
      type: 'TRANSFER',
      amount: 1,
      currency: 'USD',
      toAccountId: 'B'.repeat(64),
    };

    // Act
    const tooLong = {
      transactionId: fieldsOf({ ...longest, transactionId: 'x'.repeat(65) }),
      accountId: fieldsOf({ ...longest, accountId: 'A'.repeat(65) }),
      atmId: fieldsOf({ ...longest, atmId: 'a'.repeat(65) }),
      toAccountId: fieldsOf({ ...longest, toAccountId: 'B'.repeat(65) }),
      pan: fieldsOf({ ...longest, pan: '4'.repeat(20) }),
      currency: fieldsOf({ ...longest, currency: 'USDX' }),
      occurredAt: fieldsOf({ ...longest, occurredAt: '2026-11-27T09:30:00.1234567891+01:00' }),
    };

    // Assess
    expect(fieldsOf(longest)).toEqual([]);
    for (const [field, fields] of Object.entries(tooLong)) expect(fields).toEqual([field]);
  });

  it('reports one error per field that is both too short and malformed', () => {
    expect(
      PostTransactionRequest.safeParse({ ...base, type: 'BALANCE_INQUIRY', pan: '4111-1111' }).error
        ?.issues,
    ).toHaveLength(1);
  });

  it('names the type field for an unknown type', () => {
    expect(fieldsOf({ ...base, type: 'REFUND' })).toEqual(['type']);
  });

  it('accepts only active ISO 4217 codes', () => {
    // Prepare
    const deposit = (currency: string) => ({ ...base, type: 'DEPOSIT', amount: 1, currency });

    // Act + Assess: three capital letters are not enough, and withdrawn codes are gone.
    for (const code of ['ZZZ', 'ABC', 'HRK', 'SLL', 'VEF']) {
      expect(fieldsOf(deposit(code)), code).toEqual(['currency']);
    }
    for (const code of ['USD', 'EUR', 'JPY', 'HUF', 'BHD', 'IQD', 'SLE', 'ZWG']) {
      expect(fieldsOf(deposit(code)), code).toEqual([]);
    }
    expect(
      fieldsOf({
        ...base,
        type: 'REVERSAL',
        originalTransactionId: 'o',
        amount: 1,
        currency: 'ZZZ',
      }),
    ).toEqual(['currency']);
  });

  it('refuses account ids that equal or mimic a system account, on both sides of a transfer', () => {
    for (const id of [
      'ATM_CASH:atm-1',
      'atm_cash:atm-1',
      'ATM-CASH:x',
      'AtmCash:x',
      'ATM_CASH',
      'SYSTEM:suspense',
      'system',
    ]) {
      expect(fieldsOf({ ...base, accountId: id, type: 'BALANCE_INQUIRY' }), id).toEqual([
        'accountId',
      ]);
      expect(
        fieldsOf({ ...base, type: 'TRANSFER', amount: 1, currency: 'USD', toAccountId: id }),
        id,
      ).toEqual(['toAccountId']);
    }
    // Ids that merely contain the words are customers' own.
    for (const id of ['ATM_CASHIER', 'my:ATM_CASH:1', 'SYSTEMIC', 'cash-atm']) {
      expect(fieldsOf({ ...base, accountId: id, type: 'BALANCE_INQUIRY' }), id).toEqual([]);
    }
  });

  it("lets a reversal carry the original's amount and currency, both or neither", () => {
    const reversal = { ...base, type: 'REVERSAL', originalTransactionId: 'atm-1:000122' };
    expect(fieldsOf(reversal)).toEqual([]);
    expect(fieldsOf({ ...reversal, amount: 2_000, currency: 'USD' })).toEqual([]);
    expect(fieldsOf({ ...reversal, amount: 2_000 })).toEqual(['currency']);
    expect(fieldsOf({ ...reversal, currency: 'USD' })).toEqual(['amount']);
    expect(fieldsOf({ ...reversal, amount: 0, currency: 'USD' })).toEqual(['amount']);
  });
});

describe('EntriesQuery', () => {
  it('refuses an empty cursor and a limit outside 1-100', () => {
    // Prepare: `?cursor=` was accepted by the schema and then refused as not issued (found by the API fuzzer).
    const fields = (query: Record<string, string>) =>
      EntriesQuery.safeParse(query).error?.issues.map((i) => i.path.join('.')) ?? [];

    // Act + Assess
    expect(fields({ cursor: '' })).toEqual(['cursor']);
    expect(fields({ cursor: 'x'.repeat(513) })).toEqual(['cursor']);
    expect(fields({ limit: '0' })).toEqual(['limit']);
    expect(fields({ limit: '101' })).toEqual(['limit']);
    expect(EntriesQuery.parse({})).toEqual({ limit: 50 });
  });
});

describe('OpenAccountRequest', () => {
  it('refuses a system account id and a currency that is not active ISO 4217, naming each field', () => {
    const fields = (input: unknown) =>
      OpenAccountRequest.safeParse(input).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(fields({ accountId: 'ATM_CASH:atm-1', currency: 'USD' })).toEqual(['accountId']);
    expect(fields({ accountId: 'A', currency: 'ZZZ' })).toEqual(['currency']);
  });

  it('defaults overdraftLimit to 0 and lowBalanceThreshold to 10000', () => {
    expect(OpenAccountRequest.parse({ accountId: 'A', currency: 'USD' })).toEqual({
      accountId: 'A',
      currency: 'USD',
      overdraftLimit: 0,
      lowBalanceThreshold: 10_000,
    });
  });
});

describe('Timestamp', () => {
  /** What the published schema says: the pattern, and `format: date-time` (a real calendar date). */
  const published = (value: string) => {
    if (value.length > 35 || !new RegExp(TIMESTAMP_PATTERN).test(value)) return false;
    const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [
      number,
      number,
      number,
    ];
    const date = new Date(Date.UTC(2000, month - 1, day));
    date.setUTCFullYear(year);
    return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  };

  /** Date-times near every boundary: months 00-13, days 00-32, hours to 24, leap years, offsets. */
  const arbNearTimestamp = () => {
    const digits = (n: number, max: number) =>
      fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
    return fc
      .tuple(
        fc.oneof(digits(4, 9999), fc.constantFrom('2000', '1900', '2024', '2100', '2400')),
        digits(2, 13),
        digits(2, 32),
        digits(2, 24),
        digits(2, 60),
        digits(2, 61),
        fc.option(fc.stringMatching(/^\.[0-9]{1,12}$/), { nil: '' }),
        fc.oneof(
          fc.constantFrom('Z', 'z', ''),
          fc
            .tuple(fc.constantFrom('+', '-'), digits(2, 25), digits(2, 60))
            .map((p) => p.join('').replace(/(\d\d)(\d\d)$/, '$1:$2')),
        ),
        fc.constantFrom('T', 't', ' '),
      )
      .map(
        ([y, mo, d, h, mi, s, frac, offset, t]) =>
          `${y}-${mo}-${d}${t}${h}:${mi}:${s}${frac}${offset}`,
      );
  };

  it('accepts exactly what its published pattern and format accept', () => {
    fc.assert(
      fc.property(arbNearTimestamp(), (value) => {
        expect(Timestamp.safeParse(value).success, value).toBe(published(value));
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 2_000) },
    );
  });
});
