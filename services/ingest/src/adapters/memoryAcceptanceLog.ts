import { type AtmTransaction, payloadHash } from '@atm-ledger/contracts';
import type { Acceptance } from '@atm-ledger/ledger/items';
import type { AcceptanceLog, ClaimOutcome } from '../ports.js';

/**
 * The reference model of {@link AcceptanceLog}: the DynamoDB door's condition
 * (no marker, a marker without a payload, or the same fingerprint) over a Map.
 * Check and write happen in one synchronous step, as the conditional put does.
 */
export class InMemoryAcceptanceLog implements AcceptanceLog {
  /** Markers by transaction id; `transaction: undefined` is one from before markers held their payload. */
  readonly markers = new Map<string, Acceptance | { readonly transaction: undefined }>();

  async claim(transaction: AtmTransaction, at: Date): Promise<ClaimOutcome> {
    const hash = payloadHash(transaction);
    const held = this.markers.get(transaction.transactionId);
    if (held?.transaction !== undefined && held.payloadHash !== hash) {
      return { kind: 'HeldByAnotherPayload', holder: held.transaction };
    }
    this.markers.set(transaction.transactionId, {
      transaction,
      payloadHash: hash,
      acceptedAt: at.toISOString(),
    });
    return { kind: 'Claimed' };
  }
}
