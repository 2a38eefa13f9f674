import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  StreamEventSourceMapping,
  type StreamEventSourceMappingConfigInput,
  type StreamHandlerResult,
} from '../../src/esm/index.js';
import {
  type Clients,
  createQueue,
  makeClients,
  receiveJson,
  uniqueName,
  waitFor,
} from '../../src/testing/esm.js';
import { type FakeEvent, FakeSource } from './fake-source.js';

/**
 * The mapping core against an in-memory source (DynamoDB-Streams-shaped),
 * with checkpoints and on-failure records still going over the wire to the
 * local cloud.
 */
describe('StreamEventSourceMapping', () => {
  let clients: Clients;
  let table: string;
  const mappings: StreamEventSourceMapping<string, FakeEvent>[] = [];

  beforeEach(() => {
    clients = makeClients();
    table = uniqueName('esm-checkpoints');
  });
  afterEach(async () => {
    await Promise.all(mappings.splice(0).map((m) => m.stop({ abandonInFlight: true })));
    clients.destroy();
  });

  function mapping(
    source: FakeSource,
    handler: (event: FakeEvent) => StreamHandlerResult | Promise<StreamHandlerResult>,
    config: Partial<StreamEventSourceMappingConfigInput> = {},
  ) {
    const m = new StreamEventSourceMapping<string, FakeEvent>({
      config: {
        mappingId: uniqueName('mapping'),
        eventSourceArn: source.streamArn,
        functionName: 'pipe-test',
        startingPosition: 'TRIM_HORIZON',
        pollIntervalMs: 10,
        shardDiscoveryIntervalMs: 100,
        retryBackoff: { baseMs: 5, maxMs: 20 },
        ...config,
      },
      source: () => source,
      handler: async (event) => handler(event),
      clients,
      checkpointTableName: table,
    });
    mappings.push(m);
    return m;
  }

  it('reads a child shard only after its parent is read to the end', async () => {
    // Prepare
    const source = new FakeSource();
    source.addShard({ shardId: 'parent' });
    source.addShard({ shardId: 'child', parentShardId: 'parent' });
    source.append(
      'parent',
      ['p1', 'p2', 'p3'].map((data) => ({ partitionKey: 'k', data })),
    );
    source.append(
      'child',
      ['c1', 'c2'].map((data) => ({ partitionKey: 'k', data })),
    );
    source.close('parent');
    const seen: string[] = [];
    const esm = mapping(
      source,
      async (event) => {
        seen.push(...event.Records.map((r) => r.data));
        await new Promise((r) => setTimeout(r, 10));
      },
      { batchSize: 1 },
    );
    const ended: string[] = [];
    esm.on('shardEnded', (e) => ended.push(e.shardId));

    // Act
    await esm.start();
    await waitFor(() => seen.length === 5, 'both shards are delivered');

    // Assess
    expect(seen).toEqual(['p1', 'p2', 'p3', 'c1', 'c2']);
    expect(ended).toEqual(['parent']);
  });

  it('finds shards that appear after it started', async () => {
    // Prepare
    const source = new FakeSource();
    source.addShard({ shardId: 'shard-0' });
    source.append('shard-0', [{ partitionKey: 'a', data: 'before-split' }]);
    const seen: string[] = [];
    const esm = mapping(source, (event) => {
      seen.push(...event.Records.map((r) => r.data));
    });
    await esm.start();
    await waitFor(() => seen.length === 1, 'the first record is delivered');

    // Act: split shard-0 in two.
    source.close('shard-0');
    source.addShard({ shardId: 'shard-1', parentShardId: 'shard-0' });
    source.addShard({ shardId: 'shard-2', parentShardId: 'shard-0' });
    source.append('shard-1', [{ partitionKey: 'a', data: 'left' }]);
    source.append('shard-2', [{ partitionKey: 'b', data: 'right' }]);

    // Assess
    await waitFor(() => seen.length === 3, 'the children are read');
    expect(seen.slice(1).sort()).toEqual(['left', 'right']);
  });

  it('discards records older than maximumRecordAgeInSeconds without invoking the function', async () => {
    // Prepare
    const source = new FakeSource();
    const queue = await createQueue(clients.sqs);
    source.addShard({ shardId: 'shard-0' });
    const old = new Date(Date.now() - 120_000);
    const [firstOld, , lastOld] = source.append('shard-0', [
      { partitionKey: 'k', data: 'old-1', arrival: old },
      { partitionKey: 'k', data: 'old-2', arrival: old },
      { partitionKey: 'k', data: 'old-3', arrival: old },
    ]);
    source.append('shard-0', [{ partitionKey: 'k', data: 'fresh' }]);
    const seen: string[] = [];
    const esm = mapping(
      source,
      (event) => {
        seen.push(...event.Records.map((r) => r.data));
      },
      {
        maximumRecordAgeInSeconds: 60,
        destinationConfig: { onFailure: { destination: queue.arn } },
      },
    );

    // Act
    await esm.start();
    await waitFor(() => seen.length === 1, 'the fresh record is delivered');
    const [message] = await receiveJson(clients.sqs, queue.url, 1);

    // Assess
    expect(seen).toEqual(['fresh']);
    expect(message).not.toHaveProperty('responseContext');
    expect(message).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: 'shard-0',
        startSequenceNumber: firstOld,
        endSequenceNumber: lastOld,
        batchSize: 3,
        streamArn: source.streamArn,
        approximateArrivalOfFirstRecord: old.toISOString(),
      },
    });
  });

  it('gets a fresh iterator when one expires and backs off through throttling', async () => {
    // Prepare
    const source = new FakeSource();
    source.addShard({ shardId: 'shard-0' });
    source.append(
      'shard-0',
      ['a', 'b', 'c'].map((data) => ({ partitionKey: 'k', data })),
    );
    source.failNextReads.push('expired-iterator', 'throttled', 'throttled', 'other');
    const seen: string[] = [];
    const esm = mapping(source, (event) => {
      seen.push(...event.Records.map((r) => r.data));
    });
    const errors: string[] = [];
    esm.on('pollError', (e) => errors.push(`${e.operation}: ${(e.error as Error).message}`));

    // Act
    await esm.start();
    await waitFor(() => seen.length === 3, 'the records are delivered');

    // Assess: delivered once each; the expired iterator is renewed silently.
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(source.calls.filter((c) => c.startsWith('GetShardIterator'))).toHaveLength(2);
    expect(errors).toEqual([
      'GetRecords: injected throttled',
      'GetRecords: injected throttled',
      'GetRecords: injected other',
    ]);
  });
});
