import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { KinesisTransactionPublisher } from '../../src/adapters/kinesisPublisher.js';
import { isPublishError } from '../../src/ports.js';

const record = (id: string, accountId: string): AtmTransactionRecord => ({
  type: 'atm.transaction.accepted',
  schemaVersion: 1,
  id,
  correlationId: `c-${id}`,
  receivedAt: '2026-11-27T10:00:00.000Z',
  transaction: {
    transactionId: id,
    type: 'DEPOSIT',
    accountId,
    atmId: 'atm-1',
    occurredAt: '2026-11-27T10:00:00.000Z',
    amount: 100,
    currency: 'USD',
  },
});

/** A Kinesis client whose PutRecords fails the entries a script names, call by call. */
function scriptedKinesis(failing: (partitionKey: string, call: number) => boolean) {
  const calls: { partitionKey: string; id: string }[][] = [];
  const client = {
    send: async (command: PutRecordsCommand) => {
      const entries = command.input.Records ?? [];
      const call = calls.length;
      calls.push(
        entries.map((e) => ({
          partitionKey: e.PartitionKey ?? '',
          id: JSON.parse(Buffer.from(e.Data ?? []).toString()).id,
        })),
      );
      return {
        FailedRecordCount: 0,
        Records: entries.map((e) =>
          failing(e.PartitionKey ?? '', call)
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
            : { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
        ),
      };
    },
  } as unknown as KinesisClient;
  return { client, calls };
}

describe('KinesisTransactionPublisher', () => {
  it('partitions by account id', async () => {
    const { client, calls } = scriptedKinesis(() => false);
    await new KinesisTransactionPublisher(client, 's').publish([
      record('t1', 'A'),
      record('t2', 'B'),
    ]);
    expect(calls).toEqual([
      [
        { partitionKey: 'A', id: 't1' },
        { partitionKey: 'B', id: 't2' },
      ],
    ]);
  });

  it('retries only the entries that failed', async () => {
    const { client, calls } = scriptedKinesis((key, call) => key === 'B' && call < 2);
    await new KinesisTransactionPublisher(client, 's', { baseDelayMs: 1 }).publish([
      record('t1', 'A'),
      record('t2', 'B'),
      record('t3', 'C'),
    ]);
    expect(calls.map((c) => c.map((e) => e.id))).toEqual([['t1', 't2', 't3'], ['t2'], ['t2']]);
  });

  it('throws a PublishError naming how many records are missing after its attempts', async () => {
    const { client, calls } = scriptedKinesis((key) => key === 'B');
    const publishing = new KinesisTransactionPublisher(client, 's', {
      maxAttempts: 3,
      baseDelayMs: 1,
    }).publish([record('t1', 'A'), record('t2', 'B')]);
    const error = await publishing.catch((e: unknown) => e);
    expect(isPublishError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^1 of 2 records not accepted by the stream after 3 attempts/,
    );
    expect(calls).toHaveLength(3);
  });
});
