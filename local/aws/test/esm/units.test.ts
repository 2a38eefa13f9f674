import { describe, expect, it } from 'vitest';
import {
  buildOnFailureRecord,
  CheckpointTracker,
  classifyBatchResponse,
  compareSequenceNumbers,
  StreamEventSourceMappingConfigSchema,
  sortableSequenceNumber,
} from '../../src/esm/index.js';

const SHORT = '9';
const LONG_LOW = '49590338271490256608559692538361571095921575989136588898';
const LONG_HIGH = '49590338271490256608559692540925702759324208523137515618';

describe('compareSequenceNumbers', () => {
  it('orders sequence numbers as integers, not as strings or doubles', () => {
    // Prepare / Act / Assess
    expect(compareSequenceNumbers(SHORT, '10')).toBe(-1);
    expect(compareSequenceNumbers(LONG_LOW, LONG_HIGH)).toBe(-1);
    expect(compareSequenceNumbers(LONG_HIGH, LONG_LOW)).toBe(1);
    expect(compareSequenceNumbers(LONG_LOW, LONG_LOW)).toBe(0);
    // Both round to the same double.
    expect(Number(`${LONG_LOW}0`) === Number(`${LONG_LOW}1`)).toBe(true);
    expect(compareSequenceNumbers(`${LONG_LOW}0`, `${LONG_LOW}1`)).toBe(-1);
  });
});

describe('sortableSequenceNumber', () => {
  it('makes byte order equal numeric order, so DynamoDB conditions can compare checkpoints', () => {
    // Prepare
    const values = [LONG_HIGH, SHORT, '10', LONG_LOW, '0'];

    // Act
    const byString = [...values].sort((a, b) =>
      sortableSequenceNumber(a) < sortableSequenceNumber(b) ? -1 : 1,
    );

    // Assess
    expect(byString).toEqual(['0', SHORT, '10', LONG_LOW, LONG_HIGH]);
    expect(() => sortableSequenceNumber('012')).toThrow(RangeError);
    expect(() => sortableSequenceNumber('1e5')).toThrow(RangeError);
  });
});

describe('classifyBatchResponse', () => {
  const batch = ['1', '2', '3'];

  it.each([
    ['no response', undefined],
    ['a null response', null],
    ['an empty response', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('treats %s as complete success', (_name, response) => {
    expect(classifyBatchResponse(response, batch, true)).toEqual({ kind: 'success' });
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a wrong key name', { batchItemFailures: [{ itemId: '2' }] }],
    ['an identifier outside the batch', { batchItemFailures: [{ itemIdentifier: '4' }] }],
    ['a list that is not a list', { batchItemFailures: 'nope' }],
  ])('treats %s as complete failure', (_name, response) => {
    expect(classifyBatchResponse(response, batch, true).kind).toBe('invalid-response');
  });

  it('resumes from the lowest reported sequence number', () => {
    // Prepare
    const response = { batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] };

    // Act
    const outcome = classifyBatchResponse(response, batch, true);

    // Assess
    expect(outcome).toEqual({ kind: 'partial', failedSequenceNumber: '2' });
  });

  it('ignores the response when ReportBatchItemFailures is off', () => {
    expect(
      classifyBatchResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, batch, false),
    ).toEqual({ kind: 'success' });
  });
});

describe('CheckpointTracker', () => {
  it('advances only to the highest sequence number below which every record is done', () => {
    // Prepare
    const tracker = new CheckpointTracker();
    tracker.add(['1', '2', '3', '4', '5']);

    // Act / Assess
    expect(tracker.complete(['2', '4'])).toBeUndefined();
    expect(tracker.complete(['1'])).toBe('2');
    expect(tracker.complete(['3'])).toBe('4');
    expect(tracker.pending).toBe(1);
    expect(tracker.complete(['5'])).toBe('5');
    expect(tracker.pending).toBe(0);
  });
});

describe('StreamEventSourceMappingConfigSchema', () => {
  const base = {
    mappingId: 'm',
    eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    functionName: 'f',
    startingPosition: 'TRIM_HORIZON',
  } as const;

  it('defaults to what Lambda defaults to', () => {
    // Act
    const config = StreamEventSourceMappingConfigSchema.parse(base);

    // Assess
    expect(config).toMatchObject({
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      parallelizationFactor: 1,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      functionResponseTypes: [],
      destinationConfig: {},
      functionTimeoutSeconds: 3,
      memorySizeMB: 128,
    });
  });

  it.each([
    ['batchSize above 10,000', { batchSize: 10_001 }],
    ['parallelizationFactor above 10', { parallelizationFactor: 11 }],
    ['maximumRecordAgeInSeconds below 60', { maximumRecordAgeInSeconds: 59 }],
    ['maximumRetryAttempts below -1', { maximumRetryAttempts: -2 }],
    ['a batching window above 300 s', { maximumBatchingWindowInSeconds: 301 }],
    ['AT_TIMESTAMP without a timestamp', { startingPosition: 'AT_TIMESTAMP' }],
    [
      'an on-failure destination that is not an SQS ARN',
      { destinationConfig: { onFailure: { destination: 'q' } } },
    ],
  ])('rejects %s', (_name, override) => {
    expect(StreamEventSourceMappingConfigSchema.safeParse({ ...base, ...override }).success).toBe(
      false,
    );
  });
});

describe('buildOnFailureRecord', () => {
  it('omits responseContext for a batch that never reached the function', () => {
    // Act
    const record = buildOnFailureRecord({
      requestId: 'r',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
      batchInfoKey: 'KinesisBatchInfo',
      batchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: '1',
        endSequenceNumber: '2',
        approximateArrivalOfFirstRecord: '2024-01-01T00:00:00.000Z',
        approximateArrivalOfLastRecord: '2024-01-01T00:00:01.000Z',
        batchSize: 2,
        streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
      },
    });

    // Assess
    expect(record).not.toHaveProperty('responseContext');
    expect(record.requestContext.condition).toBe('RecordAgeExceeded');
    expect(record).toHaveProperty('KinesisBatchInfo.batchSize', 2);
  });
});
