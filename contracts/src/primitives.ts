import * as z from 'zod';
import { CURRENCY_CODES } from './currency.js';

/** Longest identifier (transaction, account, ATM id) the API accepts. */
export const MAX_IDENTIFIER_LENGTH = 64;

/**
 * Identifiers that travel in URLs, partition keys and DynamoDB keys: 1–64 of
 * `[A-Za-z0-9._:-]`. The length limits are separate checks, not only the
 * pattern's, so that OpenAPI and JSON Schema show them as minLength/maxLength;
 * a failed length check stops there (`abort`), so a field gets one error.
 */
export const Identifier = z
  .string()
  .min(1, { message: 'expected at least 1 character', abort: true })
  .max(MAX_IDENTIFIER_LENGTH, {
    message: `expected at most ${MAX_IDENTIFIER_LENGTH} characters`,
    abort: true,
  })
  .regex(/^[A-Za-z0-9._:-]*$/, 'expected only characters of [A-Za-z0-9._:-]');

/** The idempotency key of a transaction: the same id is applied at most once. */
export const TransactionId = Identifier.describe(
  'Idempotency key of the transaction: 1-64 characters of [A-Za-z0-9._:-]',
);
export const AuthorizationId = Identifier.describe(
  'Idempotency key of the authorization, in a namespace of its own: 1-64 characters of [A-Za-z0-9._:-]',
);
export const AccountId = Identifier.describe('Account id');

/**
 * Kinds of system account the ledger keeps, each a namespace `<KIND>:<id>`:
 * `ATM_CASH:<atmId>` is the cash inside one ATM. `SYSTEM` is held back for
 * the ledger's own future accounts (suspense, settlement), so adding one can
 * never collide with an account a bank has already opened.
 */
export const SYSTEM_ACCOUNT_KINDS = ['ATM_CASH', 'SYSTEM'] as const;
export type SystemAccountKind = (typeof SYSTEM_ACCOUNT_KINDS)[number];

/** The id of a system account: `ATM_CASH:atm-1`. */
export const systemAccountId = (kind: SystemAccountKind, id: string) => `${kind}:${id}`;

/** Case and the separators `.`, `_` and `-` do not make an id different to a person reading it. */
const lookalike = (id: string) => id.toUpperCase().replace(/[._-]/g, '');
const RESERVED = SYSTEM_ACCOUNT_KINDS.map(lookalike);

/**
 * Whether an id equals or mimics a system account: a reserved kind on its
 * own or followed by `:`, whatever the case and the `.`/`_`/`-` in it
 * (`ATM_CASH:atm-1`, `atm-cash:atm-1`, `AtmCash:x`, `SYSTEM`).
 */
export function isReservedAccountId(id: string): boolean {
  const seen = lookalike(id);
  return RESERVED.some((kind) => seen === kind || seen.startsWith(`${kind}:`));
}

/**
 * A customer account id: an {@link Identifier} that is not, and does not
 * look like, a system account's.
 */
export const CustomerAccountId = Identifier.refine((id) => !isReservedAccountId(id), {
  message: `expected a customer account id; ids that equal or mimic a system account (${SYSTEM_ACCOUNT_KINDS.map((k) => `${k}:…`).join(', ')}) are reserved`,
}).describe('Customer account id');
export const AtmId = Identifier.describe('ATM (terminal) id');

/**
 * An active ISO 4217 alphabetic code (`currency.ts` has the table). Money is
 * never a float: see {@link MinorUnits}.
 */
export const Currency = z
  .enum(CURRENCY_CODES, { error: 'expected an active ISO 4217 currency code' })
  .meta({ id: 'Currency', description: 'Active ISO 4217 currency code' });

export const MAX_AMOUNT = 1_000_000_000_000;

/**
 * The largest balance, either side of zero, an account may reach, in minor
 * units: 10^15, under 2^53, so every balance and every sum the ledger makes of
 * two of them is an exact integer in JavaScript and in JSON. A posting that
 * would pass it is rejected `LIMIT_EXCEEDED`.
 */
export const MAX_BALANCE = 1_000_000_000_000_000;

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

/** `YYYY-MM-DDThh:mm:ss.fffffffff+hh:mm`: nanoseconds and a numeric offset. */
export const MAX_TIMESTAMP_LENGTH = 35;

/**
 * The shape of an RFC 3339 date-time with an offset, as the schemas publish
 * it. zod's own pattern (400 characters) also encodes the calendar (month
 * lengths, leap years); published, `format: date-time` says that instead, and
 * together they accept exactly what zod accepts (test/api.unit.test.ts). It
 * reads better, and a fuzzer can negate it: schemathesis took 54 s over the
 * boundary cases of POST /v1/transactions with zod's pattern, 20 s with this.
 */
export const TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$';

/** RFC 3339 timestamp with an explicit offset, at most 35 characters. */
export const Timestamp = z.iso
  .datetime({ offset: true, message: 'expected an RFC 3339 date-time with offset' })
  .max(MAX_TIMESTAMP_LENGTH, `expected at most ${MAX_TIMESTAMP_LENGTH} characters`)
  .meta({ pattern: TIMESTAMP_PATTERN })
  .describe('RFC 3339 date-time');

/** A primary account number, only ever accepted at the edge: it is masked before it is stored. */
export const Pan = z
  .string()
  .min(12, { message: 'expected 12-19 digits', abort: true })
  .max(19, { message: 'expected 12-19 digits', abort: true })
  .regex(/^[0-9]*$/, 'expected 12-19 digits')
  .describe('Card number (PAN). Never stored or logged in clear: only its last 4 digits are kept.');

export const PanLast4 = z.string().regex(/^[0-9]{4}$/);

export type Currency = z.infer<typeof Currency>;
export type TransactionIdT = z.infer<typeof TransactionId>;
