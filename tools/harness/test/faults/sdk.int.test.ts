import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AtmTransaction, type AtmTransactionRecord, payloadHash } from '@atm-ledger/contracts';
import { KinesisTransactionPublisher } from '@atm-ledger/ingest';
import {
  DynamoDbLedgerStore,
  emptyAccount,
  pkSkTableInput,
  postTransaction,
} from '@atm-ledger/ledger';
import {
  DynamoDbIdempotencyStore,
  deliverOnce,
  type IdempotencyStore,
  type Notification,
} from '@atm-ledger/notifier';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  InternalException,
  PutEventsCommand,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InternalFailureException,
  KinesisClient,
  ProvisionedThroughputExceededException as KinesisThroughputExceeded,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  InternalErrorException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  RequestThrottled,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  FaultDice,
  FaultJournal,
  parseFaultSpec,
  readFaultJournal,
  sdkFaults,
} from '../../src/faults/index.js';

/*
 * Every fault class against the real emulator, over the wire, with the real
 * SDK above the faulted HTTP handler: what the caller sees is what AWS would
 * make it see, and what the service holds afterwards is what really happened.
 */

const endpoint = inject('awsEndpoint');
const region = 'us-east-1';
/** The faults of the running case; a platform client never gets them. */
let armed: ReturnType<typeof sdkFaults> | undefined;
const clientOptions = (opts: { platform?: boolean } = {}) =>
  sdkClientOptions(
    { endpoint, region },
    { requestHandler: opts.platform === true ? undefined : armed?.requestHandler },
  );
const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Clients of the test itself: platform clients, which no fault ever touches. */
const setup = {
  dynamodb: new DynamoDBClient(clientOptions({ platform: true })),
  kinesis: new KinesisClient(clientOptions({ platform: true })),
  sqs: new SQSClient(clientOptions({ platform: true })),
  sns: new SNSClient(clientOptions({ platform: true })),
};

const names = {
  table: uniqueName('faults'),
  stream: uniqueName('faults'),
  queue: uniqueName('faults'),
  topic: uniqueName('faults'),
};
let queueUrl: string;
let topicArn: string;

const built: { destroy(): void }[] = [];

/** Arms faults for one case; clients built after this (and not platform) get them. */
function faults(text: string): FaultJournal {
  const journal = new FaultJournal();
  armed = sdkFaults(new FaultDice(parseFaultSpec(text)), journal);
  return journal;
}

function client<T extends { destroy(): void }>(make: () => T): T {
  const c = make();
  built.push(c);
  return c;
}

const itemKey = (id: string) => ({ pk: { S: id }, sk: { S: 'item' } });

async function itemExists(id: string): Promise<boolean> {
  const got = await setup.dynamodb.send(
    new GetItemCommand({ TableName: names.table, Key: itemKey(id), ConsistentRead: true }),
  );
  return got.Item !== undefined;
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

const statusOf = (error: Record<string, unknown>) =>
  (error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;

beforeAll(async () => {
  await setup.dynamodb.send(new CreateTableCommand(pkSkTableInput(names.table)));
  await setup.kinesis.send(new CreateStreamCommand({ StreamName: names.stream, ShardCount: 1 }));
  queueUrl = (await setup.sqs.send(new CreateQueueCommand({ QueueName: names.queue })))
    .QueueUrl as string;
  topicArn = (await setup.sns.send(new CreateTopicCommand({ Name: names.topic })))
    .TopicArn as string;
});

afterEach(() => {
  armed?.disarm();
  armed = undefined;
  for (const c of built.splice(0)) c.destroy();
});

afterAll(async () => {
  await setup.dynamodb.send(new DeleteTableCommand({ TableName: names.table }));
  await setup.kinesis.send(new DeleteStreamCommand({ StreamName: names.stream }));
  await setup.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  await setup.sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
  for (const c of Object.values(setup)) c.destroy();
});

/** One write per service, on a client built now with `maxAttempts`. */
const services = [
  {
    service: 'DynamoDB PutItem',
    send: (maxAttempts?: number) =>
      client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts })).send(
        new PutItemCommand({ TableName: names.table, Item: itemKey(randomUUID()) }),
      ),
    throttle: { type: ProvisionedThroughputExceededException, status: 400 },
    serverError: { type: InternalServerError, status: 500 },
  },
  {
    service: 'Kinesis PutRecord',
    send: (maxAttempts?: number) =>
      client(() => new KinesisClient({ ...clientOptions(), maxAttempts })).send(
        new PutRecordCommand({
          StreamName: names.stream,
          PartitionKey: 'acct-1',
          Data: new TextEncoder().encode('{}'),
        }),
      ),
    throttle: { type: KinesisThroughputExceeded, status: 400 },
    serverError: { type: InternalFailureException, status: 500 },
  },
  {
    service: 'EventBridge PutEvents',
    send: (maxAttempts?: number) =>
      client(() => new EventBridgeClient({ ...clientOptions(), maxAttempts })).send(
        new PutEventsCommand({
          Entries: [{ Source: 'faults.test', DetailType: 'probe', Detail: '{}' }],
        }),
      ),
    throttle: { type: ThrottlingException, status: 400 },
    serverError: { type: InternalException, status: 500 },
  },
  {
    service: 'SQS SendMessage',
    send: (maxAttempts?: number) =>
      client(() => new SQSClient({ ...clientOptions(), maxAttempts })).send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'probe' }),
      ),
    throttle: { type: RequestThrottled, status: 403 },
    // SQS models no internal error: the SDK gives its base class, named after the code.
    serverError: { type: SQSServiceException, status: 500, name: 'InternalFailure' },
  },
  {
    service: 'SNS Publish',
    send: (maxAttempts?: number) =>
      client(() => new SNSClient({ ...clientOptions(), maxAttempts })).send(
        new PublishCommand({ TopicArn: topicArn, Message: 'probe' }),
      ),
    throttle: { type: ThrottledException, status: 429 },
    serverError: { type: InternalErrorException, status: 500 },
  },
];

describe('fault throttle: a synthetic throttling response in the service protocol', () => {
  it.each(services)(
    '$service fails with the real throttling exception and status',
    async ({ send, throttle }) => {
      // Prepare
      const journal = faults('throttle=1');

      // Act
      const error = await rejection(send(1));

      // Assess
      expect(error).toBeInstanceOf(throttle.type);
      expect(statusOf(error)).toBe(throttle.status);
      expect(error.$fault).toBe('client');
      expect(journal.counts().throttle).toBe(1);
    },
  );

  it.each(services)('$service succeeds on the SDK retry after one throttle', async ({ send }) => {
    // Prepare
    const journal = faults('throttle=@1');

    // Act
    const output = await send();

    // Assess
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.$metadata.attempts).toBe(2);
    expect(journal.counts().throttle).toBe(1);
  });

  it('sends nothing: the throttled DynamoDB write never reaches the table', async () => {
    // Prepare
    faults('throttle=1');
    const dynamodb = client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts: 1 }));
    const id = randomUUID();

    // Act
    const error = await rejection(
      dynamodb.send(new PutItemCommand({ TableName: names.table, Item: itemKey(id) })),
    );

    // Assess
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((error as unknown as ProvisionedThroughputExceededException).ThrottlingReasons).toEqual([
      {
        reason: 'TableWriteKeyRangeThroughputExceeded',
        resource: `arn:aws:dynamodb:${region}:123456789012:table/${names.table}`,
      },
    ]);
    expect(await itemExists(id)).toBe(false);
  });

  it('with p=0.5 and default retries, every call gets through, one SDK retry per throttle', async () => {
    // Prepare: with this seed the dice throttle 4 of the 10 attempts, never 3 in a row.
    const journal = faults('throttle=0.5,seed=3');
    const dynamodb = client(() => new DynamoDBClient(clientOptions()));
    const ids = Array.from({ length: 6 }, () => randomUUID());

    // Act
    const attempts: number[] = [];
    for (const id of ids) {
      const out = await dynamodb.send(
        new PutItemCommand({ TableName: names.table, Item: itemKey(id) }),
      );
      attempts.push(out.$metadata.attempts ?? 0);
    }

    // Assess
    expect(attempts.some((a) => a > 1)).toBe(true);
    expect(attempts.reduce((n, a) => n + a - 1, 0)).toBe(journal.counts().throttle);
    for (const id of ids) expect(await itemExists(id)).toBe(true);
  });
});

describe('fault server-error: a synthetic 5xx in the service protocol', () => {
  it.each(services)(
    '$service fails with the real internal error and status',
    async ({ send, serverError }) => {
      // Prepare
      const journal = faults('server-error=1');

      // Act
      const error = await rejection(send(1));

      // Assess
      expect(error).toBeInstanceOf(serverError.type);
      if ('name' in serverError) expect(error.name).toBe(serverError.name);
      expect(statusOf(error)).toBe(serverError.status);
      expect(error.$fault).toBe('server');
      expect(journal.counts()['server-error']).toBe(1);
    },
  );

  it('with p=0.5 and default retries, DynamoDB calls get through, one SDK retry per 5xx', async () => {
    // Prepare: with this seed the dice fail 4 of the 10 attempts, never 3 in a row.
    const journal = faults('server-error=0.5,seed=1');
    const dynamodb = client(() => new DynamoDBClient(clientOptions()));
    const ids = Array.from({ length: 6 }, () => randomUUID());

    // Act
    const attempts: number[] = [];
    for (const id of ids) {
      const out = await dynamodb.send(
        new PutItemCommand({ TableName: names.table, Item: itemKey(id) }),
      );
      attempts.push(out.$metadata.attempts ?? 0);
    }

    // Assess
    expect(attempts.some((a) => a > 1)).toBe(true);
    expect(attempts.reduce((n, a) => n + a - 1, 0)).toBe(journal.counts()['server-error']);
    for (const id of ids) expect(await itemExists(id)).toBe(true);
  });
});

describe('fault timeout-after-write: the write lands, the caller hears a timeout', () => {
  it('the caller gets the handler timeout error, and the item was written all the same', async () => {
    // Prepare
    const journal = faults('timeout-after-write=1');
    const dynamodb = client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts: 1 }));
    const id = randomUUID();

    // Act
    const error = await rejection(
      dynamodb.send(new PutItemCommand({ TableName: names.table, Item: itemKey(id) })),
    );

    // Assess
    expect(error.name).toBe('TimeoutError');
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toContain('requestTimeout');
    expect(await itemExists(id)).toBe(true);
    expect(journal.counts()['timeout-after-write']).toBe(1);
  });

  it('the SDK retries the write, and a conditional put meets its own first attempt', async () => {
    // Prepare
    const journal = faults('timeout-after-write=1');
    const dynamodb = client(() => new DynamoDBClient(clientOptions()));
    const id = randomUUID();

    // Act
    const error = await rejection(
      dynamodb.send(
        new PutItemCommand({
          TableName: names.table,
          Item: itemKey(id),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );

    // Assess: attempt 1 wrote and "timed out"; attempt 2 found the item: written once.
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error.$metadata as { attempts?: number }).attempts).toBe(2);
    expect(journal.counts()['timeout-after-write']).toBe(1);
    expect(await itemExists(id)).toBe(true);
  });

  it('only writes are eligible: reads pass untouched', async () => {
    // Prepare
    const journal = faults('timeout-after-write=1');
    const dynamodb = client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts: 1 }));

    // Act
    const got = await dynamodb.send(
      new GetItemCommand({ TableName: names.table, Key: itemKey('absent') }),
    );

    // Assess
    expect(got.Item).toBeUndefined();
    expect(journal.counts()['timeout-after-write']).toBe(0);
  });
});

const ledgerAt = '2026-11-27T09:00:00.000Z';

/** A deposit of 7,000 into `accountId` at {@link ledgerAt}. */
const deposit = (transactionId: string, accountId: string): AtmTransaction => ({
  transactionId,
  type: 'DEPOSIT',
  accountId,
  atmId: 'atm-1',
  occurredAt: ledgerAt,
  amount: 7_000,
  currency: 'USD',
});

/** A new empty USD account on the test table, written by a clean (never faulted) store. */
async function openLedgerAccount() {
  const accountId = uniqueName('acct');
  const clean = new DynamoDbLedgerStore(setup.dynamodb, names.table);
  await clean.createAccount(
    emptyAccount({
      accountId,
      currency: 'USD',
      overdraftLimit: 0,
      lowBalanceThreshold: 0,
      createdAt: ledgerAt,
    }),
  );
  return { accountId, clean };
}

/*
 * The write lands, the answer is lost, the transaction is retried: it must be
 * applied once and reported as already applied, not as an error. Retried by
 * the SDK, the request is the same bytes with the same ClientRequestToken
 * (the SDK fills it once, before its retry loop). DynamoDB answers such a
 * repeat within ten minutes as the success it was, so in AWS that path ends
 * POSTED; moto ignores the token, and the conditional put of the transaction
 * item cancels the repeat instead: DUPLICATE. Retried by postTransaction, it
 * is a new request with a new token: DUPLICATE in both. Either way the balance
 * moves once and there is one entry.
 */
describe('postTransaction under timeout-after-write on its TransactWriteItems (ledger rule 9)', () => {
  it.each([
    { retriedBy: 'the SDK (maxAttempts 3, as the ledger is wired)', maxAttempts: 3 },
    { retriedBy: 'postTransaction itself (SDK maxAttempts 1)', maxAttempts: 1 },
  ])(
    'posts exactly once when retried by $retriedBy: a duplicate, not an error',
    async ({ maxAttempts }) => {
      // Prepare
      const { accountId, clean } = await openLedgerAccount();
      const journal = faults('timeout-after-write=@1');
      const store = new DynamoDbLedgerStore(
        client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts })),
        names.table,
      );
      const transaction = deposit(uniqueName('d'), accountId);

      // Act
      const outcome = await postTransaction(
        { store, clock: { now: () => new Date(ledgerAt) } },
        { kind: 'PostTransaction', transaction, payloadHash: payloadHash(transaction) },
      );

      // Assess
      expect(journal.counts()['timeout-after-write']).toBe(1);
      expect(outcome.outcome).toBe('DUPLICATE');
      expect(outcome.record.status).toBe('POSTED');
      expect((await clean.getAccount(accountId))?.balance).toBe(7_000);
      expect((await clean.listEntries(accountId, 10)).items).toHaveLength(1);
    },
  );
});

/**
 * The notifier's claim and completion are conditional writes. When one lands
 * but its answer is lost, the repeat (the SDK's, or deliverOnce's own for the
 * completion) fails its condition on the very record it wrote, under its own
 * claim token: that is success. Read otherwise, a lost claim answer would fail
 * the message as "in flight" until the claim expired and then raise a false
 * possible-duplicate warning, and a lost completion answer would be reported
 * as a lost claim, or left INPROGRESS for a redelivery to send again.
 */
describe('deliverOnce under timeout-after-write on its own writes', () => {
  const now = new Date('2026-11-27T09:00:00.000Z');
  const clock = { now: () => now };
  const options = { recordTtlSeconds: 3_600 };

  it.each([
    { write: 'claim', retriedBy: 'the SDK (maxAttempts 3, as wired)', maxAttempts: 3 },
    { write: 'completion', retriedBy: 'the SDK (maxAttempts 3, as wired)', maxAttempts: 3 },
    { write: 'completion', retriedBy: 'deliverOnce (SDK maxAttempts 1)', maxAttempts: 1 },
  ] as const)(
    'sends once and marks it COMPLETED, with the $write faulted and retried by $retriedBy',
    async ({ write, maxAttempts }) => {
      // Prepare: with `@1` the first faulted write is the claim, unless a clean client claims first.
      const notificationId = uniqueName('tx:posted:RECEIPT:acct');
      const notification: Notification = {
        notificationId,
        kind: 'RECEIPT',
        accountId: 'acct-1',
        transactionId: 'tx',
        createdAt: now.toISOString(),
        message: 'Receipt',
      };
      const clean = new DynamoDbIdempotencyStore(setup.dynamodb, names.table, clock, options);
      const cleanClaim =
        write === 'completion'
          ? await clean.claim(notificationId, { inProgressMs: 30_000 })
          : undefined;
      const journal = faults('timeout-after-write=@1');
      const faulted = new DynamoDbIdempotencyStore(
        client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts })),
        names.table,
        clock,
        options,
      );
      const idempotency: IdempotencyStore = {
        claim: async (key, o) => cleanClaim ?? faulted.claim(key, o),
        complete: (c) => faulted.complete(c),
        release: (c) => faulted.release(c),
      };
      const sent: Notification[] = [];
      const channel = {
        name: 'recording',
        send: async (n: Notification) => {
          sent.push(n);
          return { kind: 'Delivered' as const };
        },
      };

      // Act
      const outcome = await deliverOnce(
        { idempotency, channel, clock, sleep: async () => undefined },
        notification,
        { inProgressMs: 30_000 },
      );
      const again = await clean.claim(notificationId, { inProgressMs: 30_000 });

      // Assess
      expect(journal.counts()['timeout-after-write']).toBe(1);
      expect(outcome).toMatchObject({ kind: 'Sent', completion: 'Completed', tookOver: false });
      expect(again.kind).toBe('AlreadyCompleted');
      expect(sent).toHaveLength(1);
    },
  );
});

describe('the notifier claim when its put landed but the SDK gave up', () => {
  it('takes the landed claim back, so the retry claims at once with no takeover', async () => {
    // Prepare: attempt 1 lands and times out, attempt 2 is throttled, and the SDK stops there.
    const now = new Date('2026-11-27T09:00:00.000Z');
    const clock = { now: () => now };
    const options = { recordTtlSeconds: 3_600 };
    const notificationId = uniqueName('tx:posted:RECEIPT:acct');
    const journal = faults('timeout-after-write=@1,throttle=@2');
    const faulted = new DynamoDbIdempotencyStore(
      client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts: 2 })),
      names.table,
      clock,
      options,
    );
    const clean = new DynamoDbIdempotencyStore(setup.dynamodb, names.table, clock, options);

    // Act
    const failure = await rejection(faulted.claim(notificationId, { inProgressMs: 30_000 }));
    const retry = await clean.claim(notificationId, { inProgressMs: 30_000 });

    // Assess
    expect(journal.counts()).toMatchObject({ 'timeout-after-write': 1, throttle: 1 });
    expect(failure.name).toBe('IdempotencyStoreError');
    expect(retry).toMatchObject({ kind: 'Claimed', tookOver: false });
  });
});

/** The data of every record on the test stream under `partitionKey`, in stream order. */
async function streamRecords(partitionKey: string): Promise<string[]> {
  const shards = await setup.kinesis.send(new ListShardsCommand({ StreamName: names.stream }));
  const out: string[] = [];
  for (const shard of shards.Shards ?? []) {
    const { ShardIterator } = await setup.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: names.stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = ShardIterator;
    for (let page = 0; iterator !== undefined && page < 20; page++) {
      const got = await setup.kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }),
      );
      for (const r of got.Records ?? []) {
        if (r.PartitionKey === partitionKey) out.push(new TextDecoder().decode(r.Data));
      }
      if ((got.Records ?? []).length === 0) break;
      iterator = got.NextShardIterator;
    }
  }
  return out;
}

describe('fault transaction-throttled: DynamoDB cancels a transaction for throttling', () => {
  it('answers TransactionCanceledException with a ThrottlingError reason; the SDK does not retry; nothing is written', async () => {
    // Prepare
    const journal = faults('transaction-throttled=@1');
    const ddb = client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts: 3 }));
    const [a, b] = [randomUUID(), randomUUID()];

    // Act
    const error = await rejection(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: names.table, Item: itemKey(a) } },
            { Put: { TableName: names.table, Item: itemKey(b) } },
          ],
        }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(statusOf(error)).toBe(400);
    expect((error.$metadata as { attempts?: number }).attempts).toBe(1);
    expect((error as unknown as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ThrottlingError', Message: expect.stringContaining('Throughput exceeds') },
    ]);
    expect(journal.counts()['transaction-throttled']).toBe(1);
    expect(await itemExists(a)).toBe(false);
    expect(await itemExists(b)).toBe(false);
  });

  it('is read by the ledger as "try again", not as a failed condition: posted once', async () => {
    // Prepare
    const { accountId, clean } = await openLedgerAccount();
    const journal = faults('transaction-throttled=@1');
    const store = new DynamoDbLedgerStore(
      client(() => new DynamoDBClient(clientOptions())),
      names.table,
    );
    const transaction = deposit(uniqueName('d'), accountId);

    // Act
    const outcome = await postTransaction(
      { store, clock: { now: () => new Date(ledgerAt) }, sleep: async () => undefined },
      { kind: 'PostTransaction', transaction, payloadHash: payloadHash(transaction) },
    );

    // Assess
    expect(journal.counts()['transaction-throttled']).toBe(1);
    expect(outcome.outcome).toBe('POSTED');
    expect((await clean.getAccount(accountId))?.balance).toBe(7_000);
    expect((await clean.listEntries(accountId, 10)).items).toHaveLength(1);
  });
});

describe('fault partial-batch: Kinesis accepts part of a PutRecords', () => {
  it('refuses every other record in a 200 answer and puts the rest, in request order', async () => {
    // Prepare
    const journal = faults('partial-batch=@1');
    const kinesis = client(() => new KinesisClient(clientOptions()));
    const key = uniqueName('pk');
    const data = ['r0', 'r1', 'r2', 'r3', 'r4'];

    // Act
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: names.stream,
        Records: data.map((d) => ({ PartitionKey: key, Data: new TextEncoder().encode(d) })),
      }),
    );

    // Assess
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.FailedRecordCount).toBe(3);
    expect(out.Records?.map((r) => r.ErrorCode ?? 'ok')).toEqual([
      'ProvisionedThroughputExceededException',
      'ok',
      'ProvisionedThroughputExceededException',
      'ok',
      'ProvisionedThroughputExceededException',
    ]);
    expect(out.Records?.[1]?.SequenceNumber).toMatch(/^[0-9]+$/);
    expect(journal.counts()['partial-batch']).toBe(1);
    expect(await streamRecords(key)).toEqual(['r1', 'r3']);
  });

  it('has ingest re-put only the refused records: each lands once, in the account’s order', async () => {
    // Prepare
    const journal = faults('partial-batch=@1');
    const publisher = new KinesisTransactionPublisher(
      client(() => new KinesisClient(clientOptions())),
      names.stream,
      { baseDelayMs: 1 },
    );
    const accountId = uniqueName('acct');
    const records = ['a', 'b', 'c'].map(
      (suffix): AtmTransactionRecord => ({
        type: 'atm.transaction.accepted',
        schemaVersion: 1,
        id: `${accountId}-${suffix}`,
        correlationId: `${accountId}-${suffix}`,
        receivedAt: '2026-11-27T09:00:00.000Z',
        transaction: {
          transactionId: `${accountId}-${suffix}`,
          type: 'DEPOSIT',
          accountId,
          atmId: 'atm-1',
          occurredAt: '2026-11-27T09:00:00.000Z',
          amount: 100,
          currency: 'USD',
        },
      }),
    );

    // Act
    await publisher.publish(records);

    // Assess
    const landed = (await streamRecords(accountId)).map(
      (d) =>
        (JSON.parse(d) as { transaction: { transactionId: string } }).transaction.transactionId,
    );
    expect(journal.counts()['partial-batch']).toBe(1);
    expect(landed).toEqual(records.map((r) => r.transaction.transactionId));
  });
});

describe('platform clients', () => {
  it('are never faulted, while handler clients built beside them are', async () => {
    // Prepare
    const journal = faults('throttle=1,server-error=1,timeout-after-write=1');
    const platform = client(() => new DynamoDBClient(clientOptions({ platform: true })));
    const handler = client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts: 1 }));
    const id = randomUUID();

    // Act
    const put = await platform.send(
      new PutItemCommand({ TableName: names.table, Item: itemKey(id) }),
    );
    const got = await platform.send(
      new GetItemCommand({ TableName: names.table, Key: itemKey(id) }),
    );
    const refused = await rejection(
      handler.send(new GetItemCommand({ TableName: names.table, Key: itemKey(id) })),
    );

    // Assess
    expect(put.$metadata.attempts).toBe(1);
    expect(got.Item).toBeDefined();
    expect(refused).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(journal.counts()).toMatchObject({
      throttle: 1,
      'server-error': 0,
      'timeout-after-write': 0,
    });
  });

  it('and once disarmed, clients built while faults were on pass every request', async () => {
    // Prepare
    const journal = faults('throttle=1');
    const handler = client(() => new DynamoDBClient({ ...clientOptions(), maxAttempts: 1 }));
    armed?.disarm();

    // Act
    const got = await handler.send(
      new GetItemCommand({ TableName: names.table, Key: itemKey('absent') }),
    );

    // Assess
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(journal.counts().throttle).toBe(0);
  });
});

describe('fault kill-after-write', () => {
  const fixture = fileURLToPath(new URL('./fixtures/kill-after-write.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

  it('SIGKILLs the process right after a write succeeded, journaled first', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'kill-after-write-'));
    const journalPath = join(dir, 'faults.jsonl');
    const id = randomUUID();

    try {
      // Act
      const child = spawn(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', fixture, endpoint, names.table, id, journalPath],
        { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr.on('data', (b: Buffer) => (output += b.toString()));
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('exit', (c, s) => resolve([c, s])),
      );

      // Assess
      expect({ code, signal, output }).toMatchObject({ code: null, signal: 'SIGKILL' });
      expect(output).not.toContain('survived');
      const records = readFaultJournal(journalPath);
      expect(records).toEqual([
        expect.objectContaining({
          fault: 'kill-after-write',
          detail: 'dynamodb.PutItem',
          pid: child.pid,
        }),
      ]);
      expect(await itemExists(id)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
