import {
  LedgerEvent,
  ledgerEventId,
  type ReversalPending,
  type TransactionConflict,
  type TransactionPosted,
  type TransactionRejected,
} from '@atm-ledger/contracts';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  isTransactionImage,
  readTransactionItem,
  type TransactionItem,
  UnpublishableRecordError,
} from './transactionItem.js';

const assertNever = (value: never): never => {
  throw new UnpublishableRecordError(`unhandled case ${JSON.stringify(value)}`);
};

/**
 * The ledger events one DynamoDB stream record stands for. Pure: the events
 * and their ids depend on the record's images only, so a stream record
 * delivered again yields the same events with the same ids.
 *
 * - Only transaction items produce events; any other item, and a removal,
 *   produce none.
 * - A transaction item that appears, or whose status changes (a reversal
 *   left PENDING then decided), produces the event of its new status.
 * - Each conflict counted by the change (`conflicts` grew) produces one
 *   conflict event, numbered by the count after it.
 * - Anything else (e.g. `reversedBy` set on an original) produces nothing.
 *
 * Throws {@link UnpublishableRecordError} for a transaction item it cannot
 * read or an event that would break its contract.
 */
export function toLedgerEvents(record: DynamoDBRecord): LedgerEvent[] {
  const eventName = record.eventName;
  switch (eventName) {
    case 'REMOVE':
      return [];
    case 'INSERT':
    case 'MODIFY':
      break;
    case undefined:
      throw new UnpublishableRecordError('stream record has no eventName');
    default:
      return assertNever(eventName);
  }
  const newImage = record.dynamodb?.NewImage;
  if (newImage === undefined) {
    throw new UnpublishableRecordError(
      `${eventName} record has no NewImage: the stream must be NEW_AND_OLD_IMAGES`,
    );
  }
  if (!isTransactionImage(newImage)) return [];
  const after = readTransactionItem(newImage, 'NewImage');

  const oldImage = record.dynamodb?.OldImage;
  // An old image that is not a transaction item (moto's first, keys-only
  // INSERT of an item created by an update) means the item is new.
  const before = isTransactionImage(oldImage)
    ? readTransactionItem(oldImage, 'OldImage')
    : undefined;
  if (eventName === 'MODIFY' && oldImage === undefined) {
    throw new UnpublishableRecordError(
      'MODIFY record has no OldImage: the stream must be NEW_AND_OLD_IMAGES',
    );
  }
  if (before !== undefined && before.transactionId !== after.transactionId) {
    throw new UnpublishableRecordError(
      `OldImage is transaction ${before.transactionId}, NewImage is ${after.transactionId}`,
    );
  }

  const events: LedgerEvent[] = [];
  if (before === undefined || before.status !== after.status) events.push(statusEvent(after));
  if (before !== undefined) events.push(...conflictEvents(before, after));
  return events.map(validated);
}

function statusEvent(item: TransactionItem): LedgerEvent {
  const tx = item.tx;
  const decidedAt = item.decidedAt;
  if (decidedAt === undefined) {
    throw new UnpublishableRecordError(`transaction ${item.transactionId} has no decidedAt`);
  }
  const base = {
    schemaVersion: 1 as const,
    transactionId: item.transactionId,
    occurredAt: tx.occurredAt,
    correlationId: item.correlationId,
  };
  const status = item.status;
  switch (status) {
    case 'POSTED':
      return {
        ...base,
        id: ledgerEventId.posted(item.transactionId),
        type: 'ledger.transaction.posted',
        transactionType: tx.type,
        accountId: item.accountId,
        atmId: tx.atmId,
        currency: tx.currency ?? item.legs[0]?.currency,
        amount: postedAmount(item),
        toAccountId: tx.toAccountId,
        originalTransactionId: tx.originalTransactionId,
        reversedTransactionType: item.reversedType,
        panLast4: tx.panLast4,
        postedAt: decidedAt,
        balance: item.balance,
        movements: item.movements,
        legs: item.legs,
      } satisfies TransactionPosted;
    case 'REJECTED': {
      if (item.reason === undefined) {
        throw new UnpublishableRecordError(
          `REJECTED transaction ${item.transactionId} has no reason`,
        );
      }
      return {
        ...base,
        id: ledgerEventId.rejected(item.transactionId),
        type: 'ledger.transaction.rejected',
        transactionType: tx.type,
        accountId: item.accountId,
        atmId: tx.atmId,
        amount: tx.amount,
        currency: tx.currency,
        toAccountId: tx.toAccountId,
        originalTransactionId: tx.originalTransactionId,
        panLast4: tx.panLast4,
        reason: item.reason,
        rejectedAt: decidedAt,
      } satisfies TransactionRejected;
    }
    case 'PENDING': {
      if (tx.originalTransactionId === undefined) {
        throw new UnpublishableRecordError(
          `PENDING transaction ${item.transactionId} has no originalTransactionId`,
        );
      }
      return {
        ...base,
        id: ledgerEventId.pending(item.transactionId),
        type: 'ledger.reversal.pending',
        accountId: item.accountId,
        originalTransactionId: tx.originalTransactionId,
        pendingSince: decidedAt,
      } satisfies ReversalPending;
    }
    default:
      return assertNever(status);
  }
}

/** What moved: the request's amount, or for a reversal what it refunded. */
function postedAmount(item: TransactionItem): number {
  const tx = item.tx;
  switch (tx.type) {
    case 'WITHDRAWAL':
    case 'DEPOSIT':
    case 'TRANSFER':
      if (tx.amount === undefined) {
        throw new UnpublishableRecordError(`POSTED ${tx.type} ${tx.transactionId} has no amount`);
      }
      return tx.amount;
    case 'BALANCE_INQUIRY':
      return 0;
    case 'REVERSAL': {
      // Every leg of a reversal carries the refund on one side (none at all when nothing is refunded).
      const leg = item.legs[0];
      return leg === undefined ? 0 : Math.max(leg.debit, leg.credit);
    }
    default:
      return assertNever(tx.type);
  }
}

/**
 * One event per conflict counted between the two images. The store counts a
 * conflicting payload once (`ADD conflicts :one, conflictHashes :hash`), so
 * the hashes added by the change are the conflicting payloads, taken in
 * sorted order when one change counted several.
 */
function conflictEvents(before: TransactionItem, after: TransactionItem): TransactionConflict[] {
  const counted = after.conflicts - before.conflicts;
  if (counted <= 0) return [];
  const known = before.conflictHashes ?? new Set<string>();
  const added = [...(after.conflictHashes ?? [])].filter((h) => !known.has(h)).sort();
  if (added.length !== counted) {
    throw new UnpublishableRecordError(
      `transaction ${after.transactionId}: conflicts grew by ${counted} but ${added.length} conflicting hashes were added`,
    );
  }
  const detectedAt = after.lastConflictAt;
  if (detectedAt === undefined) {
    throw new UnpublishableRecordError(
      `transaction ${after.transactionId}: conflicts grew but lastConflictAt is missing`,
    );
  }
  return added.map((hash, i) => {
    const conflictNumber = before.conflicts + i + 1;
    return {
      schemaVersion: 1,
      id: ledgerEventId.conflict(after.transactionId, conflictNumber),
      type: 'ledger.transaction.conflict',
      transactionId: after.transactionId,
      occurredAt: after.tx.occurredAt,
      correlationId: after.correlationId,
      accountId: after.accountId,
      conflictNumber,
      existingPayloadHash: after.payloadHash,
      conflictingPayloadHash: hash,
      detectedAt,
    };
  });
}

/** The event as consumers will parse it: refused here, not by every consumer later. */
function validated(event: LedgerEvent): LedgerEvent {
  const parsed = LedgerEvent.safeParse(event);
  if (!parsed.success) {
    throw new UnpublishableRecordError(
      `${event.id} breaks the ${event.type} contract: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return withoutUndefined(parsed.data);
}

/** Optional fields left undefined are absent, as they will be once serialised. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
