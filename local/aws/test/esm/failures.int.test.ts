import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointStore,
  collect,
  createQueue,
  createStream,
  esmHarness,
  putRecords,
  receiveJson,
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

  it('checkpoints only after the function succeeds, redelivering the batch until then', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      ['a', 'b', 'c'].map((data) => ({ partitionKey: 'p', data })),
    );
    const mappingId = uniqueName('mapping');
    const store = checkpointStore(h.clients, table);
    const checkpointsSeenWhileFailing: (string | undefined)[] = [];
    const { handler, invocations } = recordingHandler(async (_inv, index) => {
      if (index < 2) {
        // What is durable while the function is still failing.
        const row = await store.get(mappingId, puts[0]?.shardId ?? '');
        checkpointsSeenWhileFailing.push(row?.sequenceNumber);
        throw new Error('downstream unavailable');
      }
    });
    const esm = h.mapping({ streamArn, handler, checkpointTableName: table, mappingId });
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(() => checkpoints.length > 0, 'the batch is checkpointed');

    // Assess
    expect(invocations.map((i) => i.data)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    expect(checkpointsSeenWhileFailing).toEqual([undefined, undefined]);
    const row = await store.get(mappingId, puts[0]?.shardId ?? '');
    expect(row?.sequenceNumber).toBe(puts.at(-1)?.sequenceNumber);
    expect(esm.stats()).toMatchObject({ invocations: 3, failedInvocations: 2, retries: 2 });
  });

  it('resumes from the lowest failed sequence number of a partial batch response', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      Array.from({ length: 8 }, (_, i) => ({ partitionKey: 'p', data: `r${i}` })),
    );
    const seq = puts.map((p) => p.sequenceNumber);
    const mappingId = uniqueName('mapping');
    const store = checkpointStore(h.clients, table);
    let checkpointAfterPartial: string | undefined;
    const { handler, invocations } = recordingHandler(async (_inv, index) => {
      if (index === 0) {
        // Reported out of order on purpose: the lowest one counts.
        return {
          batchItemFailures: [{ itemIdentifier: seq[5] ?? '' }, { itemIdentifier: seq[3] ?? '' }],
        };
      }
      // Checkpoints are written behind the lane; until this retry returns,
      // the only one the worker can have written is the partial batch's.
      await waitFor(() => checkpoints.length > 0, 'the partial batch is checkpointed');
      checkpointAfterPartial = (await store.get(mappingId, puts[0]?.shardId ?? ''))?.sequenceNumber;
      return { batchItemFailures: [] };
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      mappingId,
      config: { functionResponseTypes: ['ReportBatchItemFailures'] },
    });
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(
      () => checkpoints.some((c) => c.sequenceNumber === seq.at(-1)),
      'the whole shard is checkpointed',
    );

    // Assess: checkpoint just before r3, then r3 and everything after it again.
    expect(checkpointAfterPartial).toBe(seq[2]);
    expect(invocations.map((i) => i.data)).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'],
      ['r3', 'r4', 'r5', 'r6', 'r7'],
    ]);
    expect(checkpoints.map((c) => c.sequenceNumber)).toEqual([seq[2], seq.at(-1)]);
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelt key', { batchItemFailures: [{ itemId: '1' }] }],
    ['an unknown sequence number', { batchItemFailures: [{ itemIdentifier: '999999999' }] }],
  ])('fails the whole batch for %s', async (_name, response) => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    await putRecords(
      h.clients.kinesis,
      streamArn,
      ['a', 'b'].map((data) => ({ partitionKey: 'p', data })),
    );
    const { handler, invocations } = recordingHandler((_inv, index) =>
      index === 0 ? (response as never) : undefined,
    );
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { functionResponseTypes: ['ReportBatchItemFailures'] },
    });
    const invoked = collect(esm, 'invoked');
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(() => checkpoints.length > 0, 'the retried batch is checkpointed');

    // Assess
    expect(invoked.map((e) => e.outcome)).toEqual(['invalid-response', 'success']);
    expect(invocations.map((i) => i.data)).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('ignores batchItemFailures unless ReportBatchItemFailures is enabled', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      ['a', 'b'].map((data) => ({ partitionKey: 'p', data })),
    );
    const { handler, invocations } = recordingHandler(() => ({
      batchItemFailures: [{ itemIdentifier: puts[0]?.sequenceNumber ?? '' }],
    }));
    const esm = h.mapping({ streamArn, handler, checkpointTableName: table });
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(() => checkpoints.length > 0, 'the batch is checkpointed');

    // Assess
    expect(invocations).toHaveLength(1);
    expect(checkpoints[0]?.sequenceNumber).toBe(puts[1]?.sequenceNumber);
  });

  it('sends an on-failure record to SQS once retries are exhausted, then moves on', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const queue = await createQueue(h.clients.sqs);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      ['poison', 'a', 'b', 'c'].map((data) => ({ partitionKey: 'p', data })),
    );
    const { handler, invocations } = recordingHandler((inv) => {
      if (inv.data.includes('poison')) throw new Error('cannot post');
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: {
        batchSize: 3,
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: queue.arn } },
      },
    });
    const discards = collect(esm, 'discard');
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(
      () => checkpoints.some((c) => c.sequenceNumber === puts.at(-1)?.sequenceNumber),
      'the shard moves past the discarded batch',
    );
    const [message, ...more] = await receiveJson(h.clients.sqs, queue.url, 1);

    // Assess: 1 attempt + 2 retries, then the next batch.
    expect(invocations.map((i) => i.data)).toEqual([
      ['poison', 'a', 'b'],
      ['poison', 'a', 'b'],
      ['poison', 'a', 'b'],
      ['c'],
    ]);
    expect(more).toEqual([]);
    expect(message).toEqual({
      requestContext: {
        requestId: invocations[2]?.context.awsRequestId,
        functionArn: esm.functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: puts[0]?.shardId,
        startSequenceNumber: puts[0]?.sequenceNumber,
        endSequenceNumber: puts[2]?.sequenceNumber,
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 3,
        streamArn,
      },
    });
    expect(discards).toEqual([
      expect.objectContaining({
        condition: 'RetryAttemptsExhausted',
        batchSize: 3,
        approximateInvokeCount: 3,
        onFailureSent: true,
      }),
    ]);
    expect(esm.stats()).toMatchObject({
      discardedBatches: 1,
      discardedRecords: 3,
      onFailureRecordsSent: 1,
    });
  });

  it('bisects a failing batch down to the bad record and discards only that record', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    const queue = await createQueue(h.clients.sqs);
    const puts = await putRecords(
      h.clients.kinesis,
      streamArn,
      ['a', 'b', 'poison', 'd'].map((data) => ({ partitionKey: 'p', data })),
    );
    const { handler, invocations } = recordingHandler((inv) => {
      if (inv.data.includes('poison')) throw new Error('cannot post');
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: {
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 0,
        destinationConfig: { onFailure: { destination: queue.arn } },
      },
    });
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(
      () => checkpoints.some((c) => c.sequenceNumber === puts.at(-1)?.sequenceNumber),
      'the shard is processed to its last record',
    );
    const [message] = await receiveJson(h.clients.sqs, queue.url, 1);

    // Assess: halves are retried without using the (zero) retry budget.
    expect(invocations.map((i) => i.data)).toEqual([
      ['a', 'b', 'poison', 'd'],
      ['a', 'b'],
      ['poison', 'd'],
      ['poison'],
      ['d'],
    ]);
    expect(message).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      KinesisBatchInfo: {
        startSequenceNumber: puts[2]?.sequenceNumber,
        endSequenceNumber: puts[2]?.sequenceNumber,
        batchSize: 1,
      },
    });
  });

  it('treats an invocation that outlives the function timeout as failed', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'slow' }]);
    const { handler } = recordingHandler(
      (_inv, index) =>
        new Promise((resolve) => setTimeout(() => resolve(undefined), index === 0 ? 5_000 : 0)),
    );
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { functionTimeoutSeconds: 0.3 },
    });
    const invoked = collect(esm, 'invoked');
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(() => checkpoints.length > 0, 'the retried batch is checkpointed');

    // Assess
    expect(invoked.map((e) => e.outcome)).toEqual(['timeout', 'success']);
    expect(String(invoked[0]?.error)).toContain('Task timed out after 0.30 seconds');
  });

  it('retries with growing, capped backoff between attempts', async () => {
    // Prepare
    const streamArn = await createStream(h.clients.kinesis, 1);
    await putRecords(h.clients.kinesis, streamArn, [{ partitionKey: 'p', data: 'x' }]);
    const { handler } = recordingHandler((_inv, index) => {
      if (index < 6) throw new Error('flaky');
    });
    const esm = h.mapping({
      streamArn,
      handler,
      checkpointTableName: table,
      config: { retryBackoff: { baseMs: 20, maxMs: 80 } },
    });
    const retries = collect(esm, 'retry');
    const checkpoints = collect(esm, 'checkpoint');

    // Act
    await esm.start();
    await waitFor(() => checkpoints.length > 0, 'the batch finally succeeds');

    // Assess
    expect(retries.map((r) => r.retryAttempt)).toEqual([1, 2, 3, 4, 5, 6]);
    const ceilings = [20, 40, 80, 80, 80, 80];
    retries.forEach((r, i) => {
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThan(ceilings[i] ?? 0);
    });
  });
});
