import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions, uniqueName } from './clients.js';

const WITHDRAWALS_PER_ACCOUNT = 50;
const BALANCE = 30;
const POSTINGS_PER_WITHDRAWAL = 9;
// Unlocked requests interleave by chance (where the GIL switches threads);
// several accounts at once make that near certain in every run without the fix.
const ACCOUNTS = 4;

/**
 * Fix "lock": moto's backends are not thread-safe and its server is threaded;
 * without the global request lock these requests race (HTTP 500s, two
 * withdrawals both passing `balance >= 1` on the same last unit, Kinesis
 * records given the same sequence number and overwritten).
 */
describe('moto request lock', () => {
  let ddb: DynamoDBClient;
  let kinesis: KinesisClient;

  beforeAll(() => {
    // One socket per request so they really run concurrently, and no retries,
    // so that a 500 is seen instead of being retried away.
    const sockets = ACCOUNTS * WITHDRAWALS_PER_ACCOUNT;
    ddb = new DynamoDBClient({ ...clientOptions({ maxSockets: sockets }), maxAttempts: 1 });
    kinesis = new KinesisClient({ ...clientOptions({ maxSockets: sockets }), maxAttempts: 1 });
  });
  afterAll(() => {
    ddb.destroy();
    kinesis.destroy();
  });

  function withdraw(TableName: string, account: string, i: number) {
    return ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: { pk: { S: account } },
              UpdateExpression: 'SET balance = balance - :one',
              ConditionExpression: 'balance >= :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          // The withdrawal's postings; they also widen the window between
          // checking the balance and writing it, where unlocked requests race.
          ...Array.from({ length: POSTINGS_PER_WITHDRAWAL }, (_, j) => ({
            Put: {
              TableName,
              Item: { pk: { S: `${account}/withdrawal#${i}#${j}` }, amount: { N: '1' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
        ],
      }),
    );
  }

  it('lets exactly the balance through 50 concurrent conditional TransactWriteItems, without a 500', async () => {
    // Prepare
    const TableName = uniqueName('lock-accounts');
    await ddb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
    const accounts = Array.from({ length: ACCOUNTS }, (_, a) => `account#${a}`);
    for (const account of accounts) {
      await ddb.send(
        new PutItemCommand({
          TableName,
          Item: { pk: { S: account }, balance: { N: String(BALANCE) } },
        }),
      );
    }

    // Act
    const outcomes = await Promise.all(
      accounts.map((account) =>
        Promise.allSettled(
          Array.from({ length: WITHDRAWALS_PER_ACCOUNT }, (_, i) =>
            withdraw(TableName, account, i),
          ),
        ),
      ),
    );

    // Assess
    const byAccount = await Promise.all(
      accounts.map(async (account, a) => {
        const settled = outcomes[a] ?? [];
        const failures = settled.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        const cancelled = failures.filter(
          (e) =>
            e instanceof TransactionCanceledException &&
            e.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed' &&
            e.CancellationReasons.slice(1).every((r) => r.Code === 'None'),
        );
        const stored = await ddb.send(
          new GetItemCommand({ TableName, Key: { pk: { S: account } }, ConsistentRead: true }),
        );
        return {
          account,
          succeeded: settled.filter((o) => o.status === 'fulfilled').length,
          cancelled: cancelled.length,
          unexpected: failures
            .filter((e) => !cancelled.includes(e))
            .map((e) => `${e?.name} (${e?.$metadata?.httpStatusCode}): ${e?.message}`),
          balance: stored.Item?.balance,
        };
      }),
    );
    expect(byAccount).toEqual(
      accounts.map((account) => ({
        account,
        succeeded: BALANCE,
        cancelled: WITHDRAWALS_PER_ACCOUNT - BALANCE,
        unexpected: [],
        balance: { N: '0' },
      })),
    );
    const items = await ddb.send(new ScanCommand({ TableName, Select: 'COUNT' }));
    expect(items.Count).toBe(ACCOUNTS * (1 + BALANCE * POSTINGS_PER_WITHDRAWAL));
  });

  it('keeps every record of concurrent PutRecords calls to one shard', async () => {
    // Prepare
    const StreamName = uniqueName('lock-ingest');
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    const calls = 40;
    const recordsPerCall = 100;

    // Act
    const puts = await Promise.all(
      Array.from({ length: calls }, (_, c) =>
        kinesis.send(
          new PutRecordsCommand({
            StreamName,
            Records: Array.from({ length: recordsPerCall }, (_, r) => ({
              PartitionKey: `atm-${c}`,
              Data: new TextEncoder().encode(`${c}/${r}`),
            })),
          }),
        ),
      ),
    );

    // Assess
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName,
          ShardId: Shards[0]?.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    const received = new Set<string>();
    for (let page = 0; iterator !== undefined && page < 20; page++) {
      const got = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
      );
      if ((got.Records ?? []).length === 0) break;
      for (const record of got.Records ?? []) received.add(new TextDecoder().decode(record.Data));
      iterator = got.NextShardIterator;
    }
    expect(puts.map((p) => p.FailedRecordCount ?? 0)).toEqual(puts.map(() => 0));
    expect(received.size).toBe(calls * recordsPerCall);
  });
});
