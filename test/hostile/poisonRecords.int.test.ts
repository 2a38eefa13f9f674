import { randomUUID } from 'node:crypto';
import type { AtmTransaction, AtmTransactionRecord } from '@atm-ledger/contracts';
import { MAX_RECORD_BYTES, OVERSIZED_PREFIX_BASE64_CHARS } from '@atm-ledger/ledger';
import { LOCAL_REGION, type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { sdkClientOptions } from '@atm-ledger/runtime';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cloudApi } from '../support/cloudApi.js';

/** SQS's limit on a message body. */
const SQS_MAX_MESSAGE_BYTES = 256 * 1024;
/** A bound, not a target: the CPU may be shared with other suites. */
const WAIT_MS = 60_000;

interface PoisonMessage {
  reason: string;
  detail: string;
  source: {
    eventSourceARN: string;
    shardId: string;
    eventID: string;
    partitionKey: string;
    sequenceNumber: string;
    approximateArrivalTimestamp: number;
    dataBytes: number;
    dataTruncated: boolean;
    data: string;
  };
  failedAt: string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Hostile records put straight onto the stream, between valid transactions of
 * the same account: each lands on the poison queue with its reason and its
 * coordinates, and the account's later transactions are posted, in order.
 */
describe('poison records on the local cloud', () => {
  const run = randomUUID().slice(0, 8);
  const account = `H-${run}`;
  const occurredAt = '2026-11-27T10:00:00.000Z';
  let cloud: LocalCloud;
  let kinesis: KinesisClient;
  let sqs: SQSClient;

  const api = cloudApi(() => cloud);

  const tx = (
    transactionId: string,
    type: 'DEPOSIT' | 'WITHDRAWAL',
    amount: number,
  ): AtmTransaction => ({
    transactionId: `${transactionId}-${run}`,
    type,
    accountId: account,
    atmId: 'atm-1',
    occurredAt,
    amount,
    currency: 'USD',
  });
  const record = (transaction: AtmTransaction): AtmTransactionRecord => ({
    type: 'atm.transaction.accepted',
    schemaVersion: 1,
    id: transaction.transactionId,
    correlationId: `corr-${transaction.transactionId}`,
    receivedAt: occurredAt,
    transaction,
  });
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  beforeAll(async () => {
    cloud = await startLocalCloud({
      awsEndpoint: inject('awsEndpoint'),
      port: 0,
      prefix: `hostile-${run}`,
    });
    const options = sdkClientOptions({ endpoint: inject('awsEndpoint'), region: LOCAL_REGION });
    kinesis = new KinesisClient(options);
    sqs = new SQSClient(options);
  });
  afterAll(async () => {
    kinesis?.destroy();
    sqs?.destroy();
    await cloud?.stop();
  });

  it('parks garbage, an unknown schema version, an oversized record and invalid ones, and posts what follows them', async () => {
    // Prepare
    const opened = await api('POST', '/v1/accounts', { accountId: account, currency: 'USD' });
    expect(opened.status).toBe(201);
    // Near Kinesis's 1 MiB: the start of a valid record, then padding.
    const oversized = Buffer.alloc(1_000_000, 0x20);
    oversized.write(JSON.stringify(record(tx('big', 'DEPOSIT', 1))).slice(0, -1));
    const steps: { what: string; data: Buffer; reason?: string }[] = [
      { what: 'd1', data: json(record(tx('d1', 'DEPOSIT', 10_000))) },
      {
        what: 'garbage',
        data: Buffer.from([0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96, 0x7b]),
        reason: 'NOT_JSON',
      },
      { what: 'w1', data: json(record(tx('w1', 'WITHDRAWAL', 2_500))) },
      {
        what: 'version 2',
        data: json({ ...record(tx('v2', 'DEPOSIT', 999)), schemaVersion: 2 }),
        reason: 'UNKNOWN_SCHEMA_VERSION',
      },
      { what: 'd2', data: json(record(tx('d2', 'DEPOSIT', 1_000))) },
      { what: 'oversized', data: oversized, reason: 'RECORD_TOO_LARGE' },
      // The fuzzing found this one: it used to throw, and fail its account on every delivery.
      {
        what: 'type constructor',
        data: Buffer.from('{"type":"constructor","schemaVersion":1}'),
        reason: 'UNKNOWN_TYPE',
      },
      {
        what: 'invalid currency',
        data: json(record({ ...tx('bad', 'DEPOSIT', 5), currency: 'dollars' })),
        reason: 'INVALID_RECORD',
      },
      { what: 'w2', data: json(record(tx('w2', 'WITHDRAWAL', 500))) },
    ];

    // Act: one partition key, each record put after the one before it.
    const put: { sequenceNumber: string; shardId: string }[] = [];
    const putFrom = Date.now() / 1000;
    for (const step of steps) {
      const out = await kinesis.send(
        new PutRecordCommand({
          StreamName: cloud.resources.names.stream,
          PartitionKey: account,
          Data: step.data,
          SequenceNumberForOrdering: put.at(-1)?.sequenceNumber,
        }),
      );
      put.push({ sequenceNumber: out.SequenceNumber ?? '', shardId: out.ShardId ?? '' });
    }

    // Assess: the valid records after the poison ones are posted, in stream order.
    const posted = await until('balance 8000 after four postings', async () => {
      const { body } = await api('GET', `/v1/accounts/${account}`);
      return body.balance === 8_000 && body.version === 4 ? body : undefined;
    });
    expect(posted).toMatchObject({ balance: 8_000, version: 4 });
    const entries = await api('GET', `/v1/accounts/${account}/entries`);
    expect((entries.body.items as { transactionId: string }[]).map((e) => e.transactionId)).toEqual(
      ['d1', 'w1', 'd2', 'w2'].map((id) => `${id}-${run}`),
    );

    // Every poison record is on the poison queue, with its reason and coordinates.
    const poisoned = steps.flatMap((step, i) =>
      step.reason === undefined
        ? []
        : [{ ...step, ...(put[i] ?? { sequenceNumber: '', shardId: '' }) }],
    );
    const received = new Map<string, { message: PoisonMessage; raw: Message }>();
    await until('every poison record on the poison queue', async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: cloud.env.LEDGER_POISON_QUEUE_URL,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 600,
          WaitTimeSeconds: 0,
        }),
      );
      for (const raw of Messages ?? []) {
        const message = JSON.parse(raw.Body ?? '') as PoisonMessage;
        received.set(message.source.sequenceNumber, { message, raw });
      }
      return poisoned.every((p) => received.has(p.sequenceNumber)) ? true : undefined;
    });
    // Nothing else was parked: no valid record, and no record of any other account.
    expect([...received.keys()].sort()).toEqual(poisoned.map((p) => p.sequenceNumber).sort());
    const now = Date.now() / 1000;
    for (const p of poisoned) {
      const got = received.get(p.sequenceNumber);
      const data = p.data.toString('base64');
      const truncated = p.data.length > MAX_RECORD_BYTES;
      expect(got?.message, p.what).toMatchObject({
        reason: p.reason,
        detail: expect.stringMatching(/^[ -~]+$/),
        source: {
          eventSourceARN: cloud.resources.streamArn,
          shardId: p.shardId,
          eventID: `${p.shardId}:${p.sequenceNumber}`,
          partitionKey: account,
          sequenceNumber: p.sequenceNumber,
          dataBytes: p.data.length,
          dataTruncated: truncated,
          data: truncated ? data.slice(0, OVERSIZED_PREFIX_BASE64_CHARS) : data,
        },
      });
      const arrival = got?.message.source.approximateArrivalTimestamp ?? 0;
      expect(arrival, p.what).toBeGreaterThanOrEqual(Math.floor(putFrom) - 60);
      expect(arrival, p.what).toBeLessThanOrEqual(now + 60);
      expect(got?.raw.MessageAttributes?.reason?.StringValue, p.what).toBe(p.reason);
      expect(Buffer.byteLength(got?.raw.Body ?? ''), p.what).toBeLessThan(SQS_MAX_MESSAGE_BYTES);
    }
  }, 180_000);
});
