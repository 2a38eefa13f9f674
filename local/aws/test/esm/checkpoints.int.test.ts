import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointStore,
  collect,
  createStream,
  esmHarness,
  putRecords,
  recordingHandler,
  uniqueName,
  waitFor,
} from '../../src/testing/esm.js';

describe('KinesisEventSourceMapping', () => {
  let h: ReturnType<typeof esmHarness>;
  let table: string;

  beforeEach(() => {
    h = esmHarness();
    table = uniqueName('esm-checkpoints');
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('resumes from its durable checkpoints after a restart instead of replaying', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 2);
    const mappingId = uniqueName('mapping');
    const before = await putRecords(
      h.clients.kinesis,
      streamArn,
      Array.from({ length: 10 }, (_, i) => ({ partitionKey: `k${i}`, data: `old${i}` })),
    );
    const first = recordingHandler();
    const a = h.mapping({
      streamArn,
      handler: first.handler,
      checkpointTableName: table,
      mappingId,
      ownerId: 'runner-a',
    });
    await a.start();
    await waitFor(
      () => first.invocations.flatMap((i) => i.data).length === before.length,
      'runner A processed the first records',
    );
    await a.stop();

    // Act
    const after = await putRecords(
      h.clients.kinesis,
      streamArn,
      Array.from({ length: 4 }, (_, i) => ({ partitionKey: `k${i}`, data: `new${i}` })),
    );
    const second = recordingHandler();
    const b = h.mapping({
      streamArn,
      handler: second.handler,
      checkpointTableName: table,
      mappingId,
      ownerId: 'runner-b',
    });
    await b.start();
    const lastPerShard = new Map([...before, ...after].map((p) => [p.shardId, p.sequenceNumber]));
    await waitFor(
      () =>
        [...lastPerShard].every(([shardId, seq]) =>
          b.stats().shards.some((s) => s.shardId === shardId && s.checkpoint === seq),
        ),
      'runner B checkpointed every shard to its last record',
    );

    // Assess
    expect(second.invocations.flatMap((i) => i.data).sort()).toEqual([
      'new0',
      'new1',
      'new2',
      'new3',
    ]);
    const rows = await checkpointStore(h.clients, table).list(mappingId);
    for (const [shardId, seq] of lastPerShard) {
      expect(rows.get(shardId)).toMatchObject({ sequenceNumber: seq, leaseOwner: 'runner-b' });
    }
  });

  it('does not let a second runner read shards whose leases a live runner holds', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const mappingId = uniqueName('mapping');
    const holder = recordingHandler();
    const a = h.mapping({
      streamArn,
      handler: holder.handler,
      checkpointTableName: table,
      mappingId,
      ownerId: 'runner-a',
    });
    const contender = recordingHandler();
    const b = h.mapping({
      streamArn,
      handler: contender.handler,
      checkpointTableName: table,
      mappingId,
      ownerId: 'runner-b',
    });
    await a.start();
    await b.start();

    // Act
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'one' }]);
    await waitFor(() => holder.invocations.length === 1, 'the lease holder processes the record');
    await a.stop();
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'two' }]);
    await waitFor(() => contender.invocations.length === 1, 'the other runner takes over');

    // Assess
    expect(holder.invocations.flatMap((i) => i.data)).toEqual(['one']);
    expect(contender.invocations.flatMap((i) => i.data)).toEqual(['two']);
    const row = await checkpointStore(h.clients, table).get(
      mappingId,
      b.stats().shards[0]?.shardId ?? '',
    );
    expect(row?.leaseOwner).toBe('runner-b');
  });

  it('refuses a checkpoint from a runner that lost its lease, and one that moves backwards', async () => {
    // Prepare
    const store = checkpointStore(h.clients, table);
    await store.ensureTable();
    const mappingId = uniqueName('mapping');
    await store.acquireLease(mappingId, 'shardId-000000000000', 'runner-a', 60_000);
    // Sequence numbers longer than a double's precision, ordered only as integers.
    const low = '49590338271490256608559692538361571095921575989136588898';
    const high = '49590338271490256608559692540925702759324208523137515618';
    await store.checkpoint(mappingId, 'shardId-000000000000', 'runner-a', high);

    // Act
    await store.checkpoint(mappingId, 'shardId-000000000000', 'runner-a', low);
    const stolen = await store.acquireLease(mappingId, 'shardId-000000000000', 'runner-b', 60_000);
    const expired = await store.acquireLease(
      mappingId,
      'shardId-000000000000',
      'runner-b',
      60_000,
      Date.now() + 120_000,
    );
    const late = store.checkpoint(mappingId, 'shardId-000000000000', 'runner-a', `${high}0`);

    // Assess
    await expect(late).rejects.toMatchObject({ name: 'LeaseLostError' });
    expect(stolen).toBeUndefined();
    expect(expired?.leaseOwner).toBe('runner-b');
    const row = await store.get(mappingId, 'shardId-000000000000');
    expect(row?.sequenceNumber).toBe(high);
  });

  it('keeps each partition key in order while processing lanes of a shard in parallel', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const keys = Array.from({ length: 8 }, (_, i) => `account-${i}`);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      Array.from({ length: 80 }, (_, i) => ({
        partitionKey: keys[i % keys.length] ?? '',
        data: `${keys[i % keys.length]}#${Math.floor(i / keys.length)}`,
      })),
    );
    const spans: { keys: Set<string>; start: number; end: number }[] = [];
    const { handler, invocations } = recordingHandler(async (inv) => {
      const start = performance.now();
      await new Promise((r) => setTimeout(r, 20));
      spans.push({
        keys: new Set(inv.event.Records.map((r) => r.kinesis.partitionKey)),
        start,
        end: performance.now(),
      });
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { batchSize: 3, parallelizationFactor: 4 },
    });
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(
      () => checkpoints.some((c) => c.sequenceNumber === puts.at(-1)?.sequenceNumber),
      'the shard is checkpointed to its last record',
    );

    // Assess: batches overlapped in time, yet never two at once for one key, and each key in order.
    const overlapping = spans.flatMap((x, i) =>
      spans
        .slice(i + 1)
        .filter((y) => x.start < y.end && y.start < x.end)
        .map((y) => [x, y] as const),
    );
    expect(overlapping.length).toBeGreaterThan(0);
    for (const [x, y] of overlapping) {
      expect([...x.keys].filter((k) => y.keys.has(k))).toEqual([]);
    }
    const delivered = invocations.flatMap((i) => i.event.Records);
    expect(delivered).toHaveLength(puts.length);
    for (const key of keys) {
      const got = delivered
        .filter((r) => r.kinesis.partitionKey === key)
        .map((r) => r.kinesis.sequenceNumber);
      const want = puts.filter((p) => p.partitionKey === key).map((p) => p.sequenceNumber);
      expect(got).toEqual(want);
    }
  });

  it('never checkpoints past a record a slower lane has not finished', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      Array.from({ length: 40 }, (_, i) => ({ partitionKey: `key-${i % 10}`, data: `r${i}` })),
    );
    const seqIndex = new Map(puts.map((p, i) => [p.sequenceNumber, i]));
    const slowKey = 'key-0';
    let releaseSlow: () => void = () => undefined;
    const slowGate = new Promise<void>((r) => {
      releaseSlow = r;
    });
    const { handler } = recordingHandler(async (inv) => {
      if (inv.event.Records.some((r) => r.kinesis.partitionKey === slowKey)) await slowGate;
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { batchSize: 2, parallelizationFactor: 3, functionTimeoutSeconds: 30 },
    });
    const checkpoints = collect(esm, 'checkpoint');
    const invoked = collect(esm, 'invoked');

    // Act: every lane but the slow key's drains (and checkpoints, if it could) while that one is held.
    await esm.start();
    await waitFor(() => {
      const lanes = esm.stats().shards[0]?.lanes ?? [];
      const busy = lanes.filter((l) => l.inFlight || l.queuedRecords > 0);
      return busy.length === 1 && busy[0]?.inFlight === true && lanes.length === 3;
    }, 'only the slow lane has work left');
    expect(invoked.filter((e) => e.outcome === 'success').length).toBeGreaterThan(0);
    const heldCheckpoints = checkpoints.map((c) => c.sequenceNumber);
    releaseSlow();
    await waitFor(
      () => checkpoints.some((c) => c.sequenceNumber === puts.at(-1)?.sequenceNumber),
      'the shard is checkpointed to its end once the slow lane finishes',
    );

    // Assess: the first slow record is r0, so nothing could be checkpointed while it was held.
    expect(puts[0]?.partitionKey).toBe(slowKey);
    expect(heldCheckpoints).toEqual([]);
    const order = checkpoints.map((c) => seqIndex.get(c.sequenceNumber) ?? -1);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
  });

  it('lets the in-flight batch finish on stop(), checkpoints it and releases the lease', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      ['a', 'b'].map((data) => ({ partitionKey: 'p', data })),
    );
    const mappingId = uniqueName('mapping');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { handler, invocations } = recordingHandler(() => gate);
    const esm = h.mapping({ streamArn, handler, checkpointTableName: table, mappingId });
    await esm.start();
    await waitFor(() => invocations.length === 1, 'the batch is in flight');

    // Act
    let stopped = false;
    const stopping = esm.stop().then(() => {
      stopped = true;
    });
    await waitFor(() => esm.state === 'stopping', 'the mapping is stopping');
    const stoppedBeforeRelease = stopped;
    release();
    await stopping;

    // Assess
    expect(stoppedBeforeRelease).toBe(false);
    expect(esm.state).toBe('stopped');
    const row = await checkpointStore(h.clients, table).get(mappingId, puts[0]?.shardId ?? '');
    expect(row?.sequenceNumber).toBe(puts[1]?.sequenceNumber);
    expect(row?.leaseOwner).toBeUndefined();
  });

  it('abandons the in-flight batch uncheckpointed on stop({ abandonInFlight })', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'a' }]);
    const mappingId = uniqueName('mapping');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = recordingHandler(() => gate);
    const a = h.mapping({
      streamArn,
      handler: first.handler,
      checkpointTableName: table,
      mappingId,
    });
    await a.start();
    await waitFor(() => first.invocations.length === 1, 'the batch is in flight');

    // Act
    await a.stop({ abandonInFlight: true });
    release();
    const second = recordingHandler();
    const b = h.mapping({
      streamArn,
      handler: second.handler,
      checkpointTableName: table,
      mappingId,
    });
    await b.start();
    await waitFor(() => second.invocations.length === 1, 'the next runner redelivers the batch');

    // Assess
    expect(second.invocations[0]?.sequenceNumbers).toEqual([puts[0]?.sequenceNumber]);
  });
});
