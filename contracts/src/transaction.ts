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

const BUSINESS_FIELDS = [
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
] as const satisfies readonly (keyof AtmTransaction)[];

/**
 * A stable digest of a transaction's business fields. Two deliveries of one id
 * are the same transaction exactly when their hashes match; the field list is
 * fixed so adding an optional field later cannot silently change old hashes.
 */
export function payloadHash(tx: AtmTransaction): string {
  const canonical = BUSINESS_FIELDS.map((field) => [field, tx[field] ?? null]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}
