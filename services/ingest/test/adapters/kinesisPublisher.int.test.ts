import { randomUUID } from 'node:crypto';
import type { AtmTransactionRecord } from '@atm-ledger/contracts';
import { sdkClientOptions } from '@atm-ledger/runtime';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KinesisTransactionPublisher } from '../../src/adapters/kinesisPublisher.js';

describe('KinesisTransactionPublisher over the wire', () => {
  const client = new KinesisClient(
    sdkClientOptions({ endpoint: inject('awsEndpoint'), region: 'us-east-1' }),
  );
  const stream = `publisher-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    for (;;) {
      const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
      if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await client.send(new DeleteStreamCommand({ StreamName: stream }));
    client.destroy();
  });

  it('puts each record on the shard of its account, in order per account', async () => {
    // Prepare
    const records: AtmTransactionRecord[] = Array.from({ length: 40 }, (_, i) => {
      const id = `t-${i}`;
      return {
        type: 'atm.transaction.accepted',
        schemaVersion: 1,
        id,
        correlationId: id,
        receivedAt: '2026-11-27T10:00:00.000Z',
        transaction: {
          transactionId: id,
          type: 'DEPOSIT',
          accountId: `acct-${i % 7}`,
          atmId: 'atm-1',
          occurredAt: '2026-11-27T10:00:00.000Z',
          amount: i + 1,
          currency: 'USD',
        },
      };
    });

    // Act
    await new KinesisTransactionPublisher(client, stream).publish(records);

    // Assess
    const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    expect(shards).toHaveLength(2);
    const read: { shard: string; record: AtmTransactionRecord; key: string }[] = [];
    for (const shard of shards) {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const out = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
      for (const r of out.Records ?? []) {
        read.push({
          shard: shard.ShardId ?? '',
          key: r.PartitionKey ?? '',
          record: JSON.parse(Buffer.from(r.Data ?? []).toString()),
        });
      }
    }
    expect(read.map((r) => r.record.id).sort()).toEqual(records.map((r) => r.id).sort());
    for (const r of read) expect(r.key).toBe(r.record.transaction.accountId);
    const shardOfKey = new Map<string, Set<string>>();
    for (const r of read) shardOfKey.set(r.key, (shardOfKey.get(r.key) ?? new Set()).add(r.shard));
    for (const shardsOfKey of shardOfKey.values()) expect(shardsOfKey.size).toBe(1);
    for (const key of shardOfKey.keys()) {
      const amounts = read
        .filter((r) => r.key === key)
        .map((r) => r.record.transaction.amount ?? 0);
      expect(amounts).toEqual([...amounts].sort((a, b) => a - b));
    }
  });
});
