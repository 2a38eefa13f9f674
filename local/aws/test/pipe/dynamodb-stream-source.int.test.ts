import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStreamSource } from '../../src/pipe/dynamodb-stream-source.js';
import { type Clients, createStreamTable, makeClients } from '../../src/testing/pipe.js';

/** The DynamoDB Streams source against the local cloud's streams, over the wire. */
describe('DynamoDbStreamSource', () => {
  let clients: Clients;
  beforeAll(() => {
    clients = makeClients();
  });
  afterAll(() => clients.destroy());

  it('reads records in order, in the JSON shape Lambda and Pipes deliver', async () => {
    // Prepare
    const { tableName, streamArn } = await createStreamTable(clients.dynamodb);
    const source = new DynamoDbStreamSource({ client: clients.streams, streamArn });
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: 'TX#1' },
          sk: { S: 'TX' },
          blob: { B: Buffer.from('hello') },
          n: { N: '1' },
          tags: { SS: ['a'] },
        },
      }),
    );
    await clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'TX#1' }, sk: { S: 'TX' } },
        UpdateExpression: 'SET n = :two',
        ExpressionAttributeValues: { ':two': { N: '2' } },
      }),
    );

    // Act
    const [shard] = await source.listShards();
    if (shard === undefined) throw new Error('the stream has no shard');
    const iterator = await source.getShardIterator(shard.shardId, { type: 'TRIM_HORIZON' });
    const out = await source.getRecords(iterator, 100);
    const event = source.toEvent(shard.shardId, out.records);

    // Assess
    expect(event.Records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    const [insert, modify] = event.Records;
    expect(insert).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      dynamodb: {
        Keys: { pk: { S: 'TX#1' }, sk: { S: 'TX' } },
        NewImage: {
          blob: { B: Buffer.from('hello').toString('base64') },
          n: { N: '1' },
          tags: { SS: ['a'] },
        },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(modify?.dynamodb?.OldImage?.n).toEqual({ N: '1' });
    expect(modify?.dynamodb?.NewImage?.n).toEqual({ N: '2' });
    // Epoch seconds, as delivered; not the SDK's Date.
    expect(
      Math.abs((insert?.dynamodb?.ApproximateCreationDateTime ?? 0) - Date.now() / 1000),
    ).toBeLessThan(120);
    expect(out.records.map((r) => r.sequenceNumber)).toEqual(
      event.Records.map((r) => r.dynamodb?.SequenceNumber),
    );
    expect(out.records[0]?.partitionKey).toBe(JSON.stringify(insert?.dynamodb?.Keys));
  });

  it('resumes after a sequence number and says a missing stream is not found', async () => {
    // Prepare
    const { tableName, streamArn } = await createStreamTable(clients.dynamodb);
    const source = new DynamoDbStreamSource({ client: clients.streams, streamArn });
    for (const id of ['a', 'b', 'c']) {
      await clients.dynamodb.send(
        new PutItemCommand({ TableName: tableName, Item: { pk: { S: id }, sk: { S: 'X' } } }),
      );
    }
    const [shard] = await source.listShards();
    if (shard === undefined) throw new Error('the stream has no shard');
    const all = await source.getRecords(
      await source.getShardIterator(shard.shardId, { type: 'TRIM_HORIZON' }),
      100,
    );

    // Act
    const after = await source.getRecords(
      await source.getShardIterator(shard.shardId, {
        type: 'AFTER_SEQUENCE_NUMBER',
        sequenceNumber: all.records[0]?.sequenceNumber ?? '',
      }),
      100,
    );
    const missing = new DynamoDbStreamSource({
      client: clients.streams,
      streamArn: streamArn.replace(tableName, `${tableName}-gone`),
    });
    const error = await missing.listShards().catch((e: unknown) => e);

    // Assess
    expect(after.records.map((r) => r.payload.dynamodb?.Keys?.pk?.S)).toEqual(['b', 'c']);
    expect(missing.classifyError(error)).toBe('not-found');
    await expect(
      source.getShardIterator(shard.shardId, { type: 'AT_TIMESTAMP', timestamp: new Date() }),
    ).rejects.toThrow(/no AT_TIMESTAMP/);
  });
});
