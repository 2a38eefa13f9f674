import {
  AtmTransactionRecord,
  AtmTransactionShape,
  KNOWN_RECORD_VERSIONS,
} from '@atm-ledger/contracts';

/** Larger than any record ingest produces by two orders of magnitude. */
export const MAX_RECORD_BYTES = 64 * 1024;

export type DecodeResult =
  | { readonly ok: true; readonly record: AtmTransactionRecord }
  | {
      readonly ok: false;
      readonly reason:
        | 'RECORD_TOO_LARGE'
        | 'NOT_JSON'
        | 'UNKNOWN_TYPE'
        | 'UNKNOWN_SCHEMA_VERSION'
        | 'INVALID_RECORD';
      readonly detail: string;
    };

/** Turns Kinesis record bytes into a contract record, or says exactly why it never can be. */
export function decodeRecord(base64Data: string): DecodeResult {
  const bytes = Buffer.from(base64Data, 'base64');
  if (bytes.length > MAX_RECORD_BYTES) {
    return {
      ok: false,
      reason: 'RECORD_TOO_LARGE',
      detail: `${bytes.length} bytes, at most ${MAX_RECORD_BYTES}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    return { ok: false, reason: 'NOT_JSON', detail: (error as Error).message };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'NOT_JSON', detail: 'expected a JSON object' };
  }
  const { type, schemaVersion } = value as { type?: unknown; schemaVersion?: unknown };
  const versions = typeof type === 'string' ? KNOWN_RECORD_VERSIONS[type] : undefined;
  if (versions === undefined) {
    return {
      ok: false,
      reason: 'UNKNOWN_TYPE',
      detail: `type ${JSON.stringify(type)?.slice(0, 100)}`,
    };
  }
  if (typeof schemaVersion !== 'number' || !versions.includes(schemaVersion)) {
    return {
      ok: false,
      reason: 'UNKNOWN_SCHEMA_VERSION',
      detail: `${String(type)} schemaVersion ${JSON.stringify(schemaVersion)?.slice(0, 50)}; known: ${versions.join(', ')}`,
    };
  }
  const parsed = AtmTransactionRecord.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: 'INVALID_RECORD', detail };
  }
  // The record is well-formed; now the transaction must have its type's fields,
  // or the ledger could never decide it and the record would block its account.
  const shape = AtmTransactionShape.safeParse(parsed.data.transaction);
  if (!shape.success) {
    const detail = shape.error.issues
      .slice(0, 5)
      .map((i) => `transaction.${i.path.join('.') || '(transaction)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: 'INVALID_RECORD', detail };
  }
  if (parsed.data.id !== parsed.data.transaction.transactionId) {
    return {
      ok: false,
      reason: 'INVALID_RECORD',
      detail: 'id differs from transaction.transactionId',
    };
  }
  return { ok: true, record: parsed.data };
}
