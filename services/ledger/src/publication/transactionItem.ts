import {
  AccountId,
  AccountMovement,
  AtmTransaction,
  Leg,
  RejectionReason,
  Timestamp,
  TRANSACTION_ENTITY,
  TransactionId,
  TransactionType,
} from '@atm-ledger/contracts';
import { AtmLedgerError } from '@atm-ledger/runtime';
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from 'aws-lambda';
import * as z from 'zod';

/**
 * A stream record that should have been a ledger transaction item but is not
 * one the publisher can read: a missing image, a malformed attribute, an
 * event that fails its contract. Retrying cannot fix it.
 */
export class UnpublishableRecordError extends AtmLedgerError {
  readonly code = 'UNPUBLISHABLE_RECORD';
}
export const isUnpublishableRecordError = (e: unknown): e is UnpublishableRecordError =>
  e instanceof UnpublishableRecordError;

/** A stream image, as Lambda and Pipes pass it: DynamoDB's AttributeValue JSON. */
export type StreamImage = Record<string, AttributeValue>;

/**
 * The transaction item as `recordToItem` writes it (items.ts), read back
 * strictly: the publisher reads only what it needs and refuses what it
 * cannot trust. Unknown attributes are ignored, so the item can grow.
 */
export const TransactionItem = z.object({
  entity: z.literal(TRANSACTION_ENTITY),
  transactionId: TransactionId,
  accountId: AccountId,
  status: z.enum(['POSTED', 'REJECTED', 'PENDING']),
  payloadHash: z.string().min(1),
  tx: AtmTransaction,
  conflicts: z.number().int().min(0).default(0),
  conflictHashes: z.set(z.string()).optional(),
  lastConflictAt: Timestamp.optional(),
  legs: z.array(Leg).default([]),
  movements: z.array(AccountMovement).default([]),
  reason: RejectionReason.optional(),
  decidedAt: Timestamp.optional(),
  correlationId: z.string().optional(),
  reversedBy: TransactionId.optional(),
  balance: z.number().int().optional(),
  reversedType: TransactionType.optional(),
});
export type TransactionItem = z.output<typeof TransactionItem>;

/** Whether a stream image is a transaction item at all, before reading it. */
export function isTransactionImage(image: StreamImage | undefined): image is StreamImage {
  return image?.entity?.S === TRANSACTION_ENTITY;
}

/** Reads a transaction item from a stream image; throws {@link UnpublishableRecordError}. */
export function readTransactionItem(image: StreamImage, which: 'NewImage' | 'OldImage') {
  let plain: Record<string, unknown>;
  try {
    // Lambda's AttributeValue JSON and the SDK's type differ only for binaries
    // (base64 text versus bytes); a ledger item has none.
    plain = unmarshall(image as unknown as Record<string, SdkAttributeValue>);
  } catch (error) {
    throw new UnpublishableRecordError(
      `${which} is not valid DynamoDB JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = TransactionItem.safeParse(plain);
  if (!parsed.success) {
    throw new UnpublishableRecordError(
      `${which} is not a transaction item: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
