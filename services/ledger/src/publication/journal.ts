import { LedgerEvent, PUBLISHED_ENTITIES } from '@atm-ledger/contracts';
import { AtmLedgerError } from '@atm-ledger/runtime';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

/**
 * A stream record that should have been a ledger transaction item but is not
 * one the publisher can read: a missing image, a journal entry that is not a
 * ledger event. Retrying cannot fix it.
 */
export class UnpublishableRecordError extends AtmLedgerError {
  readonly code = 'UNPUBLISHABLE_RECORD';
}
export const isUnpublishableRecordError = (e: unknown): e is UnpublishableRecordError =>
  e instanceof UnpublishableRecordError;

/** A stream image, as Lambda and Pipes pass it: DynamoDB's AttributeValue JSON. */
export type StreamImage = Record<string, AttributeValue>;

/** A transaction or an authorization item: the items that keep a journal. */
const isJournalImage = (image: StreamImage | undefined): image is StreamImage =>
  (PUBLISHED_ENTITIES as readonly string[]).includes(image?.entity?.S ?? '');

/**
 * The events a change to a transaction or authorization item published: the ones its journal
 * gained, exactly as the ledger decided and stored them, in order. The
 * journal (`events`, a list of each event's JSON) only grows, so they are
 * the entries of the new image whose ids the old image does not hold. Pure:
 * a stream record delivered twice yields the same events with the same ids.
 * Any other item, and a removal, publishes nothing.
 *
 * Throws {@link UnpublishableRecordError} for a transaction item whose
 * journal it cannot read or whose entry is not a ledger event.
 */
export function eventsToPublish(record: DynamoDBRecord): LedgerEvent[] {
  const eventName = record.eventName;
  switch (eventName) {
    case 'REMOVE':
      return [];
    case 'INSERT':
    case 'MODIFY':
      break;
    case undefined:
      throw new UnpublishableRecordError('stream record has no eventName');
    default: {
      const never: never = eventName;
      throw new UnpublishableRecordError(`unknown eventName ${JSON.stringify(never)}`);
    }
  }
  const newImage = record.dynamodb?.NewImage;
  if (newImage === undefined) {
    throw new UnpublishableRecordError(
      `${eventName} record has no NewImage: the stream must be NEW_AND_OLD_IMAGES`,
    );
  }
  if (!isJournalImage(newImage)) return [];
  const oldImage = record.dynamodb?.OldImage;
  if (eventName === 'MODIFY' && oldImage === undefined) {
    throw new UnpublishableRecordError(
      'MODIFY record has no OldImage: the stream must be NEW_AND_OLD_IMAGES',
    );
  }
  // An old image that is not a transaction item (a placeholder the original replaced, or
  // moto's keys-only first INSERT of an item created by an update) published nothing.
  const published = new Set(
    isJournalImage(oldImage) ? journalOf(oldImage, 'OldImage').map((e) => e.id) : [],
  );
  return journalOf(newImage, 'NewImage').filter((e) => !published.has(e.id));
}

/** The journal of a transaction image, each entry checked against its contract. */
function journalOf(image: StreamImage, which: 'NewImage' | 'OldImage'): LedgerEvent[] {
  const events = image.events;
  // An item written before the journal existed carries none.
  if (events === undefined) return [];
  if (events.L === undefined) {
    throw new UnpublishableRecordError(`${which}.events is not a list`);
  }
  return events.L.map((entry, i) => {
    if (entry.S === undefined)
      throw new UnpublishableRecordError(`${which}.events[${i}] is not a string`);
    let value: unknown;
    try {
      value = JSON.parse(entry.S);
    } catch {
      throw new UnpublishableRecordError(`${which}.events[${i}] is not JSON`);
    }
    const parsed = LedgerEvent.safeParse(value);
    if (!parsed.success) {
      throw new UnpublishableRecordError(
        `${which}.events[${i}] breaks the ledger event contract: ${parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
          .join('; ')}`,
      );
    }
    // The stored JSON, not the parse (which could drop or default a field): the bus carries
    // the event exactly as it was decided.
    return value as LedgerEvent;
  });
}
