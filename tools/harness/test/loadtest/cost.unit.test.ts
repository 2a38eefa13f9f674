import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { costPerMillion, loadPricing } from '../../src/loadtest/cost.js';
import { classify, type MeterResources, UsageMeter } from '../../src/loadtest/meter.js';

const resources: MeterResources = {
  streamingTables: ['p-ledger'],
  batchTables: ['p-batch-landing', 'p-batch-ledger'],
  runtimeTables: ['p-esm-checkpoints'],
  namePrefix: 'p',
};

describe('classify: what a call is billed, and to which path', () => {
  it('counts a transactional write twice per KB, cancelled or not, on the path of its table', () => {
    // Prepare
    const big = marshall({ pk: 'TX#1', sk: 'TX', blob: 'x'.repeat(1500) });
    const input = {
      TransactItems: [
        { Put: { TableName: 'p-batch-ledger', Item: big } },
        { Update: { TableName: 'p-batch-ledger', Key: {}, UpdateExpression: 'SET a = :a' } },
      ],
    };

    // Act
    const ok = classify(
      { service: 'dynamodb', operation: 'TransactWriteItems', input, output: {}, failed: false },
      resources,
    );
    const cancelled = classify(
      {
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        input,
        output: undefined,
        failed: true,
      },
      resources,
    );

    // Assess: the 1.5 KB item is 2 units, the update 1, both doubled.
    expect(ok).toEqual({ mode: 'batch', units: { 'dynamodb.wru': 6 }, label: 'batch-ledger' });
    expect(cancelled).toEqual(ok);
  });

  it('charges the minimum for every key a BatchGetItem asks for, found or not', () => {
    // Act
    const counted = classify(
      {
        service: 'dynamodb',
        operation: 'BatchGetItem',
        input: { RequestItems: { 'p-ledger': { Keys: [{}, {}, {}], ConsistentRead: true } } },
        output: { Responses: { 'p-ledger': [marshall({ pk: 'A', sk: 'ACCOUNT' })] } },
        failed: false,
      },
      resources,
    );

    // Assess
    expect(counted).toEqual({ mode: 'streaming', units: { 'dynamodb.rru': 3 }, label: 'ledger' });
  });

  it('leaves out what is not billed per event: checkpoints, idle polls, control plane', () => {
    const call = (service: string, operation: string, input: object, output?: object) =>
      classify(
        { service, operation, input: input as never, output: output as never, failed: false },
        resources,
      );

    expect(
      call('dynamodb', 'PutItem', { TableName: 'p-esm-checkpoints', Item: {} }),
    ).toBeUndefined();
    expect(call('dynamodb', 'DescribeTable', { TableName: 'p-ledger' })).toBeUndefined();
    expect(call('kinesis', 'GetRecords', {}, { Records: [] })).toBeUndefined();
    expect(call('dynamodbstreams', 'GetRecords', {}, { Records: [] })).toBeUndefined();
    expect(call('sqs', 'ReceiveMessage', {}, { Messages: [] })).toBeUndefined();
    expect(call('sqs', 'ReceiveMessage', {}, { Messages: [{}] })).toEqual({
      mode: 'streaming',
      units: { 'sqs.requests': 1 },
    });
  });

  it('bills Kinesis data in per record, rounded up to 1 KiB', () => {
    // Act
    const counted = classify(
      {
        service: 'kinesis',
        operation: 'PutRecords',
        input: {
          Records: [
            { Data: new Uint8Array(100), PartitionKey: 'A' },
            { Data: new Uint8Array(1500), PartitionKey: 'B' },
          ],
        },
        output: {},
        failed: false,
      },
      resources,
    );

    // Assess
    expect(counted?.units).toEqual({ 'kinesis.ingestKiB': 3 });
  });
});

describe('costPerMillion', () => {
  it('prices each unit from the price list, per distinct transaction', async () => {
    // Prepare
    const pricing = await loadPricing();
    const meter = new UsageMeter(resources);
    meter.enabled = true;
    for (let i = 0; i < 10; i++) {
      meter.add('streaming', 'dynamodb:TransactWriteItems (ledger)', { 'dynamodb.wru': 6 });
      meter.addLambda('streaming', 'ledger-stream', 100, 1024);
    }
    meter.add('batch', 'dynamodb:PutItem', { 'dynamodb.wru': 1 });

    // Act
    const cost = costPerMillion(meter.rows(), 'streaming', 10, pricing);

    // Assess: 6 WRU × $0.625/M + one request ($0.20/M) + 0.1 GB-s at $0.0000133334.
    const wru = cost.lines.find((l) => l.unit === 'dynamodb.wru');
    expect(wru?.perTransaction).toBe(6);
    expect(wru?.usdPerMillion).toBeCloseTo(3.75, 6);
    expect(cost.usdPerMillion).toBeCloseTo(3.75 + 0.2 + 0.1 * 0.0000133334 * 1e6, 6);
    expect(cost.unpriced).toEqual([]);
  });

  it('has a dated source for every price', async () => {
    // Act
    const pricing = await loadPricing();

    // Assess
    for (const price of [...Object.values(pricing.prices), ...Object.values(pricing.fixed)]) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
