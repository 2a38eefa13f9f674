import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  classifySqsBatchResponse,
  SqsEventSourceMappingConfigSchema,
  toSqsRecord,
} from '../../src/sqs/index.js';

const ids = ['m-1', 'm-2', 'm-3'];

describe('classifySqsBatchResponse', () => {
  it.each([
    ['no response', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('treats %s as a complete success', (_what, response) => {
    expect(classifySqsBatchResponse(response, ids, true)).toEqual({ kind: 'success' });
  });

  it('fails exactly the listed messages', () => {
    // Act
    const outcome = classifySqsBatchResponse(
      { batchItemFailures: [{ itemIdentifier: 'm-3' }, { itemIdentifier: 'm-1' }] },
      ids,
      true,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'partial', failedMessageIds: new Set(['m-1', 'm-3']) });
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelt key', { batchItemFailures: [{ itemId: 'm-1' }] }],
    ['an id not in the batch', { batchItemFailures: [{ itemIdentifier: 'm-9' }] }],
    ['a list that is not a list', { batchItemFailures: 'm-1' }],
    ['a response that is not an object', 'm-1'],
  ])('fails the whole batch for %s', (_what, response) => {
    expect(classifySqsBatchResponse(response, ids, true).kind).toBe('invalid-response');
  });

  it('ignores the response without ReportBatchItemFailures', () => {
    expect(
      classifySqsBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm-1' }] }, ids, false),
    ).toEqual({ kind: 'success' });
  });
});

describe('toSqsRecord', () => {
  it('builds the record Lambda hands over, attributes in camelCase and binaries in base64', () => {
    // Prepare
    const body = '{"hello":"world"}';
    const md5 = createHash('md5').update(body).digest('hex');

    // Act
    const record = toSqsRecord(
      {
        MessageId: 'm-1',
        ReceiptHandle: 'rh-1',
        Body: body,
        MD5OfBody: md5,
        MD5OfMessageAttributes: 'attrs-md5',
        Attributes: {
          ApproximateReceiveCount: '2',
          SentTimestamp: '1795775598929',
          SenderId: 'AIDAEXAMPLE',
          ApproximateFirstReceiveTimestamp: '1795775598945',
          AWSTraceHeader: 'Root=1-abc',
        },
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'RECEIPT' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('bin') },
        },
      },
      'arn:aws:sqs:eu-west-1:123456789012:notifier-receipts',
      'eu-west-1',
    );

    // Assess
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body,
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1795775598929',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1795775598945',
        AWSTraceHeader: 'Root=1-abc',
      },
      messageAttributes: {
        kind: {
          stringValue: 'RECEIPT',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
        blob: {
          binaryValue: Buffer.from('bin').toString('base64'),
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfBody: md5,
      md5OfMessageAttributes: 'attrs-md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:notifier-receipts',
      awsRegion: 'eu-west-1',
    });
  });
});

describe('SqsEventSourceMappingConfigSchema', () => {
  const arn = 'arn:aws:sqs:us-east-1:123456789012:q';

  it('applies AWS defaults', () => {
    // Act
    const config = SqsEventSourceMappingConfigSchema.parse({
      eventSourceArn: arn,
      functionName: 'f',
    });

    // Assess
    expect(config).toMatchObject({
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      functionResponseTypes: [],
      functionTimeoutSeconds: 3,
    });
  });

  it('requires a batching window above 10 messages per batch, as AWS does', () => {
    // Act
    const result = SqsEventSourceMappingConfigSchema.safeParse({
      eventSourceArn: arn,
      functionName: 'f',
      batchSize: 50,
    });

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['maximumBatchingWindowInSeconds']);
  });

  it('refuses FIFO queues, which it does not emulate', () => {
    expect(
      SqsEventSourceMappingConfigSchema.safeParse({
        eventSourceArn: `${arn}.fifo`,
        functionName: 'f',
      }).success,
    ).toBe(false);
  });
});
