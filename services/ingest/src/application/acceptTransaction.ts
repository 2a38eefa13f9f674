import {
  type AtmTransaction,
  type AtmTransactionRecord,
  type BusinessField,
  differingFields,
  type PostTransactionRequest,
  toAtmTransaction,
} from '@atm-ledger/contracts';
import type { Clock, FieldError, Logger } from '@atm-ledger/runtime';
import type { AcceptanceLog, TransactionPublisher } from '../ports.js';

export interface AcceptDeps {
  readonly publisher: TransactionPublisher;
  readonly acceptance: AcceptanceLog;
  readonly clock: Clock;
  readonly logger: Logger;
}

export type AcceptOutcome =
  /** On the stream, for the ledger to decide. */
  | { readonly kind: 'Accepted'; readonly transaction: AtmTransaction }
  /** The id is another payload's; nothing was published. */
  | {
      readonly kind: 'HeldByAnotherPayload';
      readonly transaction: AtmTransaction;
      readonly holder: AtmTransaction;
    };

/**
 * Accepts a transaction for the ledger: claims its id for this payload, then
 * puts it on the stream. The door comes first, so a payload that does not
 * hold the id never reaches the stream. Throws the adapters' errors (the log
 * or the stream unavailable): nothing is known then, and the ATM retries.
 */
export async function acceptTransaction(
  deps: AcceptDeps,
  request: PostTransactionRequest,
  correlationId: string,
): Promise<AcceptOutcome> {
  const now = deps.clock.now();
  const transaction = toAtmTransaction(request);
  const claim = await deps.acceptance.claim(transaction, now);
  if (claim.kind === 'HeldByAnotherPayload') {
    deps.logger.warn('transaction id held by another payload', {
      correlationId,
      transactionId: transaction.transactionId,
      fields: differingFields(claim.holder, transaction),
    });
    return { kind: 'HeldByAnotherPayload', transaction, holder: claim.holder };
  }
  const record: AtmTransactionRecord = {
    type: 'atm.transaction.accepted',
    schemaVersion: 1,
    id: transaction.transactionId,
    correlationId,
    receivedAt: now.toISOString(),
    transaction,
  };
  // Published again on a retry of the same payload: the first put may have been lost, and
  // the ledger applies an id once however often it arrives.
  await deps.publisher.publish([record]);
  deps.logger.info('transaction accepted', {
    correlationId,
    transactionId: transaction.transactionId,
    type: transaction.type,
  });
  return { kind: 'Accepted', transaction };
}

/** A request field for each business field; the marker keeps only the PAN's last 4 digits. */
const REQUEST_FIELD: Partial<Record<BusinessField, string>> = { panLast4: 'pan' };

/** The request's fields that differ from the payload holding its id, and nothing of either PAN. */
export function conflictingFields(
  holder: AtmTransaction,
  transaction: AtmTransaction,
): FieldError[] {
  return differingFields(holder, transaction).map((field) => ({
    field: REQUEST_FIELD[field] ?? field,
    // Only the last 4 digits are compared (the marker holds no more), and none are shown.
    message:
      field === 'panLast4'
        ? 'is not the card this transactionId was accepted with'
        : 'differs from the payload this transactionId was accepted with',
  }));
}
