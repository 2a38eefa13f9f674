import type { KinesisStreamHandler } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collect,
  createStream,
  esmHarness,
  putRecords,
  REGION,
  recordingHandler,
  uniqueName,
  waitFor,
} from '../../src/testing/esm.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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

  it('hands the function a KinesisStreamEvent and a Context shaped like Lambda’s', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const [put] = await putRecords(h.clients.kinesis, streamArn, [
      { partitionKey: 'account-1', data: '{"amount":42}' },
    ]);
    const remainingAtStart: number[] = [];
    const { handler, invocations } = recordingHandler((inv) => {
      remainingAtStart.push(inv.context.getRemainingTimeInMillis());
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { functionTimeoutSeconds: 30, memorySizeMB: 256 },
    });

    // Act
    await esm.start();
    await waitFor(() => invocations.length === 1, 'the record is delivered');

    // Assess
    const inv = invocations[0];
    const record = inv?.event.Records[0];
    expect(inv?.event.Records).toHaveLength(1);
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'account-1',
        sequenceNumber: put?.sequenceNumber,
        data: Buffer.from('{"amount":42}').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${put?.shardId}:${put?.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\/.+/),
      awsRegion: REGION,
      eventSourceARN: streamArn,
    });
    // Seconds since the epoch (not milliseconds), close to now.
    expect(
      Math.abs((record?.kinesis.approximateArrivalTimestamp ?? 0) - Date.now() / 1000),
    ).toBeLessThan(60);
    expect(inv?.context).toMatchObject({
      functionName: 'ledger-test',
      functionVersion: '$LATEST',
      invokedFunctionArn: expect.stringMatching(
        /^arn:aws:lambda:us-east-1:\d{12}:function:ledger-test$/,
      ),
      memoryLimitInMB: '256',
      awsRequestId: expect.stringMatching(UUID),
      logGroupName: '/aws/lambda/ledger-test',
      logStreamName: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
    });
    expect(remainingAtStart[0]).toBeGreaterThan(25_000);
    expect(remainingAtStart[0]).toBeLessThanOrEqual(30_000);
  });

  it('never puts more than batchSize records in one invocation', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      Array.from({ length: 25 }, (_, i) => ({ partitionKey: `k${i % 3}`, data: `r${i}` })),
    );
    const { handler, invocations } = recordingHandler();
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { batchSize: 10 },
    });

    // Act
    await esm.start();
    await waitFor(
      () => invocations.flatMap((i) => i.data).length === 25,
      'all 25 records are delivered',
    );

    // Assess
    expect(invocations.map((i) => i.data.length)).toEqual([10, 10, 5]);
    expect(invocations.flatMap((i) => i.sequenceNumbers)).toEqual(
      puts.map((p) => p.sequenceNumber),
    );
  });

  it('waits up to the batching window to fill a batch', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const { handler, invocations } = recordingHandler();
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { batchSize: 100, maximumBatchingWindowInSeconds: 1 },
    });
    await esm.start();

    // Act
    const firstPutAt = Date.now();
    await putRecords(h.clients.kinesis, streamArn, [
      { partitionKey: 'a', data: 'one' },
      { partitionKey: 'a', data: 'two' },
      { partitionKey: 'a', data: 'three' },
    ]);
    await waitFor(() => invocations.length > 0, 'the partial batch is delivered');

    // Assess: one invocation with all three, not before the window closed.
    await waitFor(() => invocations.flatMap((i) => i.data).length === 3, 'all records arrive');
    expect(invocations).toHaveLength(1);
    expect(invocations[0]?.data).toEqual(['one', 'two', 'three']);
    expect((invocations[0]?.at ?? 0) - firstPutAt).toBeGreaterThanOrEqual(1_000);
  });

  it('invokes as soon as a batch is full, without waiting out the batching window', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const { handler, invocations } = recordingHandler();
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { batchSize: 4, maximumBatchingWindowInSeconds: 300 },
    });
    await esm.start();

    // Act
    await putRecords(
      h.clients.kinesis,
      streamArn,
      ['a', 'b', 'c', 'd'].map((data) => ({ partitionKey: 'p', data })),
    );

    // Assess: well within the test's timeout, far from the 300 s window.
    await waitFor(() => invocations.length === 1, 'the full batch is delivered', 10_000);
    expect(invocations[0]?.data).toEqual(['a', 'b', 'c', 'd']);
  });

  it('delivers each shard’s records in sequence order, one batch in flight per shard', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 3);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      Array.from({ length: 60 }, (_, i) => ({ partitionKey: `account-${i % 12}`, data: `r${i}` })),
    );
    const shards = [...new Set(puts.map((p) => p.shardId))];
    expect(shards.length).toBeGreaterThanOrEqual(2);
    const inFlight = new Map<string, number>();
    let overlapped = false;
    const { handler, invocations } = recordingHandler(async (inv) => {
      const n = (inFlight.get(inv.shardId) ?? 0) + 1;
      inFlight.set(inv.shardId, n);
      if (n > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, 5));
      inFlight.set(inv.shardId, n - 1);
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { batchSize: 4 },
    });

    // Act
    await esm.start();
    await waitFor(
      () => invocations.flatMap((i) => i.data).length === puts.length,
      'every record is delivered',
    );

    // Assess
    expect(overlapped).toBe(false);
    for (const shardId of shards) {
      const delivered = invocations
        .filter((i) => i.shardId === shardId)
        .flatMap((i) => i.sequenceNumbers);
      const written = puts.filter((p) => p.shardId === shardId).map((p) => p.sequenceNumber);
      expect(delivered).toEqual(written);
    }
    // A batch never mixes shards.
    for (const inv of invocations) {
      expect(new Set(inv.event.Records.map((r) => r.eventID.split(':')[0]))).toEqual(
        new Set([inv.shardId]),
      );
    }
  });

  it('starts at the tip with LATEST, and a restart before any checkpoint skips nothing', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'before' }]);
    const mappingId = uniqueName('latest');
    const first = recordingHandler();
    const a = h.mapping({
      streamArn,
      handler: first.handler,
      checkpointTableName: table,
      mappingId,
      config: { startingPosition: 'LATEST' },
    });

    // Act: stop before anything is processed, write, start again.
    await a.start();
    await a.stop();
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'while-down' }]);
    const second = recordingHandler();
    const b = h.mapping({
      streamArn,
      handler: second.handler,
      checkpointTableName: table,
      mappingId,
      config: { startingPosition: 'LATEST' },
    });
    await b.start();
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'after' }]);
    await waitFor(
      () => second.invocations.flatMap((i) => i.data).includes('after'),
      'the record written after the restart is delivered',
    );

    // Assess
    expect(first.invocations).toHaveLength(0);
    expect(second.invocations.flatMap((i) => i.data)).toEqual(['while-down', 'after']);
  });

  it('reports invocations, records and checkpoints in its stats and events', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      ['a', 'b', 'c'].map((data) => ({ partitionKey: 'p', data })),
    );
    const { handler } = recordingHandler();
    const esm = h.mapping({ streamArn, handler, checkpointTableName: table });
    const checkpoints = collect(esm, 'checkpoint');
    const invoked = collect(esm, 'invoked');

    // Act
    await esm.start();
    await waitFor(() => checkpoints.length > 0, 'a checkpoint is written');

    // Assess
    const last = puts.at(-1);
    expect(checkpoints.at(-1)).toEqual({
      shardId: last?.shardId,
      sequenceNumber: last?.sequenceNumber,
    });
    expect(invoked.map((e) => e.outcome)).toEqual(['success']);
    const stats = esm.stats();
    expect(stats).toMatchObject({
      state: 'running',
      invocations: 1,
      failedInvocations: 0,
      recordsDelivered: 3,
      recordsSucceeded: 3,
      retries: 0,
    });
    expect(stats.shards).toEqual([
      expect.objectContaining({
        shardId: last?.shardId,
        checkpoint: last?.sequenceNumber,
        lastReadSequenceNumber: last?.sequenceNumber,
        pendingRecords: 0,
        inFlightBatches: 0,
      }),
    ]);
    expect(stats.maxIteratorAgeMs).toBeGreaterThanOrEqual(0);
    await esm.stop();
    expect(esm.state).toBe('stopped');
  });

  it('runs a callback-style handler typed KinesisStreamHandler', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'x' }]);
    const seen: string[] = [];
    const handler: KinesisStreamHandler = (event, _context, callback) => {
      seen.push(...event.Records.map((r) => r.kinesis.sequenceNumber));
      setTimeout(() => callback(null, { batchItemFailures: [] }), 5);
    };
    const esm = h.mapping({ streamArn, handler, checkpointTableName: table });
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(() => checkpoints.length === 1, 'the batch is checkpointed');

    // Assess
    expect(seen).toEqual([puts[0]?.sequenceNumber]);
  });
});
