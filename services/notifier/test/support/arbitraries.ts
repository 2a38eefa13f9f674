import {
  type AccountMovement,
  LedgerEvent,
  MAX_AMOUNT,
  type TransactionPosted,
  type TransactionRejected,
} from '@atm-ledger/contracts';
import fc from 'fast-check';

const DEFAULT_NUM_RUNS = 200;

/** Runs per property: modest by default, raised for a soak with `FC_NUM_RUNS=20000`. */
export function numRuns(): number {
  const raw = process.env.FC_NUM_RUNS;
  if (raw === undefined || raw === '') return DEFAULT_NUM_RUNS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`FC_NUM_RUNS must be a positive integer, got ${raw}`);
  return n;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-'.split('');

/** Any identifier the contracts accept, long digit runs included (an account number can be all digits). */
export const arbIdentifier = () =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 64 }),
    fc.stringMatching(/^[0-9]{12,19}$/),
  );

/** Identifiers without 12 digits in a row: what ids look like when no field could pass for a PAN. */
export const arbPanFreeIdentifier = () =>
  fc
    .string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 64 })
    .filter((s) => !/[0-9]{12}/.test(s));

export const arbPanLast4 = () => fc.stringMatching(/^[0-9]{4}$/);
export const arbCurrency = () => fc.constantFrom('USD', 'EUR', 'JPY', 'HUF', 'BHD', 'IQD', 'GBP');
export const arbAmount = () => fc.integer({ min: 1, max: MAX_AMOUNT });
/** Balances reach well past any single amount, overdrafts included. */
export const arbBalance = () => fc.integer({ min: -MAX_AMOUNT, max: 100 * MAX_AMOUNT });
const arbTimestamp = () =>
  fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) })
    .map((t) => new Date(t).toISOString());

/** Balances about one amount either side of zero, where overdraft limits are crossed. */
const arbBalanceNearZero = () => fc.integer({ min: -2 * MAX_AMOUNT, max: MAX_AMOUNT });
/** Absent on events from before the ledger recorded it. */
export const arbOverdraftLimit = () =>
  fc.option(fc.integer({ min: 0, max: MAX_AMOUNT }), { nil: undefined });

export const arbMovement = (arbId: () => fc.Arbitrary<string>): fc.Arbitrary<AccountMovement> =>
  fc
    .record({
      accountId: arbId(),
      amount: fc.integer({ min: -MAX_AMOUNT, max: MAX_AMOUNT }),
      balanceBefore: fc.oneof(arbBalance(), arbBalanceNearZero()),
      lowBalanceThreshold: fc.integer({ min: 0, max: 10 * MAX_AMOUNT }),
      overdraftLimit: arbOverdraftLimit(),
      sequence: fc.nat(),
    })
    .map((m) => ({ ...m, balanceAfter: m.balanceBefore + m.amount }));

export const arbPosted = (
  arbId: () => fc.Arbitrary<string> = arbIdentifier,
): fc.Arbitrary<TransactionPosted> =>
  fc
    .record({
      transactionId: arbId(),
      transactionType: fc.constantFrom(
        'WITHDRAWAL',
        'DEPOSIT',
        'TRANSFER',
        'REVERSAL',
        'BALANCE_INQUIRY',
      ) as fc.Arbitrary<TransactionPosted['transactionType']>,
      accountId: arbId(),
      atmId: arbId(),
      currency: fc.option(arbCurrency(), { nil: undefined }),
      amount: arbAmount(),
      panLast4: fc.option(arbPanLast4(), { nil: undefined }),
      occurredAt: arbTimestamp(),
      postedAt: arbTimestamp(),
      movements: fc.array(arbMovement(arbId), { minLength: 0, maxLength: 3 }),
      // Absent on reversals from before the ledger named it.
      reversed: fc.option(
        fc.constantFrom('WITHDRAWAL', 'DEPOSIT', 'TRANSFER') as fc.Arbitrary<
          TransactionPosted['transactionType']
        >,
        { nil: undefined },
      ),
    })
    .map(
      ({ reversed, ...p }): TransactionPosted => ({
        type: 'ledger.transaction.posted',
        schemaVersion: 1,
        id: `${p.transactionId}:posted`,
        ...p,
        ...(p.transactionType === 'REVERSAL' && reversed !== undefined
          ? { reversedTransactionType: reversed }
          : {}),
        // An inquiry moves no money: the ledger posts it without movements.
        movements: p.transactionType === 'BALANCE_INQUIRY' ? [] : p.movements,
        legs: [],
      }),
    );

export const arbRejected = (
  arbId: () => fc.Arbitrary<string> = arbIdentifier,
): fc.Arbitrary<TransactionRejected> =>
  fc
    .record({
      transactionId: arbId(),
      transactionType: fc.constantFrom('WITHDRAWAL', 'DEPOSIT', 'TRANSFER') as fc.Arbitrary<
        TransactionRejected['transactionType']
      >,
      accountId: arbId(),
      atmId: arbId(),
      amount: fc.option(arbAmount(), { nil: undefined }),
      currency: fc.option(arbCurrency(), { nil: undefined }),
      panLast4: fc.option(arbPanLast4(), { nil: undefined }),
      reason: fc.constantFrom(
        'INSUFFICIENT_FUNDS',
        'ACCOUNT_NOT_FOUND',
        'CURRENCY_MISMATCH',
      ) as fc.Arbitrary<TransactionRejected['reason']>,
      occurredAt: arbTimestamp(),
      rejectedAt: arbTimestamp(),
    })
    .map(
      (r): TransactionRejected => ({
        type: 'ledger.transaction.rejected',
        schemaVersion: 1,
        id: `${r.transactionId}:rejected`,
        ...r,
      }),
    );

/** Ledger events that pass the contract's schema. */
export const arbLedgerEvent = (arbId: () => fc.Arbitrary<string> = arbIdentifier) =>
  fc.oneof(arbPosted(arbId), arbRejected(arbId)).filter((e) => LedgerEvent.safeParse(e).success);
