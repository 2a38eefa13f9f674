import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { type MotoFix, type MotoServer, startMoto } from '../../src/moto/index.js';

const TTL_SECONDS = 1;

/**
 * Fix "streams-iterators": upstream moto keeps every DynamoDB Streams shard
 * iterator forever (a polling pipe grows it by ~70 MB an hour); AWS expires
 * them 15 minutes after issue. Run here with a one-second lifetime.
 */
describe('moto DynamoDB Streams iterators', () => {
  let moto: MotoServer | undefined;
  const previous = process.env.LEDGER_MOTO_STREAMS_ITERATOR_TTL_SECONDS;
  afterEach(async () => {
    await moto?.stop();
    moto = undefined;
    if (previous === undefined) delete process.env.LEDGER_MOTO_STREAMS_ITERATOR_TTL_SECONDS;
    else process.env.LEDGER_MOTO_STREAMS_ITERATOR_TTL_SECONDS = previous;
  });

  async function streamIterator(withoutFixes: MotoFix[]) {
    process.env.LEDGER_MOTO_STREAMS_ITERATOR_TTL_SECONDS = String(TTL_SECONDS);
    moto = await startMoto({ withoutFixes, log: () => {} });
    const options = {
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    const dynamodb = new DynamoDBClient(options);
    const streams = new DynamoDBStreamsClient({ ...options, maxAttempts: 1 });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 't',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    await dynamodb.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }));
    const arn = (await streams.send(new ListStreamsCommand({ TableName: 't' }))).Streams?.[0]
      ?.StreamArn;
    const shardId = (await streams.send(new DescribeStreamCommand({ StreamArn: arn })))
      .StreamDescription?.Shards?.[0]?.ShardId;
    const fresh = async () =>
      (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
    const close = () => {
      dynamodb.destroy();
      streams.destroy();
    };
    return { streams, fresh, close };
  }

  it('expires an iterator after its lifetime with ExpiredIteratorException; a new one reads on', async () => {
    // Prepare
    const { streams, fresh, close } = await streamIterator([]);
    const first = await streams.send(new GetRecordsCommand({ ShardIterator: await fresh() }));
    expect(first.Records).toHaveLength(1);

    // Act
    await new Promise((r) => setTimeout(r, TTL_SECONDS * 1000 + 300));
    const stale = streams.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));

    // Assess
    await expect(stale).rejects.toMatchObject({
      name: 'ExpiredIteratorException',
      $metadata: { httpStatusCode: 400 },
    });
    const again = await streams.send(new GetRecordsCommand({ ShardIterator: await fresh() }));
    expect(again.Records).toHaveLength(1);
    close();
  });

  it('upstream keeps it forever (what the fix changes)', async () => {
    // Prepare
    const { streams, fresh, close } = await streamIterator(['streams-iterators']);
    const first = await streams.send(new GetRecordsCommand({ ShardIterator: await fresh() }));

    // Act
    await new Promise((r) => setTimeout(r, TTL_SECONDS * 1000 + 300));
    const stale = await streams.send(
      new GetRecordsCommand({ ShardIterator: first.NextShardIterator }),
    );

    // Assess
    expect(stale.Records).toEqual([]);
    close();
  });
});
