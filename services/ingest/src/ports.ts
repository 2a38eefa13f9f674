import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import { AtmLedgerError } from '@atm-ledger/runtime';

/** Puts accepted transactions on the stream, partitioned by account so each account stays in order. */
export interface TransactionPublisher {
  /** Resolves once every record is durably on the stream; throws PublishError otherwise. */
  publish(records: readonly AtmTransactionRecord[]): Promise<void>;
}

/** Remembers which ids were accepted, so a read before the ledger decides can answer PENDING. */
export interface AcceptanceLog {
  markAccepted(transactionId: string, at: Date): Promise<void>;
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
