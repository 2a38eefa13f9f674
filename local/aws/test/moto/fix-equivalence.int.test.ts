import {
  type AttributeValue,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
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
 * Fixes "kinesis-reads", "sqs-scans", "dynamodb-query" and "streams-records" change how moto
 * finds or writes its answers, never the answers: the same calls against a server with the fix and one
 * without must answer the same.
 */

const options = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  requestHandler: { httpAgent: { keepAlive: true } },
});

/** A table keyed by `pk` (a string) and `sk` (of `sortKeyType`). */
async function createKeyedTable(
  ddb: DynamoDBClient,
  TableName: string,
  sortKeyType: 'S' | 'N',
  StreamSpecification?: CreateTableCommandInput['StreamSpecification'],
): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: sortKeyType },
      ],
      StreamSpecification,
    }),
  );
}

/**
 * For the enclosing describe: a server with every fix and one without `fix`,
 * started before its tests and stopped after them.
 */
function serverPair(fix: MotoFix): () => { fixed: MotoServer; upstream: MotoServer } {
  let servers: { fixed: MotoServer; upstream: MotoServer } | undefined;
  beforeAll(async () => {
    const [fixed, upstream] = await Promise.all([
      startMoto({ log: () => {} }),
      startMoto({ withoutFixes: [fix], log: () => {} }),
    ]);
    servers = { fixed, upstream };
  }, 60_000);
  afterAll(async () => {
    await Promise.all([servers?.fixed.stop(), servers?.upstream.stop()]);
  });
  return () => {
    if (servers === undefined) throw new Error(`the servers for fix ${fix} did not start`);
    return servers;
  };
}

describe('moto fix "kinesis-reads"', () => {
  const servers = serverPair('kinesis-reads');

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
      transcript(servers().fixed.endpoint),
      transcript(servers().upstream.endpoint),
    ]);

    // Assess
    expect(fixed.length).toBeGreaterThan(10);
    expect(fixed).toEqual(upstream);
  });
});

describe('moto fix "sqs-scans"', () => {
  const servers = serverPair('sqs-scans');

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
      transcript(servers().fixed.endpoint),
      transcript(servers().upstream.endpoint),
    ]);

    // Assess
    expect(fixed[0]).toEqual(['20', '0', '5']);
    expect(fixed).toEqual(upstream);
  });
});

describe('moto fix "dynamodb-query"', () => {
  const servers = serverPair('dynamodb-query');

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
      await createKeyedTable(ddb, 't', 'S');
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
      transcript(servers().fixed.endpoint),
      transcript(servers().upstream.endpoint),
    ]);

    // Assess
    expect(fixed.length).toBeGreaterThan(QUERIES.length);
    expect(fixed).toEqual(upstream);
  });
});

describe('moto fix "streams-records"', () => {
  const servers = serverPair('streams-records');

  /** Every attribute type, nested too; `binary` adds blobs, which keep the upstream path. */
  const item = (i: number, binary: boolean): Record<string, AttributeValue> => ({
    pk: { S: `P#${i % 3}` },
    sk: { N: String(i) },
    text: { S: `caf\u00e9 "${i}"\n` },
    amount: { N: String(i * 1.5) },
    flag: { BOOL: i % 2 === 0 },
    nothing: { NULL: true },
    tags: { SS: ['a', `t${i}`] },
    counts: { NS: ['1', String(i + 2)] },
    nested: {
      M: {
        list: { L: [{ S: 'x' }, { N: '2' }, { M: { deep: { BOOL: false } } }, { NULL: true }] },
        empty: { M: {} },
        ...(binary ? { blob: { B: new Uint8Array([0, i, 255]) } } : {}),
      },
    },
    ...(binary ? { bytes: { BS: [new Uint8Array([1, 2]), new Uint8Array([i])] } } : {}),
  });

  type Change = { dynamodb: { SizeBytes?: number } };
  const sizeOf = (record: unknown) => (record as Change).dynamodb.SizeBytes;
  const withoutSizes = (t: unknown[][]) =>
    t.map((page) =>
      page.map((record) => {
        const { SizeBytes: _size, ...change } = (record as Change).dynamodb;
        return { ...(record as object), dynamodb: change };
      }),
    );

  /** Inserts, modifies and removes items, then reads the stream in pages of 4 from its start. */
  async function transcript(endpoint: string, binary: boolean): Promise<unknown[][]> {
    const ddb = new DynamoDBClient(options(endpoint));
    const streams = new DynamoDBStreamsClient(options(endpoint));
    const out: unknown[][] = [];
    const TableName = binary ? 'with-binary' : 'plain';
    try {
      await createKeyedTable(ddb, TableName, 'N', {
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
      for (let i = 0; i < 9; i++) {
        await ddb.send(new PutItemCommand({ TableName, Item: item(i, binary) }));
      }
      for (let i = 0; i < 9; i += 2) {
        await ddb.send(
          new UpdateItemCommand({
            TableName,
            Key: { pk: { S: `P#${i % 3}` }, sk: { N: String(i) } },
            UpdateExpression: 'SET amount = amount + :one REMOVE tags',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          }),
        );
      }
      await ddb.send(
        new DeleteItemCommand({ TableName, Key: { pk: { S: 'P#1' }, sk: { N: '1' } } }),
      );
      const table = await ddb.send(new DescribeTableCommand({ TableName }));
      const StreamArn = table.Table?.LatestStreamArn;
      const stream = await streams.send(new DescribeStreamCommand({ StreamArn }));
      const shardId = stream.StreamDescription?.Shards?.[0]?.ShardId;
      let iterator = (
        await streams.send(
          new GetStreamShardIteratorCommand({
            StreamArn,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      for (;;) {
        const page = await streams.send(
          new GetStreamRecordsCommand({ ShardIterator: iterator, Limit: 4 }),
        );
        const records = page.Records ?? [];
        if (records.length === 0) break;
        out.push(
          records.map(({ eventID, dynamodb, ...rest }) => {
            const { ApproximateCreationDateTime: created, ...change } = dynamodb ?? {};
            // Random and clock-bound on both servers alike: checked for their type only.
            expect(eventID).toMatch(/^[0-9a-f]{32}$/);
            expect(created).toBeInstanceOf(Date);
            expect(Math.abs(Date.now() - (created?.getTime() ?? 0))).toBeLessThan(120_000);
            return { ...rest, dynamodb: change };
          }),
        );
        iterator = page.NextShardIterator;
      }
    } finally {
      ddb.destroy();
      streams.destroy();
    }
    return out;
  }

  it.each([
    ['without binary values (the fix writes them)', false],
    ['with binary values (upstream writes them)', true],
  ])('answers GetRecords as upstream does, page by page, %s', async (_name, binary) => {
    // Act
    const [fixed, upstream] = await Promise.all([
      transcript(servers().fixed.endpoint, binary),
      transcript(servers().upstream.endpoint, binary),
    ]);

    // Assess: 9 inserts, 5 modifies, 1 remove, in pages of 4.
    expect(fixed).toHaveLength(4);
    expect(fixed.flat()).toHaveLength(15);
    expect(withoutSizes(fixed)).toEqual(withoutSizes(upstream));
    // Upstream's size counts the timestamp's text, whose length varies with the clock.
    const sizes = (t: unknown[][]) => t.flat().map((r) => sizeOf(r) ?? Number.NaN);
    const [ours, theirs] = [sizes(fixed), sizes(upstream)];
    for (const [i, size] of ours.entries()) {
      expect(Math.abs(size - (theirs[i] ?? Number.NaN))).toBeLessThanOrEqual(4);
    }
  });
});
