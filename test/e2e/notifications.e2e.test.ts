import { randomUUID } from 'node:crypto';
import { LocalPipe } from '@atm-ledger/local-aws';
import { type LocalCloud, ledgerEventsPipeConfig, startLocalCloud } from '@atm-ledger/local-cloud';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';

interface Notification {
  readonly notificationId: string;
  readonly kind: string;
  readonly accountId: string;
  readonly transactionId: string;
  readonly message: string;
}

/**
 * Ledger changes leave the ledger through DynamoDB Streams, the Pipe,
 * EventBridge, SNS filter policies and SQS, and reach the notifiers: each
 * expected notification exactly once, whatever is delivered twice.
 */
describe('local cloud: notifications end to end', () => {
  let cloud: LocalCloud;
  let api: ReturnType<typeof apiClient>;
  const run = randomUUID().slice(0, 8);
  const account = `N-${run}`;
  const occurredAt = new Date().toISOString();
  const pan = '4000123412341234';

  const notifications = async () =>
    ((await api.get(`/local/notifications?accountId=${account}`)).body.items ??
      []) as Notification[];
  const withdraw = (id: string, amount: number) =>
    api.post('/v1/transactions', {
      transactionId: `${id}-${run}`,
      type: 'WITHDRAWAL',
      accountId: account,
      amount,
      currency: 'USD',
      atmId: 'atm-7',
      occurredAt,
      pan,
    });

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `e2n-${run}`,
      token: 'e2e',
    });
    api = apiClient(cloud.apiUrl, cloud.token);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('sends exactly the expected notifications, once each, and a replayed stream sends none again', async () => {
    // Prepare: threshold 10000 (the default), large withdrawal at 50000.
    expect((await api.post('/v1/accounts', { accountId: account, currency: 'USD' })).status).toBe(
      201,
    );

    // Act
    await api.post('/v1/transactions', {
      transactionId: `dep-${run}`,
      type: 'DEPOSIT',
      accountId: account,
      amount: 100_000,
      currency: 'USD',
      atmId: 'atm-7',
      occurredAt,
    });
    await withdraw('big', 60_000); // 100000 -> 40000: receipt + LARGE_WITHDRAWAL
    await withdraw('low', 35_000); // 40000 -> 5000: receipt + LOW_BALANCE (crossing 10000)
    await withdraw('low', 35_000); // a producer duplicate: nothing new
    await withdraw('nsf', 20_000); // 5000 < 20000: rejected, WITHDRAWAL_REJECTED
    await withdraw('small', 1_000); // 5000 -> 4000: receipt, no second LOW_BALANCE
    await api.post('/v1/transactions', {
      transactionId: `inq-${run}`,
      type: 'BALANCE_INQUIRY',
      accountId: account,
      atmId: 'atm-7',
      occurredAt,
    });

    // Assess
    const expected = [
      ['RECEIPT', `dep-${run}`],
      ['RECEIPT', `big-${run}`],
      ['LARGE_WITHDRAWAL', `big-${run}`],
      ['RECEIPT', `low-${run}`],
      ['LOW_BALANCE', `low-${run}`],
      ['WITHDRAWAL_REJECTED', `nsf-${run}`],
      ['RECEIPT', `small-${run}`],
    ].sort();
    const summary = (items: Notification[]) => items.map((n) => [n.kind, n.transactionId]).sort();
    await eventually(
      async () => ((await notifications()).length >= expected.length ? true : undefined),
      {
        timeoutMs: 20_000,
        what: `${expected.length} notifications`,
      },
    );
    // Give any duplicate time to arrive before judging.
    await new Promise((r) => setTimeout(r, 1_500));
    const first = await notifications();
    expect(summary(first)).toEqual(expected);
    expect(new Set(first.map((n) => n.notificationId)).size).toBe(first.length);
    for (const n of first) expect(n.message).not.toContain(pan);

    // Act: redeliver the whole DynamoDB stream through a second pipe, from the beginning.
    const options = sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' });
    const clients = {
      streams: new DynamoDBStreamsClient(options),
      eventbridge: new EventBridgeClient(options),
      dynamodb: new DynamoDBClient(options),
      sqs: new SQSClient(options),
    };
    const base = ledgerEventsPipeConfig(cloud.resources);
    const replay = new LocalPipe({
      config: { ...base, name: `${base.name}-replay` },
      enrichment: (await import('@atm-ledger/ledger/handlers/publish')).handler,
      clients,
      checkpointTableName: cloud.resources.names.checkpointTable,
    });
    await replay.start();
    await eventually(
      async () => (replay.stats().eventsDelivered >= first.length - 1 ? true : undefined),
      {
        timeoutMs: 20_000,
        what: 'the replayed events',
      },
    );
    await new Promise((r) => setTimeout(r, 2_000));
    await replay.stop();
    for (const c of Object.values(clients)) c.destroy();

    // Assess: the notifiers saw every event again and sent nothing twice.
    expect(summary(await notifications())).toEqual(expected);
  });
});
