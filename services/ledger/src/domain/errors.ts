import { AtmLedgerError } from '@atm-ledger/runtime/errors';

/** Something that must never happen happened: a bug or corrupted data, never bad input. */
export class LedgerInvariantError extends AtmLedgerError {
  readonly code = 'LEDGER_INVARIANT_VIOLATED';
}
export const isLedgerInvariantError = (e: unknown): e is LedgerInvariantError =>
  e instanceof LedgerInvariantError;

/** `POST /v1/accounts` for an id that exists with different fields. */
export class AccountConflictError extends AtmLedgerError {
  readonly code = 'ACCOUNT_CONFLICT';
}
export const isAccountConflictError = (e: unknown): e is AccountConflictError =>
  e instanceof AccountConflictError;

/** The store kept failing with a retryable error (throttling, transaction conflicts) past its budget. */
export class RetriesExhaustedError extends AtmLedgerError {
  readonly code = 'RETRIES_EXHAUSTED';
}
export const isRetriesExhaustedError = (e: unknown): e is RetriesExhaustedError =>
  e instanceof RetriesExhaustedError;

/** A Kinesis record that can never be posted: not JSON, unknown schema, or invalid. */
export class PoisonRecordError extends AtmLedgerError {
  readonly code = 'POISON_RECORD';
}
export const isPoisonRecordError = (e: unknown): e is PoisonRecordError =>
  e instanceof PoisonRecordError;
