import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { afterAll, describe, expect, it } from 'vitest';
import { clients, uniqueName } from './clients.js';

type Item = Record<string, AttributeValue>;

/**
 * Fix "transact": TransactWriteItems checks every item, writes only the
 * touched items and undoes only those, instead of deep-copying whole tables.
 * These pin its semantics (equal to upstream's) and the stream behaviour.
 */
describe('moto TransactWriteItems', () => {
  const ddb = clients.dynamodb();
  const streams = clients.streams();
  afterAll(() => {
    ddb.destroy();
    streams.destroy();
  });

  async function createTable(opts: { stream?: boolean } = {}) {
    const TableName = uniqueName('transact');
    const created = await ddb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        ...(opts.stream === true
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
          : {}),
      }),
    );
    return { TableName, streamArn: created.TableDescription?.LatestStreamArn };
  }

  const put = (TableName: string, Item: Item) => ddb.send(new PutItemCommand({ TableName, Item }));
  const get = async (TableName: string, pk: string) =>
    (
      await ddb.send(
        new GetItemCommand({ TableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      )
    ).Item;
  const transact = (TransactItems: TransactWriteItem[]) =>
    ddb.send(new TransactWriteItemsCommand({ TransactItems }));
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the transaction to fail');
      },
      (error: unknown) => error,
    );

  async function latestIterator(streamArn: string): Promise<string> {
    const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const ShardId = described.StreamDescription?.Shards?.[0]?.ShardId;
    const iterator = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId, ShardIteratorType: 'LATEST' }),
    );
    if (iterator.ShardIterator === undefined) throw new Error('no shard iterator');
    return iterator.ShardIterator;
  }

  async function readAll(iterator: string): Promise<StreamRecord[]> {
    const records: StreamRecord[] = [];
    let next: string | undefined = iterator;
    for (let page = 0; next !== undefined && page < 10; page++) {
      const got: GetRecordsCommandOutput = await streams.send(
        new GetRecordsCommand({ ShardIterator: next }),
      );
      if ((got.Records ?? []).length === 0) break;
      records.push(...(got.Records ?? []));
      next = got.NextShardIterator;
    }
    return records;
  }

  it('reports cancellation reasons in item order, with the old item for ALL_OLD', async () => {
    // Prepare
    const { TableName } = await createTable();
    const account: Item = { pk: { S: 'account#1' }, balance: { N: '5' } };
    await put(TableName, account);
    await put(TableName, { pk: { S: 'account#2' }, balance: { N: '7' } });

    // Act
    const error = await failureOf(
      transact([
        { Put: { TableName, Item: { pk: { S: 'posting#1' } } } },
        {
          ConditionCheck: {
            TableName,
            Key: { pk: { S: 'account#1' } },
            ConditionExpression: 'balance >= :amount',
            ExpressionAttributeValues: { ':amount': { N: '10' } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName,
            Key: { pk: { S: 'account#2' } },
            UpdateExpression: 'SET balance = balance - :amount',
            ConditionExpression: 'balance >= :amount',
            ExpressionAttributeValues: { ':amount': { N: '10' } },
          },
        },
      ]),
    );

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: account },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect((error as Error).message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons ' +
        '[None, ConditionalCheckFailed, ConditionalCheckFailed]',
    );
  });

  it('leaves items 1 and 2 unwritten when the condition of item 3 fails', async () => {
    // Prepare
    const { TableName } = await createTable();
    await put(TableName, { pk: { S: 'account#1' }, balance: { N: '100' } });
    await put(TableName, { pk: { S: 'account#2' }, balance: { N: '0' } });

    // Act
    const error = await failureOf(
      transact([
        { Put: { TableName, Item: { pk: { S: 'posting#1' }, amount: { N: '10' } } } },
        {
          Update: {
            TableName,
            Key: { pk: { S: 'account#1' } },
            UpdateExpression: 'SET balance = balance - :amount',
            ExpressionAttributeValues: { ':amount': { N: '10' } },
          },
        },
        {
          Update: {
            TableName,
            Key: { pk: { S: 'account#2' } },
            UpdateExpression: 'SET balance = balance - :amount',
            ConditionExpression: 'balance >= :amount',
            ExpressionAttributeValues: { ':amount': { N: '10' } },
          },
        },
      ]),
    );

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(await get(TableName, 'posting#1')).toBeUndefined();
    expect((await get(TableName, 'account#1'))?.balance).toEqual({ N: '100' });
    expect((await get(TableName, 'account#2'))?.balance).toEqual({ N: '0' });
  });

  it('leaves earlier items unwritten when a later update expression is invalid', async () => {
    // Prepare
    const { TableName } = await createTable();
    await put(TableName, { pk: { S: 'account#1' }, balance: { N: '100' } });
    await put(TableName, { pk: { S: 'atm#1' }, label: { S: 'lobby' } });

    // Act
    const error = await failureOf(
      transact([
        { Put: { TableName, Item: { pk: { S: 'posting#1' } } } },
        {
          Update: {
            TableName,
            Key: { pk: { S: 'account#1' } },
            UpdateExpression: 'SET balance = balance - :amount',
            ExpressionAttributeValues: { ':amount': { N: '10' } },
          },
        },
        {
          Update: {
            TableName,
            Key: { pk: { S: 'atm#1' } },
            // Adding a number to a string is only found against the stored item.
            UpdateExpression: 'ADD label :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        },
      ]),
    );

    // Assess
    expect(error).toBeInstanceOf(DynamoDBServiceException);
    expect((error as DynamoDBServiceException).name).toBe('ValidationException');
    expect(await get(TableName, 'posting#1')).toBeUndefined();
    expect((await get(TableName, 'account#1'))?.balance).toEqual({ N: '100' });
    expect((await get(TableName, 'atm#1'))?.label).toEqual({ S: 'lobby' });
  });

  it('writes every item of a transaction whose conditions all pass', async () => {
    // Prepare
    const { TableName } = await createTable();
    await put(TableName, { pk: { S: 'account#1' }, balance: { N: '100' } });
    await put(TableName, { pk: { S: 'hold#1' } });
    await put(TableName, { pk: { S: 'atm#1' }, status: { S: 'online' } });

    // Act
    await transact([
      {
        Update: {
          TableName,
          Key: { pk: { S: 'account#1' } },
          UpdateExpression: 'SET balance = balance - :amount',
          ConditionExpression: 'balance >= :amount',
          ExpressionAttributeValues: { ':amount': { N: '40' } },
        },
      },
      {
        Put: {
          TableName,
          Item: { pk: { S: 'posting#1' }, amount: { N: '40' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Delete: { TableName, Key: { pk: { S: 'hold#1' } } } },
      {
        ConditionCheck: {
          TableName,
          Key: { pk: { S: 'atm#1' } },
          ConditionExpression: '#status = :online',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':online': { S: 'online' } },
        },
      },
    ]);

    // Assess
    expect((await get(TableName, 'account#1'))?.balance).toEqual({ N: '60' });
    expect(await get(TableName, 'posting#1')).toEqual({
      pk: { S: 'posting#1' },
      amount: { N: '40' },
    });
    expect(await get(TableName, 'hold#1')).toBeUndefined();
    expect(await get(TableName, 'atm#1')).toEqual({
      pk: { S: 'atm#1' },
      status: { S: 'online' },
    });
  });

  it('rejects two operations on one item before writing anything', async () => {
    // Prepare
    const { TableName } = await createTable();

    // Act
    const error = await failureOf(
      transact([
        { Put: { TableName, Item: { pk: { S: 'posting#1' } } } },
        { Put: { TableName, Item: { pk: { S: 'posting#2' } } } },
        { Delete: { TableName, Key: { pk: { S: 'posting#1' } } } },
      ]),
    );

    // Assess
    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toBe(
      'Transaction request cannot include multiple operations on one item',
    );
    expect(await get(TableName, 'posting#1')).toBeUndefined();
    expect(await get(TableName, 'posting#2')).toBeUndefined();
  });

  it('emits one stream record per write of a committed transaction', async () => {
    // Prepare
    const { TableName, streamArn } = await createTable({ stream: true });
    await put(TableName, { pk: { S: 'account#1' }, balance: { N: '100' } });
    await put(TableName, { pk: { S: 'hold#1' } });
    const iterator = await latestIterator(streamArn ?? '');

    // Act
    await transact([
      {
        Update: {
          TableName,
          Key: { pk: { S: 'account#1' } },
          UpdateExpression: 'SET balance = balance - :amount',
          ExpressionAttributeValues: { ':amount': { N: '40' } },
        },
      },
      { Put: { TableName, Item: { pk: { S: 'posting#1' }, amount: { N: '40' } } } },
      { Delete: { TableName, Key: { pk: { S: 'hold#1' } } } },
    ]);

    // Assess
    const records = await readAll(iterator);
    expect(
      records.map((r) => [r.eventName, r.dynamodb?.Keys?.pk?.S, r.dynamodb?.NewImage]),
    ).toEqual([
      ['MODIFY', 'account#1', { pk: { S: 'account#1' }, balance: { N: '60' } }],
      ['INSERT', 'posting#1', { pk: { S: 'posting#1' }, amount: { N: '40' } }],
      ['REMOVE', 'hold#1', undefined],
    ]);
    expect(records[0]?.dynamodb?.OldImage).toEqual({
      pk: { S: 'account#1' },
      balance: { N: '100' },
    });
  });

  it('emits no stream record for a cancelled transaction, and later writes still reach existing iterators', async () => {
    // Prepare
    const { TableName, streamArn } = await createTable({ stream: true });
    await put(TableName, { pk: { S: 'account#1' }, balance: { N: '5' } });
    const iterator = await latestIterator(streamArn ?? '');

    // Act
    await failureOf(
      transact([
        { Put: { TableName, Item: { pk: { S: 'posting#cancelled' } } } },
        {
          Update: {
            TableName,
            Key: { pk: { S: 'account#1' } },
            UpdateExpression: 'SET balance = balance - :amount',
            ConditionExpression: 'balance >= :amount',
            ExpressionAttributeValues: { ':amount': { N: '10' } },
          },
        },
      ]),
    );
    await transact([{ Put: { TableName, Item: { pk: { S: 'posting#committed' } } } }]);

    // Assess
    const records = await readAll(iterator);
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.pk?.S])).toEqual([
      ['INSERT', 'posting#committed'],
    ]);
  });
});
