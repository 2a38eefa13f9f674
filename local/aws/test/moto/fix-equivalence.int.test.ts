import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MotoFix, type MotoServer, startMoto } from '../../src/moto/index.js';

/**
 * Fixes "kinesis-reads", "sqs-scans" and "dynamodb-query" change how moto finds its answers,
 * never the answers: the same calls against a server with the fix and one
 * without must answer the same.
 */

const options = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  requestHandler: { httpAgent: { keepAlive: true } },
});

async function pair(fix: MotoFix): Promise<{ fixed: MotoServer; upstream: MotoServer }> {
  const [fixed, upstream] = await Promise.all([
    startMoto({ log: () => {} }),
    startMoto({ withoutFixes: [fix], log: () => {} }),
  ]);
  return { fixed, upstream };
}

describe('moto fix "kinesis-reads"', () => {
  let servers: { fixed: MotoServer; upstream: MotoServer };
  beforeAll(async () => {
    servers = await pair('kinesis-reads');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([servers?.fixed.stop(), servers?.upstream.stop()]);
  });

  /** Puts the same records into a 2-shard stream, then reads it in pages of `limit` from each position. */
  async function transcript(endpoint: string): Promise<unknown[]> {
    // Kinesis defaults to HTTP/2; the emulator speaks HTTP/1.1, which a NodeHttpHandler options object selects.
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    const kinesis = new KinesisClient({
      ...options(endpoint),
      requestHandler: new NodeHttpHandler(),
    });
    const out: unknown[] = [];
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 's', ShardCount: 2 }));
      for (;;) {
        const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 's' }));
        if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      }
      const put: string[] = [];
      for (let i = 0; i < 60; i++) {
        const r = await kinesis.send(
          new PutRecordCommand({
            StreamName: 's',
            PartitionKey: `k-${i % 7}`,
            Data: new TextEncoder().encode(`r${i}`),
          }),
        );
        put.push(`${r.ShardId}:${r.SequenceNumber}`);
      }
      out.push(put);
      const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: 's' }));
      for (const shard of Shards) {
        for (const [type, at] of [
          ['TRIM_HORIZON', undefined],
          ['AFTER_SEQUENCE_NUMBER', 5],
          ['AT_SEQUENCE_NUMBER', 9],
          ['LATEST', undefined],
        ] as const) {
          const { ShardIterator } = await kinesis.send(
            new GetShardIteratorCommand({
              StreamName: 's',
              ShardId: shard.ShardId,
              ShardIteratorType: type,
              StartingSequenceNumber:
                at === undefined
                  ? undefined
                  : String(Number(shard.SequenceNumberRange?.StartingSequenceNumber ?? 0) + at),
            }),
          );
          let iterator = ShardIterator;
          for (let page = 0; page < 6 && iterator; page++) {
            const r = await kinesis.send(
              new GetRecordsCommand({ ShardIterator: iterator, Limit: 7 }),
            );
            out.push({
              shard: shard.ShardId,
              type,
              page,
              records: r.Records?.map((x) => [x.SequenceNumber, new TextDecoder().decode(x.Data)]),
              behind: r.MillisBehindLatest === 0 ? 0 : 'some',
            });
            iterator = r.NextShardIterator;
          }
        }
      }
    } finally {
      kinesis.destroy();
    }
    return out;
  }

  it('answers PutRecord and GetRecords as upstream does, page by page, from every position', async () => {
    // Act
    const [fixed, upstream] = await Promise.all([
      transcript(servers.fixed.endpoint),
      transcript(servers.upstream.endpoint),
    ]);

    // Assess
    expect(fixed.length).toBeGreaterThan(10);
    expect(fixed).toEqual(upstream);
  });
});

describe('moto fix "sqs-scans"', () => {
  let servers: { fixed: MotoServer; upstream: MotoServer };
  beforeAll(async () => {
    servers = await pair('sqs-scans');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([servers?.fixed.stop(), servers?.upstream.stop()]);
  });

  async function transcript(endpoint: string): Promise<unknown[]> {
    const sqs = new SQSClient(options(endpoint));
    const out: unknown[] = [];
    const counts = async (QueueUrl: string) => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
      );
      return [
        Attributes.ApproximateNumberOfMessages,
        Attributes.ApproximateNumberOfMessagesNotVisible,
        Attributes.ApproximateNumberOfMessagesDelayed,
      ];
    };
    try {
      const { QueueUrl = '' } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'q', Attributes: { VisibilityTimeout: '30' } }),
      );
      for (let i = 0; i < 25; i++) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl,
            MessageBody: `m${i}`,
            DelaySeconds: i % 5 === 0 ? 60 : 0,
          }),
        );
      }
      out.push(await counts(QueueUrl));
      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 7 }));
      out.push(first.Messages?.map((m) => m.Body).sort(), await counts(QueueUrl));
      // One received message becomes visible again at once.
      const again = first.Messages?.[0];
      if (again?.ReceiptHandle) {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl,
            ReceiptHandle: again.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      }
      out.push(await counts(QueueUrl));
      const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      out.push(rest.Messages?.length, await counts(QueueUrl));
    } finally {
      sqs.destroy();
    }
    return out;
  }

  it('answers receives and the approximate counts as upstream does', async () => {
    // Act
    const [fixed, upstream] = await Promise.all([
      transcript(servers.fixed.endpoint),
      transcript(servers.upstream.endpoint),
    ]);

    // Assess
    expect(fixed[0]).toEqual(['20', '0', '5']);
    expect(fixed).toEqual(upstream);
  });
});

describe('moto fix "dynamodb-query"', () => {
  let servers: { fixed: MotoServer; upstream: MotoServer };
  beforeAll(async () => {
    servers = await pair('dynamodb-query');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([servers?.fixed.stop(), servers?.upstream.stop()]);
  });

  const QUERIES: Omit<QueryCommandInput, 'TableName'>[] = [
    { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'P#2' } } },
    { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'P#none' } } },
    {
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': { S: 'P#1' }, ':s': { S: 'E#1' } },
    },
    {
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':p': { S: 'P#3' }, ':a': { S: 'E#03' }, ':b': { S: 'E#12' } },
      ScanIndexForward: false,
    },
    {
      KeyConditionExpression: 'pk = :p',
      FilterExpression: 'n > :n',
      ExpressionAttributeValues: { ':p': { S: 'P#0' }, ':n': { N: '7' } },
      Limit: 5,
    },
    {
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'P#4' } },
      Select: 'COUNT',
    },
  ];

  async function transcript(endpoint: string): Promise<unknown[]> {
    const ddb = new DynamoDBClient(options(endpoint));
    const out: unknown[] = [];
    try {
      await ddb.send(
        new CreateTableCommand({
          TableName: 't',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
        }),
      );
      // Written out of order, so the answer's order is the query's doing.
      for (let i = 0; i < 100; i++) {
        const n = (i * 37) % 100;
        await ddb.send(
          new PutItemCommand({
            TableName: 't',
            Item: {
              pk: { S: `P#${n % 5}` },
              sk: { S: `E#${String(n).padStart(2, '0')}` },
              n: { N: String(n % 13) },
            },
          }),
        );
      }
      for (const query of QUERIES) {
        let ExclusiveStartKey: QueryCommandInput['ExclusiveStartKey'];
        do {
          const r = await ddb.send(
            new QueryCommand({ TableName: 't', ...query, ExclusiveStartKey }),
          );
          out.push({
            items: r.Items,
            count: r.Count,
            scanned: r.ScannedCount,
            last: r.LastEvaluatedKey,
          });
          ExclusiveStartKey = r.LastEvaluatedKey;
        } while (ExclusiveStartKey !== undefined);
      }
    } finally {
      ddb.destroy();
    }
    return out;
  }

  it('answers key queries, paged, filtered and reversed, as upstream does', async () => {
    // Act
    const [fixed, upstream] = await Promise.all([
      transcript(servers.fixed.endpoint),
      transcript(servers.upstream.endpoint),
    ]);

    // Assess
    expect(fixed.length).toBeGreaterThan(QUERIES.length);
    expect(fixed).toEqual(upstream);
  });
});
