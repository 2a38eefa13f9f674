import { randomUUID } from 'node:crypto';
import { type AtmTransactionRecord, payloadHash, toAtmTransaction } from '@atm-ledger/contracts';
import {
  DynamoDbLedgerStore,
  makeKinesisHandler,
  openAccount,
  postTransaction,
  rebuild,
} from '@atm-ledger/ledger';
import { createLogger, sdkClientOptions } from '@atm-ledger/runtime';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runBatchJob } from '../../src/batch/job.js';
import { BatchLanding } from '../../src/batch/landing.js';
import { type BatchTableNames, ensureBatchTables } from '../../src/batch/resources.js';

const occurredAt = '2026-11-27T12:00:00.000Z';
const withdrawal = (id: string) =>
  ({
    transactionId: id,
    type: 'WITHDRAWAL',
    accountId: 'shared',
    atmId: 'atm-1',
    amount: 100,
    currency: 'USD',
    occurredAt,
  }) as const;

let sequence = 0;
function kinesisRecord(id: string): KinesisStreamRecord {
  const record: AtmTransactionRecord = {
    type: 'atm.transaction.accepted',
    schemaVersion: 1,
    id,
    correlationId: id,
    receivedAt: occurredAt,
    transaction: toAtmTransaction(withdrawal(id)),
  };
  sequence += 1;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'shared',
      sequenceNumber: String(sequence),
      data: Buffer.from(JSON.stringify(record)).toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequence}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/ledger',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
  };
}

/** The store, with its commits passed through `around`. */
function withCommit(
  store: DynamoDbLedgerStore,
  around: (
    commit: () => ReturnType<DynamoDbLedgerStore['commit']>,
  ) => ReturnType<DynamoDbLedgerStore['commit']>,
): DynamoDbLedgerStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'commit') {
        return (...args: Parameters<DynamoDbLedgerStore['commit']>) =>
          around(() => target.commit(...args));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Overdraft is enforced inside the write, so it holds with two independent
 * writers on one account: the streaming consumer and the legacy batch job,
 * posting at the same time to the same ledger table.
 */
describe('the batch job and the stream posting to one account at once', () => {
  let client: DynamoDBClient;
  let tables: BatchTableNames;

  beforeAll(async () => {
    client = new DynamoDBClient(
      sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
    );
    tables = await ensureBatchTables(client, `both-${randomUUID().slice(0, 8)}`);
  });
  afterAll(async () => {
    for (const t of Object.values(tables))
      await client.send(new DeleteTableCommand({ TableName: t }));
    client.destroy();
  });

  it('posts exactly what the balance allows, with no gap and no drift', async () => {
    // Prepare: 3000 in the account, 40 withdrawals of 100 from each writer.
    const clock = { now: () => new Date() };
    const store = new DynamoDbLedgerStore(client, tables.ledger);
    await openAccount(
      { store, clock },
      { accountId: 'shared', currency: 'USD', overdraftLimit: 0, lowBalanceThreshold: 0 },
    );
    const deposit = { ...withdrawal('fund'), type: 'DEPOSIT', amount: 3_000 } as const;
    await postTransaction(
      { store, clock },
      { kind: 'PostTransaction', transaction: deposit, payloadHash: payloadHash(deposit) },
    );
    const landing = new BatchLanding(client, tables.landing, { clock });
    const from = new Date(Date.now() - 1_000);
    for (let i = 0; i < 40; i++) await landing.land(withdrawal(`batch-${i}`));
    const to = new Date(Date.now() + 1_000);
    // Both writers must get some of the money, however the machine schedules
    // them: the stream's second write waits for the batch job's first.
    let batchWrote!: () => void;
    const batchHasWritten = new Promise<void>((resolve) => {
      batchWrote = resolve;
    });
    let streamWrites = 0;
    const batchStore = withCommit(store, async (commit) => {
      const result = await commit();
      batchWrote();
      return result;
    });
    const streamStore = withCommit(store, async (commit) => {
      if (streamWrites++ > 0) await batchHasWritten;
      return commit();
    });
    const handler = makeKinesisHandler({
      store: streamStore,
      clock,
      poison: { send: async () => {} },
      logger: createLogger('test'),
      concurrency: 1,
    });

    // Act: the stream's batches and the batch job run side by side.
    const stream = (async () => {
      for (let b = 0; b < 8; b++) {
        const records = Array.from({ length: 5 }, (_, i) => kinesisRecord(`stream-${b * 5 + i}`));
        const result = await handler({ Records: records } as KinesisStreamEvent);
        expect(result.batchItemFailures).toEqual([]);
      }
    })();
    const batch = runBatchJob({ landing, store: batchStore, clock }, { from, to });
    const [, report] = await Promise.all([stream, batch]);

    // Assess
    const decided = await Promise.all(
      [
        ...Array.from({ length: 40 }, (_, i) => `batch-${i}`),
        ...Array.from({ length: 40 }, (_, i) => `stream-${i}`),
      ].map((id) => store.getTransaction(id)),
    );
    const posted = decided.filter((r) => r?.status === 'POSTED');
    const rejected = decided.filter((r) => r?.status === 'REJECTED');
    expect(report.failed).toEqual([]);
    expect(posted).toHaveLength(30);
    expect(rejected).toHaveLength(50);
    expect(rejected.every((r) => r?.reason === 'INSUFFICIENT_FUNDS')).toBe(true);
    // Both writers got some of the money: they really ran at once.
    expect(streamWrites).toBeGreaterThan(1);
    expect(posted.some((r) => r?.transaction.transactionId.startsWith('batch-'))).toBe(true);
    expect(posted.some((r) => r?.transaction.transactionId.startsWith('stream-'))).toBe(true);
    expect((await store.getAccount('shared'))?.balance).toBe(0);
    const entries = await store.listEntries('shared', 100);
    expect(entries.items.map((e) => e.sequence)).toEqual(
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
    expect(entries.items.every((e) => e.balanceAfter >= 0)).toBe(true);
    expect((await rebuild(store)).drift).toEqual([]);
  });
});
