import type { AtmTransaction, AtmTransactionRecord } from '@atm-ledger/contracts';
import { AtmLedgerError } from '@atm-ledger/runtime';

/** Puts accepted transactions on the stream, partitioned by account so each account stays in order. */
export interface TransactionPublisher {
  /**
   * Resolves once every record is durably on the stream, each account's
   * records in the order given; throws PublishError otherwise.
   */
  publish(records: readonly AtmTransactionRecord[]): Promise<void>;
}

/** What claiming a transaction id found. */
export type ClaimOutcome =
  /** The id is this payload's: it was new, or this payload (in canonical form) already held it. */
  | { readonly kind: 'Claimed' }
  /** Another payload holds the id; `holder` is that payload, PAN already reduced to its last 4 digits. */
  | { readonly kind: 'HeldByAnotherPayload'; readonly holder: AtmTransaction };

/**
 * The idempotency door: one marker per transaction id, naming the payload
 * that claimed it. Ingest claims the id before the record goes on the stream,
 * so a second payload for an id never reaches the ledger; the marker also lets
 * reads say PENDING before the ledger decides.
 */
export interface AcceptanceLog {
  /**
   * Claims `transaction.transactionId` for this payload. The check and the
   * write are one atomic step: of two payloads racing on a new id, exactly one
   * is `Claimed`, and the other sees it as the holder. The same payload again
   * (a retry) is `Claimed` every time. A marker from before markers held their
   * payload never blocks: the claim takes it over.
   *
   * Throws {@link AcceptanceLogError} when the log cannot answer; nothing is
   * known then, and the caller retries with the same id.
   */
  claim(transaction: AtmTransaction, at: Date): Promise<ClaimOutcome>;
}

/** One dependency the pipeline needs; `GET /v1/health` is UP only when all are. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<{ up: boolean; detail?: string }>;
}

/** Some records could not be put on the stream even after retries. */
export class PublishError extends AtmLedgerError {
  readonly code = 'PUBLISH_FAILED';
}
export const isPublishError = (e: unknown): e is PublishError => e instanceof PublishError;

/** The acceptance log did not answer (throttling, a 5xx, a timeout): whether the id is claimed is unknown. */
export class AcceptanceLogError extends AtmLedgerError {
  readonly code = 'ACCEPTANCE_LOG_UNAVAILABLE';
}
export const isAcceptanceLogError = (e: unknown): e is AcceptanceLogError =>
  e instanceof AcceptanceLogError;
