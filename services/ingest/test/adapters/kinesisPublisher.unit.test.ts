import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import fc from 'fast-check';
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

/**
 * A Kinesis client whose PutRecords refuses the entries a script names, call
 * by call, and keeps what landed on each partition key, in landing order.
 */
function scriptedKinesis(
  failing: (partitionKey: string, call: number, position: number, id: string) => boolean,
) {
  const calls: { partitionKey: string; id: string }[][] = [];
  const landed = new Map<string, string[]>();
  const client = {
    send: async (command: PutRecordsCommand) => {
      const entries = (command.input.Records ?? []).map((e) => ({
        partitionKey: e.PartitionKey ?? '',
        id: JSON.parse(Buffer.from(e.Data ?? []).toString()).id as string,
      }));
      const call = calls.length;
      calls.push(entries);
      const refused = entries.map((e, position) => failing(e.partitionKey, call, position, e.id));
      for (const [i, e] of entries.entries()) {
        if (!refused[i]) landed.set(e.partitionKey, [...(landed.get(e.partitionKey) ?? []), e.id]);
      }
      return {
        FailedRecordCount: refused.filter(Boolean).length,
        Records: refused.map((r) =>
          r
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
            : { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
        ),
      };
    },
  } as unknown as KinesisClient;
  return { client, calls, landed };
}

/** Each partition key's ids in input order: what `landed` must equal once every record is on. */
const byKey = (records: readonly AtmTransactionRecord[]) => {
  const out = new Map<string, string[]>();
  for (const r of records) {
    const key = r.transaction.accountId;
    out.set(key, [...(out.get(key) ?? []), r.id]);
  }
  return out;
};

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

  it('sends at most one record per account per call, the next only once the one before landed', async () => {
    // Prepare
    const { client, calls } = scriptedKinesis(() => false);

    // Act
    await new KinesisTransactionPublisher(client, 's').publish([
      record('a1', 'A'),
      record('a2', 'A'),
      record('b1', 'B'),
      record('a3', 'A'),
      record('b2', 'B'),
    ]);

    // Assess
    expect(calls.map((c) => c.map((e) => e.id))).toEqual([['a1', 'b1'], ['a2', 'b2'], ['a3']]);
  });

  it('keeps each account’s order when the entries at even positions are refused, as partial-batch does', async () => {
    // Prepare: the first three calls refuse their 1st, 3rd, ... entries (a one-entry call whole)
    const { client, landed } = scriptedKinesis(
      (_key, call, position) => call < 3 && position % 2 === 0,
    );
    const records = ['A', 'B', 'A', 'C', 'A', 'B', 'C', 'A'].map((key, i) => record(`r${i}`, key));

    // Act
    await new KinesisTransactionPublisher(client, 's', { baseDelayMs: 1 }).publish(records);

    // Assess
    expect(landed).toEqual(byKey(records));
  });

  it('lands each account’s records once and in order, whatever entries a call refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 30 }),
        fc.func(fc.boolean()),
        async (keys, refuses) => {
          // Prepare
          const { client, landed } = scriptedKinesis((key, call, position, id) =>
            refuses(key, call, position, id),
          );
          const records = keys.map((key, i) => record(`r${i}`, key));

          // Act
          const error = await new KinesisTransactionPublisher(client, 's', {
            maxAttempts: 4,
            baseDelayMs: 0,
          })
            .publish(records)
            .then(
              () => undefined,
              (e: Error) => e,
            );

          // Assess: each key's landed records are a prefix of its input, all of it unless it threw
          const expected = byKey(records);
          for (const [key, ids] of landed)
            expect(ids).toEqual(expected.get(key)?.slice(0, ids.length));
          const missing = [...expected].reduce(
            (n, [key, ids]) => n + ids.length - (landed.get(key)?.length ?? 0),
            0,
          );
          if (error === undefined) expect(missing).toBe(0);
          else
            expect(error.message).toMatch(new RegExp(`^${missing} of ${records.length} records`));
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
    );
  });

  it('stops an account at a record still refused after its attempts, and carries on with the others', async () => {
    // Prepare
    const { client, calls, landed } = scriptedKinesis((_key, _call, _position, id) => id === 'a1');
    const records = [
      record('a1', 'A'),
      record('b1', 'B'),
      record('a2', 'A'),
      record('b2', 'B'),
      record('a3', 'A'),
    ];

    // Act
    const error = await new KinesisTransactionPublisher(client, 's', {
      maxAttempts: 3,
      baseDelayMs: 1,
    })
      .publish(records)
      .catch((e: unknown) => e);

    // Assess
    expect(isPublishError(error)).toBe(true);
    expect((error as Error).message).toBe(
      '3 of 5 records not accepted by the stream after 3 attempts: ProvisionedThroughputExceededException; ' +
        '2 of them not sent, because an earlier record of the same account was refused',
    );
    expect(landed).toEqual(new Map([['B', ['b1', 'b2']]]));
    expect(calls.flat().map((e) => e.id)).not.toContain('a2');
  });

  it('retries a call that failed whole as refusals of every entry in it', async () => {
    // Prepare
    const { client: inner, landed } = scriptedKinesis(() => false);
    let calls = 0;
    const client = {
      send: async (command: PutRecordsCommand) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        return inner.send(command);
      },
    } as unknown as KinesisClient;
    const records = [record('a1', 'A'), record('a2', 'A'), record('b1', 'B')];

    // Act
    await new KinesisTransactionPublisher(client, 's', { baseDelayMs: 1 }).publish(records);

    // Assess
    expect(landed).toEqual(byKey(records));
  });

  it('puts at most 500 entries in one call: more accounts than that take several calls a round', async () => {
    // Prepare
    const { client, calls } = scriptedKinesis(() => false);
    const records = Array.from({ length: 2_400 }, (_, i) => record(`r${i}`, `acct-${i % 1_200}`));

    // Act
    await new KinesisTransactionPublisher(client, 's').publish(records);

    // Assess
    expect(calls.map((c) => c.length)).toEqual([500, 500, 200, 500, 500, 200]);
  });
});
