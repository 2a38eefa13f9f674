import type { LedgerEvent } from '@atm-ledger/contracts';
import type { Logger } from '@atm-ledger/runtime';
import type { DynamoDBRecord } from 'aws-lambda';
import { eventsToPublish, isUnpublishableRecordError } from '../publication/journal.js';

export interface PublishHandlerDeps {
  readonly logger: Logger;
}

/**
 * The events pipe's enrichment: DynamoDB stream records in, the events the
 * ledger decided and stored with them out, exactly as stored; the pipe puts
 * each on the bus (detail-type = `type`). It never throws
 * because of a record: a throw fails the pipe's whole batch, which would
 * then be retried and dead-lettered for the sake of one record retrying
 * cannot fix. Such a record is skipped with a warning naming it.
 */
export function makePublishHandler(deps: PublishHandlerDeps) {
  return async (records: readonly DynamoDBRecord[]): Promise<LedgerEvent[]> => {
    if (!Array.isArray(records)) {
      deps.logger.warn('enrichment input is not a list of stream records; nothing published', {
        inputType: typeof records,
      });
      return [];
    }
    const events: LedgerEvent[] = [];
    for (const record of records) {
      try {
        events.push(...eventsToPublish(record));
      } catch (error) {
        const where = {
          eventID: record?.eventID,
          eventName: record?.eventName,
          sequenceNumber: record?.dynamodb?.SequenceNumber,
          keys: record?.dynamodb?.Keys,
        };
        if (isUnpublishableRecordError(error)) {
          deps.logger.warn('stream record skipped: not a publishable ledger item', {
            ...where,
            reason: error.message,
          });
        } else {
          // A bug, not bad data; still only this record's events are lost, and the log says which.
          deps.logger.error('stream record skipped: mapping failed unexpectedly', {
            ...where,
            error: error as Error,
          });
        }
      }
    }
    deps.logger.debug('stream records mapped to ledger events', {
      records: records.length,
      events: events.map((e) => e.id),
    });
    return events;
  };
}
