import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notifierKindsSetting } from '@atm-ledger/contracts';
import { pkSkTableInput } from '@atm-ledger/ledger';
import {
  createQueueWithDlq,
  depth,
  harness,
  REGION,
  send,
  uniqueName,
  waitFor,
} from '@atm-ledger/local-aws/testing/sqs';
import { createNotifierHandler, readNotifierConfig } from '@atm-ledger/notifier';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { readNotifications } from '../../src/notifications.js';

const withdrawal = {
  type: 'ledger.transaction.posted',
  schemaVersion: 1,
  id: 'tx-1:posted',
  transactionId: 'tx-1',
  occurredAt: '2026-11-27T10:00:00.000Z',
  correlationId: 'corr-1',
  transactionType: 'WITHDRAWAL',
  accountId: 'acct-0001',
  atmId: 'atm-1',
  currency: 'USD',
  amount: 60_000,
  panLast4: '4242',
  postedAt: '2026-11-27T10:00:01.000Z',
  movements: [
    {
      accountId: 'acct-0001',
      amount: -60_000,
      balanceBefore: 65_000,
      balanceAfter: 5_000,
      lowBalanceThreshold: 10_000,
      sequence: 2,
    },
  ],
  legs: [],
};

/** What SNS puts on a queue subscribed without raw delivery, around what EventBridge sends. */
const snsEnvelope = (detail: unknown) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'sns-1',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:ledger-events',
    Message: JSON.stringify({
      version: '0',
      id: 'eb-1',
      'detail-type': 'ledger.transaction.posted',
      source: 'atm-ledger.ledger',
      detail,
    }),
  });

describe('notifiers on the local cloud: SQS mapping → handler → JSONL → GET /local/notifications', () => {
  let dynamodb: DynamoDBClient;
  let h: ReturnType<typeof harness>;
  let dir: string;
  let table: string;

  beforeAll(() => {
    dynamodb = new DynamoDBClient(
      sdkClientOptions({ endpoint: inject('awsEndpoint'), region: REGION }),
    );
  });
  afterAll(() => {
    dynamodb.destroy();
  });
  beforeEach(async () => {
    h = harness();
    dir = await mkdtemp(join(tmpdir(), 'notifier-pipeline-'));
    table = uniqueName('notifier');
    await dynamodb.send(new CreateTableCommand(pkSkTableInput(table)));
  });
  afterEach(async () => {
    await h.cleanup();
    await dynamodb.send(new DeleteTableCommand({ TableName: table }));
    await rm(dir, { recursive: true, force: true });
  });

  const notifier = (kinds: string, path: string) =>
    createNotifierHandler(readNotifierConfig(env(kinds, path)), {
      metrics: false,
      logLevel: 'SILENT',
    });
  const env = (kinds: string, path: string) => ({
    AWS_REGION: REGION,
    LEDGER_AWS_ENDPOINT: inject('awsEndpoint'),
    NOTIFIER_TABLE_NAME: table,
    NOTIFIER_KINDS: kinds,
    NOTIFIER_CHANNEL: 'jsonl',
    NOTIFIER_JSONL_PATH: path,
  });

  it('sends each notification once, from two notifiers sharing one file, despite a redelivered event', async () => {
    // Prepare
    const path = join(dir, 'notifications.jsonl');
    const receipts = await createQueueWithDlq(h.sqs);
    const alerts = await createQueueWithDlq(h.sqs);
    h.mapping(receipts.source.arn, notifier(notifierKindsSetting('receipts'), path), {
      functionName: 'notifier-receipts',
    });
    h.mapping(alerts.source.arn, notifier(notifierKindsSetting('alerts'), path), {
      functionName: 'notifier-alerts',
    });

    // Act: SNS fans the event out to both queues, and delivers it to the receipts queue twice.
    await send(h.sqs, receipts.source.url, snsEnvelope(withdrawal));
    await send(h.sqs, receipts.source.url, snsEnvelope(withdrawal));
    await send(h.sqs, alerts.source.url, snsEnvelope(withdrawal));
    await Promise.all(h.mappings.map((m) => m.start()));
    await waitFor(
      () => h.mappings.reduce((n, m) => n + m.stats().messagesDeleted, 0) === 3,
      'all three messages are done',
    );

    // Assess
    const sent = await readNotifications(path);
    expect(sent.map((n) => n.notificationId).sort()).toEqual([
      'tx-1:posted:LARGE_WITHDRAWAL:acct-0001',
      'tx-1:posted:LOW_BALANCE:acct-0001',
      'tx-1:posted:RECEIPT:acct-0001',
    ]);
    expect(sent.every((n) => !/[0-9]{12}/.test(n.message))).toBe(true);
  });

  it('dead-letters a message the notifier can never read, after maxReceiveCount receives', async () => {
    // Prepare
    const path = join(dir, 'notifications.jsonl');
    const { source, dlq } = await createQueueWithDlq(h.sqs, { maxReceiveCount: 3 });
    const esm = h.mapping(source.arn, notifier('RECEIPT', path));
    await send(h.sqs, source.url, '{"type":"ledger.account.closed"}');

    // Act
    await esm.start();
    await waitFor(
      async () => (await depth(h.sqs, dlq.url)).visible === 1,
      'it is dead-lettered',
      20_000,
    );

    // Assess
    expect(esm.stats()).toMatchObject({ invocations: 3, messagesFailed: 3, messagesDeleted: 0 });
    expect(await readNotifications(path)).toEqual([]);
  });
});
