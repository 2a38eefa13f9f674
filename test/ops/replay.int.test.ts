import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { DynamoDbLedgerStore, ledgerKeys, rebuild } from '@atm-ledger/ledger';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import {
  inProcessDelivery,
  lambdaDelivery,
  type ReplayDelivery,
  type ReplayReport,
  replay,
} from '@atm-ledger/ops';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { harnessCli } from '../support/cli.js';
import { cloudApi } from '../support/cloudApi.js';

const exec = promisify(execFile);
const REGION = 'us-east-1';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `replay` over the wire on the local cloud: the pipeline posts transactions
 * in three phases (before, inside and after a time window), and replay
 * re-delivers the window's stream records to the ledger handler in process.
 */
describe('replay', () => {
  const run = randomUUID().slice(0, 8);
  const [A, B, C] = ['A', 'B', 'C'].map((x) => `R-${run}-${x}`) as [string, string, string];
  const occurredAt = new Date().toISOString();
  const ids = { before: [] as string[], window: [] as string[], after: [] as string[] };
  let cloud: LocalCloud;
  let kinesis: KinesisClient;
  let dynamodb: DynamoDBClient;
  let from: Date;
  let to: Date;

  const api = cloudApi(() => cloud);
  const post = async (
    phase: keyof typeof ids,
    id: string,
    tx: Record<string, unknown>,
  ): Promise<void> => {
    const transactionId = `${id}-${run}`;
    const response = await api('POST', '/v1/transactions', {
      transactionId,
      atmId: 'atm-r',
      occurredAt,
      ...tx,
    });
    expect(response.status).toBe(202);
    ids[phase].push(transactionId);
  };
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const allDecided = async (transactionIds: readonly string[]) => {
    const deadline = Date.now() + 120_000;
    for (const id of transactionIds) {
      for (;;) {
        const r = await api('GET', `/v1/transactions/${id}`);
        if (r.status === 200 && r.body.status !== 'PENDING') break;
        if (Date.now() > deadline) throw new Error(`${id} not decided within 120 s`);
        await pause(100);
      }
    }
  };
  /** What a customer sees of an account: its balance and version, and every entry. */
  const snapshot = async (accountId: string) => {
    const account = await api('GET', `/v1/accounts/${accountId}`);
    const entries = await api('GET', `/v1/accounts/${accountId}/entries?limit=100`);
    const items = (entries.body.items as Record<string, unknown>[]).map(
      ({ postedAt: _postedAt, ...entry }) => entry,
    );
    return { balance: account.body.balance, version: account.body.version, entries: items };
  };
  const statuses = async (transactionIds: readonly string[]) =>
    Object.fromEntries(
      await Promise.all(
        transactionIds.map(async (id) => {
          const { body } = await api('GET', `/v1/transactions/${id}`);
          return [id, { status: body.status, reason: body.reason, conflicts: body.conflicts }];
        }),
      ),
    );

  /** The transaction ids inside the events a delivery received. */
  const recording = (deliver: ReplayDelivery) => {
    const seen: string[] = [];
    const wrapped: ReplayDelivery = async (event: KinesisStreamEvent) => {
      for (const r of event.Records) {
        seen.push(
          (JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as { id: string }).id,
        );
      }
      return deliver(event);
    };
    return { seen, deliver: wrapped };
  };
  const localDelivery = () =>
    inProcessDelivery({
      endpoint: inject('awsEndpoint'),
      region: REGION,
      tableName: cloud.resources.names.ledgerTable,
      poisonQueue: cloud.resources.poisonQueueUrl,
    });

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `replay-${run}`,
      token: 'replay',
    });
    const options = sdkClientOptions({ endpoint: inject('awsEndpoint'), region: REGION });
    kinesis = new KinesisClient(options);
    dynamodb = new DynamoDBClient(options);
    for (const accountId of [A, B, C]) {
      expect((await api('POST', '/v1/accounts', { accountId, currency: 'USD' })).status).toBe(201);
    }

    // Before the window.
    await post('before', 'a1', { type: 'DEPOSIT', accountId: A, ...usd(10_000) });
    await post('before', 'b1', { type: 'DEPOSIT', accountId: B, ...usd(5_000) });
    // A record's arrival time is set before its 202; a pause keeps the boundaries clear.
    await pause(50);
    from = new Date();
    await pause(50);

    // The window: every kind of decision, and C's whole history.
    await post('window', 'a2', { type: 'WITHDRAWAL', accountId: A, ...usd(2_000) });
    await post('window', 'b2', { type: 'TRANSFER', accountId: B, toAccountId: A, ...usd(1_000) });
    await post('window', 'c1', { type: 'DEPOSIT', accountId: C, ...usd(50_000) });
    await post('window', 'c2', { type: 'WITHDRAWAL', accountId: C, ...usd(20_000) });
    await post('window', 'c3', { type: 'WITHDRAWAL', accountId: C, ...usd(999_999) });
    await post('window', 'c4', { type: 'BALANCE_INQUIRY', accountId: C });
    await post('window', 'c5', {
      type: 'REVERSAL',
      accountId: C,
      originalTransactionId: `c2-${run}`,
      dispensedAmount: 15_000,
    });
    await post('window', 'a3', { type: 'DEPOSIT', accountId: A, ...usd(300) });
    await pause(50);
    to = new Date();
    await pause(50);

    // After the window.
    await post('after', 'a4', { type: 'DEPOSIT', accountId: A, ...usd(700) });
    await post('after', 'b3', { type: 'WITHDRAWAL', accountId: B, ...usd(100) });
    await allDecided([...ids.before, ...ids.window, ...ids.after]);
  }, 240_000);

  afterAll(async () => {
    kinesis?.destroy();
    dynamodb?.destroy();
    await cloud?.stop();
  });

  it('replays exactly the window, and replaying what was posted changes nothing', async () => {
    // Prepare
    const before = { A: await snapshot(A), B: await snapshot(B), C: await snapshot(C) };
    const decided = await statuses([...ids.before, ...ids.window, ...ids.after]);
    const local = await localDelivery();
    const { seen, deliver } = recording(local.deliver);

    // Act
    let report: ReplayReport;
    try {
      report = await replay(kinesis, { stream: cloud.resources.names.stream, from, to, deliver });
    } finally {
      local.close();
    }

    // Assess: the window's records, no other, each once, all duplicates.
    expect(seen.sort()).toEqual([...ids.window].sort());
    expect(report.recordsInWindow).toBe(ids.window.length);
    expect(report.delivered).toBe(ids.window.length);
    expect(report.notDelivered).toBe(0);
    expect(report.retries).toBe(0);
    expect(report.outcomes).toEqual({ Duplicate: ids.window.length });
    expect(report.shards.length).toBe(2);
    for (const shard of report.shards) expect(['past-window', 'tip']).toContain(shard.stoppedAt);
    // Nothing before the window was fetched: reading starts at `from`.
    expect(report.recordsFetched).toBeLessThanOrEqual(ids.window.length + ids.after.length);
    expect({ A: await snapshot(A), B: await snapshot(B), C: await snapshot(C) }).toEqual(before);
    expect(await statuses([...ids.before, ...ids.window, ...ids.after])).toEqual(decided);
  });

  it('counts the window in a dry run and delivers nothing', async () => {
    // Act
    const report = await replay(kinesis, {
      stream: cloud.resources.streamArn,
      from,
      to,
      dryRun: true,
    });

    // Assess
    expect(report).toMatchObject({
      dryRun: true,
      recordsInWindow: ids.window.length,
      delivered: 0,
      invocations: 0,
    });
    expect(report.batches).toBeGreaterThanOrEqual(1);
  });

  it('re-derives what was lost downstream: an account whose decisions were removed by hand ends as before', async () => {
    // Prepare: C's decisions (transaction items, entries) removed and its account
    // item put back to the state it was opened in, as if the ledger never saw them.
    const table = cloud.resources.names.ledgerTable;
    const expected = await snapshot(C);
    const cIds = ids.window.filter((id) => id.startsWith('c'));
    const expectedStatuses = await statuses(cIds);
    for (const id of cIds) {
      await dynamodb.send(
        new DeleteItemCommand({ TableName: table, Key: marshall(ledgerKeys.transaction(id)) }),
      );
    }
    const { Items } = await dynamodb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
        ExpressionAttributeValues: marshall({
          ':pk': ledgerKeys.account(C).pk,
          ':entry': ledgerKeys.entryPrefix,
        }),
      }),
    );
    for (const item of Items ?? []) {
      await dynamodb.send(
        new DeleteItemCommand({
          TableName: table,
          Key: { pk: item.pk, sk: item.sk } as Record<string, AttributeValue>,
        }),
      );
    }
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall(ledgerKeys.account(C)),
        UpdateExpression: 'SET balance = :zero, version = :zero',
        ExpressionAttributeValues: marshall({ ':zero': 0 }),
      }),
    );
    expect(await snapshot(C)).toEqual({ balance: 0, version: 0, entries: [] });
    expect((await api('GET', `/v1/transactions/${cIds[0]}`)).body.status).toBe('PENDING');
    const local = await localDelivery();

    // Act
    let report: ReplayReport;
    try {
      report = await replay(kinesis, {
        stream: cloud.resources.names.stream,
        from,
        to,
        deliver: local.deliver,
      });
    } finally {
      local.close();
    }

    // Assess: the same entries, balances and decisions, and a ledger without drift.
    expect(await snapshot(C)).toEqual(expected);
    expect(await statuses(cIds)).toEqual(expectedStatuses);
    expect(report.outcomes).toEqual({
      Posted: 4,
      Rejected: 1,
      Duplicate: ids.window.length - cIds.length,
    });
    const drift = await rebuild(new DynamoDbLedgerStore(dynamodb, table));
    expect(drift.drift).toEqual([]);
  });

  it('retries a record reported failed, with backoff, then stops its shard there and says so', async () => {
    // Prepare: a consumer that always reports the first of A's records failed.
    const calls: string[][] = [];
    const deliver: ReplayDelivery = async (event) => {
      // eventID is `<shardId>:<sequenceNumber>`: moto numbers each shard from 1.
      calls.push(event.Records.map((r) => r.eventID));
      const failed = event.Records.find((r) => r.kinesis.partitionKey === A);
      return {
        ok: true,
        response: {
          batchItemFailures:
            failed === undefined ? [] : [{ itemIdentifier: failed.kinesis.sequenceNumber }],
        },
      };
    };

    // Act
    const report = await replay(kinesis, {
      stream: cloud.resources.names.stream,
      from,
      to,
      deliver,
      maxAttempts: 3,
      backoff: { baseMs: 1, maxMs: 5 },
    });

    // Assess
    const stopped = report.shards.filter((s) => s.stoppedAt === 'failure');
    expect(stopped).toHaveLength(1);
    const shard = stopped[0];
    expect(shard?.failure).toMatchObject({ partitionKey: A, attempts: 3 });
    expect(shard?.failure?.error).toMatch(/batchItemFailures/);
    // A's records in the window: a2, a3 (b2 is B's, on A's shard or not).
    expect(shard?.failure?.notDelivered).toBeGreaterThanOrEqual(2);
    expect(report.retries).toBe(2);
    expect(report.notDelivered).toBe(shard?.failure?.notDelivered);
    const failedRecord = `${shard?.shardId}:${shard?.failure?.sequenceNumber}`;
    // Retried from the failed record on, never before it.
    const retried = calls.filter((c) => c.includes(failedRecord));
    expect(retried).toHaveLength(3);
    for (const c of retried.slice(1)) expect(c[0]).toBe(failedRecord);
  });

  it('turns a Lambda function error into a failed delivery, and its answer into a batch response', async () => {
    // Prepare: the two answers Invoke gives.
    const answers = [
      { FunctionError: 'Unhandled', Payload: Buffer.from('{"errorType":"Error"}') },
      { Payload: Buffer.from('{"batchItemFailures":[{"itemIdentifier":"7"}]}') },
    ];
    const sent: unknown[] = [];
    const lambda = {
      send: async (command: { input: unknown }) => {
        sent.push(command.input);
        return answers.shift();
      },
    } as unknown as LambdaClient;
    const deliver = lambdaDelivery(lambda, 'atm-ledger-dev-LedgerStream');
    const event = { Records: [] } as KinesisStreamEvent;

    // Act
    const failed = await deliver(event);
    const partial = await deliver(event);

    // Assess
    expect(failed).toEqual({ ok: false, error: 'Unhandled: {"errorType":"Error"}' });
    expect(partial).toEqual({
      ok: true,
      response: { batchItemFailures: [{ itemIdentifier: '7' }] },
    });
    expect(sent[0]).toMatchObject({
      FunctionName: 'atm-ledger-dev-LedgerStream',
      InvocationType: 'RequestResponse',
    });
  });

  it('runs from the command line: the handler in process, the table and poison queue named after the stream', async () => {
    // Act
    const cli = harnessCli;
    const { stdout } = await exec(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        cli,
        'replay',
        '--stream',
        cloud.resources.names.stream,
        '--from',
        from.toISOString(),
        '--to',
        to.toISOString(),
        '--aws-endpoint',
        inject('awsEndpoint'),
      ],
      { env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' }, timeout: 60_000 },
    );

    // Assess
    const report = JSON.parse(stdout) as ReplayReport;
    expect(report).toMatchObject({
      dryRun: false,
      recordsInWindow: ids.window.length,
      delivered: ids.window.length,
      notDelivered: 0,
      outcomes: { Duplicate: ids.window.length },
    });
  });
});
