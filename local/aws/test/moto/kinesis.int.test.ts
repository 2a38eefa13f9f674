import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { clients, uniqueName } from './clients.js';

/**
 * The Kinesis client of SDK v3 defaults to an HTTP/2 handler, which moto's
 * werkzeug server does not speak; the project's sdkClientOptions() installs
 * an HTTP/1.1 handler for every client. This pins the ingest path over it.
 */
describe('moto Kinesis over the HTTP/1.1 handler', () => {
  const kinesis = clients.kinesis();
  afterAll(() => kinesis.destroy());

  it('round-trips PutRecords through GetShardIterator and GetRecords on a 2-shard stream', async () => {
    // Prepare
    const StreamName = uniqueName('atm-transactions');
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 2 }));
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
    const sent = Array.from({ length: 20 }, (_, i) => ({
      PartitionKey: `atm-${i}`,
      Data: new TextEncoder().encode(JSON.stringify({ seq: i })),
    }));

    // Act
    const put = await kinesis.send(new PutRecordsCommand({ StreamName, Records: sent }));
    // moto numbers records per shard (1, 2, ...), so only shard + number is unique.
    const received = new Map<string, number>();
    for (const shard of Shards) {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 100 }));
      for (const record of got.Records ?? []) {
        const body = JSON.parse(new TextDecoder().decode(record.Data)) as { seq: number };
        received.set(`${shard.ShardId}/${record.SequenceNumber}`, body.seq);
      }
    }

    // Assess
    expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    expect(Shards).toHaveLength(2);
    expect(put.FailedRecordCount ?? 0).toBe(0);
    expect(new Set(put.Records?.map((r) => r.ShardId)).size).toBe(2);
    expect(put.Records?.map((r) => received.get(`${r.ShardId}/${r.SequenceNumber}`))).toEqual(
      sent.map((_, i) => i),
    );
    expect(received.size).toBe(sent.length);
  });
});
