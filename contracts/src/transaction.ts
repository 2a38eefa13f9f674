import { createHash } from 'node:crypto';
import type { PostTransactionRequest } from './api.js';
import type { AtmTransaction } from './events.js';

/**
 * The transaction as it leaves ingest: the PAN reduced to its last 4 digits,
 * every other business field kept as submitted.
 */
export function toAtmTransaction(request: PostTransactionRequest): AtmTransaction {
  const { pan, ...rest } = request;
  const tx: AtmTransaction = { ...rest };
  if (pan !== undefined) tx.panLast4 = pan.slice(-4);
  return tx;
}

/**
 * Every business field, in the fixed order the fingerprint takes them. The
 * list is explicit so that a new optional field changes no existing
 * fingerprint unless it is added here (absent fields are left out).
 */
export const BUSINESS_FIELDS = [
  'transactionId',
  'type',
  'accountId',
  'atmId',
  'occurredAt',
  'amount',
  'currency',
  'toAccountId',
  'originalTransactionId',
  'dispensedAmount',
  'panLast4',
  'authorizationId',
  'advice',
] as const satisfies readonly (keyof AtmTransaction)[];
export type BusinessField = (typeof BUSINESS_FIELDS)[number];

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/i;

/**
 * An RFC 3339 date-time as the UTC instant it names, written one way only:
 * `2026-11-27T09:00:00Z`, or with its fraction of a second, trailing zeros
 * dropped (`…:00.5Z`). Exact to the digit, nanoseconds included, where `Date`
 * would round to milliseconds. `…T10:00:00+01:00` and `…T09:00:00.000Z` give
 * the same string.
 */
export function canonicalInstant(timestamp: string): string {
  const m = RFC3339.exec(timestamp);
  if (m === null) throw new RangeError(`${JSON.stringify(timestamp)} is not an RFC 3339 date-time`);
  // Groups that did not take part are '': the fraction, and either `Z` or the offset.
  const [y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = m.slice(1).map((g) => g ?? '');
  const offsetMinutes = zulu !== '' ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  // setUTCFullYear, not Date.UTC, which would read years 0-99 as 1900-1999.
  const utc = new Date(0);
  utc.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  utc.setUTCHours(Number(h), Number(mi) - offsetMinutes, Number(s), 0);
  const trimmed = (fraction ?? '').replace(/0+$/, '');
  return `${utc.toISOString().slice(0, 19)}${trimmed === '' ? '' : `.${trimmed}`}Z`;
}

/**
 * The canonical form of a transaction's business fields: what two deliveries
 * must agree on to be the same transaction.
 * - `occurredAt` is the UTC instant ({@link canonicalInstant});
 * - numbers are numbers (`1e2` and `100` are one JSON number already);
 * - a field at its default is the same as the field left out: a reversal's
 *   `dispensedAmount` of 0 says what its absence says, and so does `advice: false`.
 */
export function canonicalTransaction(tx: AtmTransaction): Partial<Record<BusinessField, unknown>> {
  const out: Partial<Record<BusinessField, unknown>> = {};
  for (const field of BUSINESS_FIELDS) {
    const value = tx[field];
    if (value === undefined || value === null) continue;
    if (field === 'dispensedAmount' && value === 0) continue;
    if (field === 'advice' && value === false) continue;
    out[field] = field === 'occurredAt' ? canonicalInstant(String(value)) : value;
  }
  return out;
}

/** Prefix of fingerprints over the canonical form, so they can be told from the first version's. */
const CANONICAL = 'c1.';

/**
 * A stable digest of a transaction's canonical business fields. Two
 * deliveries of one id are the same transaction exactly when their
 * fingerprints match.
 */
export function payloadHash(tx: AtmTransaction): string {
  const canonical = canonicalTransaction(tx);
  const entries = BUSINESS_FIELDS.filter((f) => f in canonical).map((f) => [f, canonical[f]]);
  return `${CANONICAL}${createHash('sha256').update(JSON.stringify(entries)).digest('base64url')}`;
}

/** The business fields the first fingerprint took, frozen: a field added later must not change it. */
const LEGACY_FIELDS = BUSINESS_FIELDS.slice(0, BUSINESS_FIELDS.indexOf('panLast4') + 1);

/**
 * The fingerprint before payloads were made canonical: the fields as
 * submitted, absent ones as null. Records written before then carry it.
 */
export function legacyPayloadHash(tx: AtmTransaction): string {
  const fields = LEGACY_FIELDS.map((field) => [field, tx[field] ?? null]);
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

/**
 * Whether a stored fingerprint is this transaction's, whichever version
 * stored it: a redelivery of a record decided before the upgrade is a
 * duplicate, not a conflict.
 */
export function isSamePayload(storedHash: string, tx: AtmTransaction): boolean {
  return storedHash.startsWith(CANONICAL)
    ? storedHash === payloadHash(tx)
    : storedHash === legacyPayloadHash(tx);
}

/** The business fields on which two transactions' canonical forms differ, in field order. */
export function differingFields(a: AtmTransaction, b: AtmTransaction): BusinessField[] {
  const ca = canonicalTransaction(a);
  const cb = canonicalTransaction(b);
  return BUSINESS_FIELDS.filter((f) => JSON.stringify(ca[f]) !== JSON.stringify(cb[f]));
}
