import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { DynamoDBClient, paginateListTables, paginateScan } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';
import {
  captureOutput,
  findPans,
  randomPan,
  type ScannedLocation,
  toScannableJson,
} from '../support/panScan.js';

/**
 * PAN protection, end to end: card numbers posted to the API (and written
 * onto the stream by a producer that is not ingest) must never be stored,
 * published or logged in clear. Only the last 4 digits may travel.
 *
 * The whole pipeline runs on the local cloud with the handlers logging at
 * DEBUG; capture queues listen on the fan-out topic and the event bus. Once
 * every transaction is decided and notified, every place a PAN could end up
 * is read back and searched: every item of every table, the table's change
 * stream, every message of every queue (dead-letter queues included), the
 * topic and the bus, the Kinesis stream, the notification channel, the API's
 * answers and everything the process wrote.
 */
describe('PAN protection: a card number is never stored, published or logged in clear', () => {
  const run = randomUUID().slice(0, 8);
  const prefix = `pan-${run}`;
  const accountA = `P-${run}-A`;
  const accountB = `P-${run}-B`;
  const missing = `P-${run}-X`;
  const occurredAt = new Date().toISOString();
  const taken = new Set<string>();
  const pan = (length: number) => randomPan(length, taken);

  /** PANs on valid requests, by transaction (lengths span what the API accepts, 12-19). */
  const valid = {
    dep: pan(16),
    wd: pan(16),
    nsf: pan(15),
    nof: pan(19),
    tr: pan(13),
    inq: pan(14),
    rev: pan(12),
    erev: pan(17),
    wd2: pan(18),
    conflict: pan(16),
  };
  /** PANs on requests the API refuses with 400. */
  const refused = {
    spaced: pan(16),
    badAmount: pan(16),
    unknownField: pan(16),
    tooLong: pan(19),
    asNumber: pan(15),
    malformed: pan(16),
  };
  /** PANs a producer other than ingest puts onto the stream inside records. */
  const onStream = {
    invalidRecord: pan(16),
    notJson: pan(16),
    typeField: pan(16),
    extraField: pan(16),
  };

  const responses: string[] = [];
  const locations: ScannedLocation[] = [];
  let cloud: LocalCloud | undefined;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    output = captureOutput();
    try {
      cloud = await startLocalCloud({
        port: 0,
        awsEndpoint: inject('awsEndpoint'),
        prefix,
        token: 'pan-scan',
        // Every log line the functions can write is scanned, the debug ones too.
        logLevel: 'DEBUG',
      });
      await exercise(cloud);
      await cloud.stop();
      await scan(cloud);
    } finally {
      output.restore();
    }
  }, 420_000);

  /** Capture queues on the topic and the bus, then every kind of request, valid or not, each with a PAN. */
  async function exercise(c: LocalCloud) {
    const options = sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' });
    const sqs = new SQSClient(options);
    const sns = new SNSClient(options);
    const eventbridge = new EventBridgeClient(options);
    const kinesis = new KinesisClient(options);
    try {
      const queue = async (name: string) => {
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
        );
        return { url: QueueUrl ?? '', arn: Attributes?.QueueArn ?? '' };
      };
      // The SNS envelope as well as the message: raw delivery off.
      const topicCapture = await queue(`${prefix}-capture-topic`);
      await sns.send(
        new SubscribeCommand({
          TopicArn: c.resources.ledgerEventsTopicArn,
          Protocol: 'sqs',
          Endpoint: topicCapture.arn,
        }),
      );
      // Everything on the bus, whatever its source.
      const busCapture = await queue(`${prefix}-capture-bus`);
      await eventbridge.send(
        new PutRuleCommand({
          Name: `${prefix}-capture`,
          EventBusName: c.resources.eventBusName,
          EventPattern: JSON.stringify({ source: [{ prefix: '' }] }),
          State: 'ENABLED',
        }),
      );
      await eventbridge.send(
        new PutTargetsCommand({
          Rule: `${prefix}-capture`,
          EventBusName: c.resources.eventBusName,
          Targets: [{ Id: 'capture', Arn: busCapture.arn }],
        }),
      );

      const api = apiClient(c.apiUrl, c.token);
      const call = async (method: 'get' | 'post', path: string, body?: unknown) => {
        const response =
          method === 'get' ? await api.get(path) : await api.post(path, body as unknown);
        responses.push(
          `${method.toUpperCase()} ${path} ${response.status} ${JSON.stringify(response.body)}`,
        );
        return response;
      };
      const raw = async (body: string) => {
        const response = await fetch(`${c.apiUrl}/v1/transactions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
          body,
        });
        const text = await response.text();
        responses.push(`POST /v1/transactions ${response.status} ${text}`);
        return { status: response.status, text };
      };
      const base = (id: string, accountId = accountA) => ({
        transactionId: `${id}-${run}`,
        accountId,
        atmId: 'atm-9',
        occurredAt,
      });

      for (const accountId of [accountA, accountB]) {
        expect((await call('post', '/v1/accounts', { accountId, currency: 'USD' })).status).toBe(
          201,
        );
      }
      const accepted = async (body: Record<string, unknown>) =>
        expect((await call('post', '/v1/transactions', body)).status).toBe(202);
      const usd = { currency: 'USD' };
      await accepted({ ...base('dep'), type: 'DEPOSIT', amount: 100_000, ...usd, pan: valid.dep });
      await accepted({ ...base('wd'), type: 'WITHDRAWAL', amount: 60_000, ...usd, pan: valid.wd });
      await accepted({
        ...base('nsf'),
        type: 'WITHDRAWAL',
        amount: 10_000_000,
        ...usd,
        pan: valid.nsf,
      });
      await accepted({
        ...base('nof', missing),
        type: 'WITHDRAWAL',
        amount: 100,
        ...usd,
        pan: valid.nof,
      });
      await accepted({
        ...base('tr'),
        type: 'TRANSFER',
        amount: 1_000,
        ...usd,
        toAccountId: accountB,
        pan: valid.tr,
      });
      await accepted({ ...base('inq'), type: 'BALANCE_INQUIRY', pan: valid.inq });
      await accepted({
        ...base('rev'),
        type: 'REVERSAL',
        originalTransactionId: `wd-${run}`,
        dispensedAmount: 50_000,
        pan: valid.rev,
      });
      // A reversal before its original, then the original.
      await accepted({
        ...base('erev'),
        type: 'REVERSAL',
        originalTransactionId: `wd2-${run}`,
        pan: valid.erev,
      });
      await accepted({ ...base('wd2'), type: 'WITHDRAWAL', amount: 2_000, ...usd, pan: valid.wd2 });
      // The same id with another card: refused at the door, and the 409 names the field, not the card.
      const conflict = await call('post', '/v1/transactions', {
        ...base('dep'),
        type: 'DEPOSIT',
        amount: 100_000,
        ...usd,
        pan: valid.conflict,
      });
      expect(conflict.status).toBe(409);
      // A producer retry: a duplicate.
      await accepted({
        ...base('tr'),
        type: 'TRANSFER',
        amount: 1_000,
        ...usd,
        toAccountId: accountB,
        pan: valid.tr,
      });

      // Refused requests: the problem body must not echo the card number.
      const refusedBodies: Record<keyof typeof refused, string> = {
        spaced: JSON.stringify({
          ...base('bad1'),
          type: 'WITHDRAWAL',
          amount: 100,
          ...usd,
          pan: refused.spaced.replace(/(\d{4})(?=\d)/g, '$1 '),
        }),
        badAmount: JSON.stringify({
          ...base('bad2'),
          type: 'WITHDRAWAL',
          amount: -5,
          ...usd,
          pan: refused.badAmount,
        }),
        unknownField: JSON.stringify({
          ...base('bad3'),
          type: 'WITHDRAWAL',
          amount: 100,
          ...usd,
          cardNumber: refused.unknownField,
        }),
        tooLong: JSON.stringify({
          ...base('bad4'),
          type: 'DEPOSIT',
          amount: 100,
          ...usd,
          pan: `${refused.tooLong}0`,
        }),
        asNumber: JSON.stringify({
          ...base('bad5'),
          type: 'DEPOSIT',
          amount: 100,
          ...usd,
          pan: Number(refused.asNumber),
        }),
        malformed: `{"transactionId":"bad6-${run}","type":"WITHDRAWAL","pan":"${refused.malformed}",`,
      };
      for (const [what, body] of Object.entries(refusedBodies)) {
        const response = await raw(body);
        expect(response.status, what).toBe(400);
      }

      // A producer other than ingest writes card numbers onto the stream.
      const record = (id: string, transaction: Record<string, unknown>) => ({
        type: 'atm.transaction.accepted',
        schemaVersion: 1,
        id: `${id}-${run}`,
        correlationId: `pan-scan-${run}`,
        receivedAt: occurredAt,
        transaction: { ...base(id), ...transaction },
      });
      const put = (data: string) =>
        kinesis.send(
          new PutRecordCommand({
            StreamName: c.resources.names.stream,
            PartitionKey: accountA,
            Data: Buffer.from(data),
          }),
        );
      // The same id with another card, past the door (a producer without it, or a reuse after
      // the marker expired): the ledger counts the conflict and publishes it.
      await put(
        JSON.stringify(
          record('dep', {
            type: 'DEPOSIT',
            amount: 100_000,
            currency: 'USD',
            panLast4: valid.conflict.slice(-4),
          }),
        ),
      );
      // Missing its amount: poison, parked with its reason.
      await put(
        JSON.stringify(
          record('poison1', { type: 'WITHDRAWAL', currency: 'USD', pan: onStream.invalidRecord }),
        ),
      );
      await put(`card ${onStream.notJson} swiped at atm-9`);
      await put(JSON.stringify({ ...record('poison3', {}), type: onStream.typeField }));
      // Well formed with an extra field: posted, the field dropped.
      await put(
        JSON.stringify(
          record('rogue', {
            type: 'DEPOSIT',
            amount: 10,
            currency: 'USD',
            pan: onStream.extraField,
            panLast4: onStream.extraField.slice(-4),
          }),
        ),
      );

      // Settled: every transaction decided, the conflict counted, poison parked, notifications sent.
      const decided = ['dep', 'wd', 'nsf', 'nof', 'tr', 'inq', 'rev', 'erev', 'wd2', 'rogue'];
      await eventually(
        async () => {
          for (const id of decided) {
            const r = await api.get(`/v1/transactions/${id}-${run}`);
            if (r.status !== 200 || r.body.status === 'PENDING') return undefined;
          }
          const dep = await api.get(`/v1/transactions/dep-${run}`);
          return dep.body.conflicts === 1 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 200, what: 'every transaction decided' },
      );
      for (const id of decided) await call('get', `/v1/transactions/${id}-${run}`);
      await call('get', `/v1/accounts/${accountA}`);
      await call('get', `/v1/accounts/${accountA}/entries`);
      await call('get', `/local/notifications?accountId=${accountA}`);
      await eventually(
        async () => {
          const { Attributes } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: c.resources.poisonQueueUrl,
              AttributeNames: ['ApproximateNumberOfMessages'],
            }),
          );
          return Attributes?.ApproximateNumberOfMessages === '3' ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'three poison records parked' },
      );
      // Receipts and alerts, including the large and the refused withdrawal.
      await eventually(
        async () => {
          const text = await readFile(c.notificationsPath, 'utf8').catch(() => '');
          const kinds = ['LARGE_WITHDRAWAL', 'WITHDRAWAL_REJECTED', 'RECEIPT'];
          return kinds.every((k) => text.includes(k)) && text.includes(`wd2-${run}`)
            ? true
            : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 200, what: 'the notifications' },
      );
      // Let the last deliveries and retries land before reading everything back.
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      for (const client of [sqs, sns, eventbridge, kinesis]) client.destroy();
    }
  }

  /** Reads back everything the run left, into `locations`. */
  async function scan(c: LocalCloud) {
    const options = sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' });
    const dynamodb = new DynamoDBClient(options);
    const streams = new DynamoDBStreamsClient(options);
    const sqs = new SQSClient(options);
    const kinesis = new KinesisClient(options);
    try {
      // Every item of every table of this cloud.
      for await (const page of paginateListTables({ client: dynamodb }, {})) {
        for (const table of page.TableNames ?? []) {
          if (!table.startsWith(prefix)) continue;
          const items: unknown[] = [];
          for await (const p of paginateScan({ client: dynamodb }, { TableName: table })) {
            items.push(...(p.Items ?? []));
          }
          locations.push({
            name: `DynamoDB ${table}`,
            count: items.length,
            text: toScannableJson(items),
          });
        }
      }

      // The ledger table's change stream, which the pipe reads.
      const streamRecords: unknown[] = [];
      const described = await streams.send(
        new DescribeStreamCommand({ StreamArn: c.resources.ledgerTableStreamArn }),
      );
      for (const shard of described.StreamDescription?.Shards ?? []) {
        let { ShardIterator: iterator } = await streams.send(
          new GetStreamShardIteratorCommand({
            StreamArn: c.resources.ledgerTableStreamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        for (let empty = 0; iterator !== undefined && empty < 2; ) {
          const out = await streams.send(
            new GetStreamRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
          );
          streamRecords.push(...(out.Records ?? []));
          empty = (out.Records ?? []).length === 0 ? empty + 1 : 0;
          iterator = out.NextShardIterator;
        }
      }
      locations.push({
        name: 'DynamoDB Streams (ledger table)',
        count: streamRecords.length,
        text: toScannableJson(streamRecords),
      });

      // Every message of every queue, without deleting any: dead-letter queues, the
      // poison queue, the notifier queues and the capture queues on the topic and the bus.
      const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
      for (const url of QueueUrls ?? []) {
        const messages = new Map<string, unknown>();
        for (let empty = 0; empty < 2; ) {
          const { Messages } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: 10,
              VisibilityTimeout: 120,
              WaitTimeSeconds: 0,
              MessageAttributeNames: ['All'],
              MessageSystemAttributeNames: ['All'],
            }),
          );
          for (const m of Messages ?? []) messages.set(m.MessageId ?? randomUUID(), m);
          empty = (Messages ?? []).length === 0 ? empty + 1 : 0;
        }
        locations.push({
          name: `SQS ${url.slice(url.lastIndexOf('/') + 1)}`,
          count: messages.size,
          text: toScannableJson([...messages.values()]),
        });
      }

      // The transactions stream, from its oldest record.
      const kinesisRecords: unknown[] = [];
      const { Shards } = await kinesis.send(
        new ListShardsCommand({ StreamName: c.resources.names.stream }),
      );
      for (const shard of Shards ?? []) {
        let { ShardIterator: iterator } = await kinesis.send(
          new GetShardIteratorCommand({
            StreamName: c.resources.names.stream,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        for (let empty = 0; iterator !== undefined && empty < 2; ) {
          const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
          kinesisRecords.push(...(out.Records ?? []));
          empty = (out.Records ?? []).length === 0 ? empty + 1 : 0;
          iterator = out.NextShardIterator;
        }
      }
      locations.push({
        name: 'Kinesis transactions stream',
        count: kinesisRecords.length,
        text: toScannableJson(kinesisRecords),
      });

      const notifications = await readFile(c.notificationsPath, 'utf8').catch(() => '');
      locations.push({
        name: 'notification channel (JSONL)',
        count: notifications.split('\n').filter((l) => l.trim() !== '').length,
        text: notifications,
      });
      locations.push({
        name: 'API responses',
        count: responses.length,
        text: responses.join('\n'),
      });
      locations.push({ name: 'logs', count: output.lines(), text: output.text() });
    } finally {
      for (const client of [dynamodb, streams, sqs, kinesis]) client.destroy();
    }
  }

  const located = (name: string) => {
    const found = locations.filter((l) => l.name === name || l.name.startsWith(name));
    expect(found.length, `scanned ${name}`).toBeGreaterThan(0);
    return found;
  };
  const textOf = (name: string) =>
    located(name)
      .map((l) => l.text)
      .join('\n');
  const countOf = (name: string) => located(name).reduce((n, l) => n + l.count, 0);
  /** Whether a place holds `needle`, without dumping the whole place into the failure message. */
  const holds = (name: string, needle: string | RegExp) => {
    const text = textOf(name);
    return typeof needle === 'string' ? text.includes(needle) : needle.test(text);
  };

  it('read something everywhere: the scan sees data, and the last 4 digits where they belong', () => {
    // Prepare
    const ledgerTable = `DynamoDB ${prefix}-ledger`;
    const last4 = (p: string) => p.slice(-4);

    // Assess: each place held what the run put there.
    expect(countOf(ledgerTable)).toBeGreaterThan(20);
    expect(countOf('DynamoDB Streams')).toBeGreaterThan(20);
    expect(countOf('Kinesis')).toBeGreaterThanOrEqual(15);
    expect(countOf(`SQS ${prefix}-capture-bus`)).toBeGreaterThan(8);
    expect(countOf(`SQS ${prefix}-capture-topic`)).toBeGreaterThan(8);
    expect(countOf(`SQS ${prefix}-ledger-poison`)).toBe(3);
    expect(countOf('notification channel')).toBeGreaterThan(3);
    expect(countOf('logs')).toBeGreaterThan(10);
    expect(holds('logs', '"transaction accepted"'), 'ingest logged').toBe(true);
    expect(holds('logs', '"transaction processed"'), 'the ledger logged').toBe(true);
    expect(holds('logs', `wd2-${run}`), 'the logs name the transactions').toBe(true);

    // The last 4 digits, the one part of a card number that may travel, are there.
    for (const id of ['dep', 'wd', 'nsf', 'tr', 'wd2'] as const) {
      const digits = last4(valid[id]);
      const field = new RegExp(`panLast4[^0-9]{1,12}${digits}`);
      expect(holds(ledgerTable, field), `${id}: last 4 in the ledger table`).toBe(true);
      expect(holds('Kinesis', field), `${id}: last 4 on the stream`).toBe(true);
      expect(holds(`SQS ${prefix}-capture-bus`, field), `${id}: last 4 on the bus`).toBe(true);
      expect(holds(`SQS ${prefix}-capture-topic`, field), `${id}: last 4 on the topic`).toBe(true);
    }
    for (const id of ['wd', 'nsf'] as const) {
      const masked = `**** ${last4(valid[id])}`;
      expect(holds('notification channel', masked), `${id}: masked card notified`).toBe(true);
    }

    // The search itself finds a PAN where one is known to be: the records written
    // straight onto the stream carry theirs, base64-encoded by Kinesis.
    const onTheStream = findPans(located('Kinesis'), Object.values(onStream));
    expect(onTheStream.map((f) => f.pan).sort()).toEqual(
      Object.values(onStream)
        .map((p) => `…${last4(p)}`)
        .sort(),
    );
  });

  it('finds no PAN posted to the API anywhere: tables, streams, queues, topic, bus, notifications, responses, logs', () => {
    // Act
    const findings = findPans(locations, [...Object.values(valid), ...Object.values(refused)]);

    // Assess
    expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
  });

  // The poison path parks a malformed record on the ledger-poison queue for an operator, with
  // PAN-like digit runs masked in its data, partition key and detail (all but the last 4 digits).
  it('keeps a PAN a producer wrote onto the stream out of everything downstream of it', () => {
    // Prepare: the stream itself holds what the producer wrote; everything after it must not.
    const downstream = locations.filter((l) => !l.name.startsWith('Kinesis'));

    // Act
    const findings = findPans(downstream, Object.values(onStream));

    // Assess
    expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
  });
});
