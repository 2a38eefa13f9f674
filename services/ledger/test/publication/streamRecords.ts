import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { accountToItem, entryToItem, recordToItem } from '../../src/adapters/dynamodb/items.js';
import type { Account, Entry, TransactionRecord } from '../../src/domain/index.js';

export type Image = Record<string, AttributeValue>;

/** An item as DynamoDB Streams carries it: AttributeValue JSON, exactly as the store marshals it. */
export function image(item: Record<string, unknown>): Image {
  return marshall(item, {
    removeUndefinedValues: true,
    convertClassInstanceToMap: true,
  }) as unknown as Image;
}

/** The stream image of a transaction record, as `recordToItem` writes it; `extra` adds attributes. */
export const txImage = (record: TransactionRecord, extra: Record<string, unknown> = {}): Image =>
  image({ ...recordToItem(record), ...extra });

export const accountImage = (account: Account): Image => image(accountToItem(account));
export const entryImage = (entry: Entry): Image => image(entryToItem(entry));

let sequence = 1_100_000_000_017_454_423_009n;

/** One stream record as Lambda and Pipes hand it over (NEW_AND_OLD_IMAGES). */
export function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  images: { newImage?: Image; oldImage?: Image },
): DynamoDBRecord {
  sequence += 1n;
  const any = images.newImage ?? images.oldImage ?? {};
  return {
    eventID: `evt-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:123456789012:table/ledger/stream/2026-03-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1_772_366_400,
      Keys: { pk: any.pk ?? { S: '?' }, sk: any.sk ?? { S: '?' } },
      ...(images.newImage === undefined ? {} : { NewImage: images.newImage }),
      ...(images.oldImage === undefined ? {} : { OldImage: images.oldImage }),
      SequenceNumber: String(sequence),
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
