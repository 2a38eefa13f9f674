import type { AtmTransaction, AtmTransactionRecord } from '@atm-ledger/contracts';
import type { HttpEvent } from '@atm-ledger/runtime';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { PoisonRecordSink } from '../../src/ports.js';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/atm-transactions';

/** The Kinesis record ingest produces for `tx`, as JSON; `overrides` replace top-level fields. */
export function atmRecord(
  tx: AtmTransaction,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const record: AtmTransactionRecord = {
    type: 'atm.transaction.accepted',
    schemaVersion: 1,
    id: tx.transactionId,
    correlationId: `corr-${tx.transactionId}`,
    receivedAt: '2026-03-01T11:59:59.500Z',
    transaction: tx,
  };
  return { ...record, ...overrides };
}

export const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

let sequence = 49_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;

/** One record as Lambda hands it over; sequence numbers grow in the order records are built. */
export function kinesisRecord(partitionKey: string, data: string): KinesisStreamRecord {
  sequence += 1n;
  const sequenceNumber = sequence.toString();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data,
      approximateArrivalTimestamp: 1_772_366_400,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/ledger',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
}

/** The record of a transaction, keyed by its account as ingest keys it. */
export const txRecord = (tx: AtmTransaction) =>
  kinesisRecord(tx.accountId, base64Json(atmRecord(tx)));

export const kinesisEvent = (...records: KinesisStreamRecord[]): KinesisStreamEvent => ({
  Records: records,
});

export const seq = (record: KinesisStreamRecord) => record.kinesis.sequenceNumber;

/** A poison sink that keeps what it is sent, and fails on demand. */
export class RecordingSink implements PoisonRecordSink {
  readonly sent: Parameters<PoisonRecordSink['send']>[0][] = [];
  failWith: Error | undefined;

  async send(record: Parameters<PoisonRecordSink['send']>[0]): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    this.sent.push(record);
  }
}

/** An API Gateway HTTP API (payload v2) event for one of the ledger's routes. */
export function httpEvent(
  routeKey: string,
  opts: {
    pathParameters?: Record<string, string>;
    queryStringParameters?: Record<string, string>;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): HttpEvent {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const rawPath = template.replace(
    /\{(\w+)\}/g,
    (_, name: string) => opts.pathParameters?.[name] ?? '',
  );
  const rawQueryString = new URLSearchParams(opts.queryStringParameters ?? {}).toString();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers: {
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    ...(opts.pathParameters === undefined ? {} : { pathParameters: opts.pathParameters }),
    ...(opts.queryStringParameters === undefined
      ? {}
      : { queryStringParameters: opts.queryStringParameters }),
    ...(opts.body === undefined
      ? {}
      : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '01/Mar/2026:12:00:00 +0000',
      timeEpoch: 1_772_366_400_000,
    },
  };
}
