import {
  AtmTransactionRecord,
  AtmTransactionShape,
  KNOWN_RECORD_VERSIONS,
} from '@atm-ledger/contracts';
import { escapeNonAscii } from '../ascii.js';

/**
 * The largest record the ledger accepts, in bytes of data (before base64).
 * Ingest produces records of under 1 KiB; Kinesis allows 1 MiB. 64 KiB leaves
 * two orders of magnitude of headroom for new optional fields, and keeps a
 * rejected record small enough to travel whole on the poison queue (its
 * base64 is at most 87,384 characters, a third of an SQS message).
 */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Why a record can never be posted. Retrying does not change any of these. */
export const POISON_REASONS = [
  /** Over {@link MAX_RECORD_BYTES}; it is refused before it is decoded. */
  'RECORD_TOO_LARGE',
  /** Not UTF-8, not JSON, or JSON that is not an object. */
  'NOT_JSON',
  /** A JSON object whose `type` is not a record type the ledger knows. */
  'UNKNOWN_TYPE',
  /** A known `type` with a missing or unknown `schemaVersion`. */
  'UNKNOWN_SCHEMA_VERSION',
  /** A known type and version with a field that breaks the contract. */
  'INVALID_RECORD',
  /**
   * A valid record under another account's partition key: it was sequenced
   * in another account's order, so posting it could put this account's
   * transactions out of order.
   */
  'WRONG_PARTITION_KEY',
  /** A valid record the store refuses on every delivery (an item it cannot hold). */
  'UNPROCESSABLE',
  /** Deciding the record broke one of the ledger's invariants: a bug or corrupt data, for a person to look at. */
  'LEDGER_INVARIANT_VIOLATED',
] as const;
export type PoisonReason = (typeof POISON_REASONS)[number];

export type DecodeResult =
  | { readonly ok: true; readonly record: AtmTransactionRecord }
  | {
      readonly ok: false;
      readonly reason: PoisonReason;
      /** For people: what is wrong, never more than a short, escaped excerpt of the record. */
      readonly detail: string;
      /** Size of the record's data in bytes (before base64). */
      readonly bytes: number;
    };

/** The detail never grows past this, whatever the record holds. */
const MAX_DETAIL_CHARS = 500;

/** Strict: malformed UTF-8 throws instead of becoming U+FFFD. One decoder serves every record. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns Kinesis record data (base64, as Lambda hands it over) into a contract
 * record, or says exactly why it never can be. Total: it returns a verdict for
 * any string and never throws, so no record can stall its shard.
 */
export function decodeRecord(base64Data: string, partitionKey?: string): DecodeResult {
  // Exact for base64 and computed from the length alone: an oversized record
  // is refused before a byte of it is decoded or parsed.
  const size = Buffer.byteLength(base64Data, 'base64');
  const reject = (reason: PoisonReason, detail: string): DecodeResult => ({
    ok: false,
    reason,
    detail: sanitizeDetail(detail),
    bytes: size,
  });
  if (size > MAX_RECORD_BYTES) {
    return reject('RECORD_TOO_LARGE', `${size} bytes, at most ${MAX_RECORD_BYTES}`);
  }
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(base64Data, 'base64'));
  } catch {
    return reject('NOT_JSON', 'not UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it quotes the input, which may hold a card number.
    return reject('NOT_JSON', `not JSON${jsonErrorPosition(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('NOT_JSON', `expected a JSON object, got ${kindOf(value)}`);
  }
  const { type, schemaVersion } = value as { type?: unknown; schemaVersion?: unknown };
  // Own keys only: `constructor` or `__proto__` must not find Object.prototype's.
  const versions =
    typeof type === 'string' && Object.hasOwn(KNOWN_RECORD_VERSIONS, type)
      ? KNOWN_RECORD_VERSIONS[type]
      : undefined;
  if (versions === undefined) {
    return reject('UNKNOWN_TYPE', `type ${excerpt(type)}`);
  }
  if (typeof schemaVersion !== 'number' || !versions.includes(schemaVersion)) {
    return reject(
      'UNKNOWN_SCHEMA_VERSION',
      `${type} schemaVersion ${excerpt(schemaVersion)}; known: ${versions.join(', ')}`,
    );
  }
  const parsed = AtmTransactionRecord.safeParse(value);
  if (!parsed.success) {
    return reject('INVALID_RECORD', issues(parsed.error.issues, ''));
  }
  // The record is well-formed; now the transaction must have its type's fields,
  // or the ledger could never decide it and the record would block its account.
  const shape = AtmTransactionShape.safeParse(parsed.data.transaction);
  if (!shape.success) {
    return reject('INVALID_RECORD', issues(shape.error.issues, 'transaction'));
  }
  if (parsed.data.id !== parsed.data.transaction.transactionId) {
    return reject('INVALID_RECORD', 'id differs from transaction.transactionId');
  }
  if (partitionKey !== undefined && partitionKey !== parsed.data.transaction.accountId) {
    return reject(
      'WRONG_PARTITION_KEY',
      `partition key ${excerpt(partitionKey)} is not the transaction's account ${excerpt(parsed.data.transaction.accountId)}`,
    );
  }
  return { ok: true, record: parsed.data };
}

/** The first few schema issues, by path. zod's messages name what was expected, not the input. */
function issues(
  list: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  prefix: string,
): string {
  return list
    .slice(0, 5)
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.');
      return `${path || '(record)'}: ${i.message}`;
    })
    .join('; ');
}

/** A value from the record, short: strings quoted and cut, anything else by its kind. */
function excerpt(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 64 ? `${JSON.stringify(value.slice(0, 64))}…` : JSON.stringify(value);
  }
  if (typeof value === 'number') return String(value);
  return kindOf(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function jsonErrorPosition(error: unknown): string {
  const at = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  return at === null ? '' : ` (at position ${at[1]})`;
}

/**
 * Printable ASCII only, and short: the detail goes into logs and into an SQS
 * message body, which refuses some code points (U+FFFE, U+FFFF, most controls).
 */
export function sanitizeDetail(detail: string): string {
  const escaped = escapeNonAscii(detail);
  return escaped.length > MAX_DETAIL_CHARS ? `${escaped.slice(0, MAX_DETAIL_CHARS)}...` : escaped;
}
