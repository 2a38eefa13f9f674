import * as z from 'zod';

/** Identifiers that travel in URLs, partition keys and DynamoDB keys: 1–64 of `[A-Za-z0-9._:-]`. */
export const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected 1-64 characters of [A-Za-z0-9._:-]');

/** The idempotency key of a transaction: the same id is applied at most once. */
export const TransactionId = Identifier.describe(
  'Idempotency key of the transaction: 1-64 characters of [A-Za-z0-9._:-]',
);
export const AccountId = Identifier.describe('Customer account id');
export const AtmId = Identifier.describe('ATM (terminal) id');

/** ISO 4217 alphabetic code. Money is never a float: see {@link MinorUnits}. */
export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code of 3 upper-case letters')
  .describe('ISO 4217 currency code');

export const MAX_AMOUNT = 1_000_000_000_000;

/** A positive amount in minor units (cents), 1 to 10^12. */
export const MinorUnits = z
  .number()
  .int('expected an integer number of minor units')
  .min(1, 'expected at least 1 minor unit')
  .max(MAX_AMOUNT, `expected at most ${MAX_AMOUNT} minor units`)
  .describe('Amount in minor units of the currency (integer)');

/** A non-negative amount in minor units. */
export const NonNegativeMinorUnits = z
  .number()
  .int('expected an integer number of minor units')
  .min(0, 'expected a non-negative amount')
  .max(MAX_AMOUNT, `expected at most ${MAX_AMOUNT} minor units`);

/** RFC 3339 timestamp with an explicit offset. */
export const Timestamp = z.iso
  .datetime({ offset: true, message: 'expected an RFC 3339 date-time with offset' })
  .describe('RFC 3339 date-time');

/** A primary account number, only ever accepted at the edge: it is masked before it is stored. */
export const Pan = z
  .string()
  .regex(/^[0-9]{12,19}$/, 'expected 12-19 digits')
  .describe('Card number (PAN). Never stored or logged in clear: only its last 4 digits are kept.');

export const PanLast4 = z.string().regex(/^[0-9]{4}$/);

export type Currency = z.infer<typeof Currency>;
export type TransactionIdT = z.infer<typeof TransactionId>;
