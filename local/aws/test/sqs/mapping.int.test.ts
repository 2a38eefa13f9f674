import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collect,
  createPlainQueue,
  createQueueWithDlq,
  depth,
  harness,
  recordingHandler,
  send,
  waitFor,
} from '../../src/testing/sqs.js';

describe('SqsEventSourceMapping', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('invokes with a faithful SQSEvent and deletes the messages once the handler succeeds', async () => {
    // Prepare
    const { source } = await createQueueWithDlq(h.sqs);
    const id = await send(h.sqs, source.url, '{"n":1}', {
      kind: { DataType: 'String', StringValue: 'RECEIPT' },
    });
    const { handler, invocations } = recordingHandler();
    const esm = h.mapping(source.arn, handler, { functionName: 'notifier-receipts' });
    const deleted = collect(esm, 'deleted');

    // Act
    await esm.start();
    await waitFor(() => deleted.length > 0, 'the message is deleted');

    // Assess
    const record = invocations[0]?.event.Records[0];
    expect(record).toMatchObject({
      messageId: id,
      body: '{"n":1}',
      md5OfBody: createHash('md5').update('{"n":1}').digest('hex'),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {
        kind: {
          stringValue: 'RECEIPT',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
      },
      eventSource: 'aws:sqs',
      eventSourceARN: source.arn,
      awsRegion: 'us-east-1',
    });
    expect(record?.receiptHandle).toEqual(expect.any(String));
    expect(record?.attributes.SentTimestamp).toMatch(/^\d+$/);
    expect(invocations[0]?.context.functionName).toBe('notifier-receipts');
    expect(deleted.flatMap((d) => d.messageIds)).toEqual([id]);
    expect(await depth(h.sqs, source.url)).toEqual({ visible: 0, inFlight: 0 });
    expect(esm.stats()).toMatchObject({ invocations: 1, messagesDeleted: 1, messagesFailed: 0 });
  });

  it('batches up to batchSize messages per invocation', async () => {
    // Prepare
    const queue = await createPlainQueue(h.sqs);
    for (let i = 0; i < 12; i++) await send(h.sqs, queue.url, `m${i}`);
    const { handler, invocations } = recordingHandler();
    const esm = h.mapping(queue.arn, handler, { batchSize: 5 });

    // Act
    await esm.start();
    await waitFor(() => esm.stats().messagesDeleted === 12, 'all twelve are deleted');

    // Assess
    expect(invocations.every((i) => i.bodies.length <= 5)).toBe(true);
    expect(new Set(invocations.flatMap((i) => i.bodies)).size).toBe(12);
  });

  it('redelivers only the messages reported in batchItemFailures, after the visibility timeout', async () => {
    // Prepare
    const { source } = await createQueueWithDlq(h.sqs);
    await send(h.sqs, source.url, 'good');
    await send(h.sqs, source.url, 'bad');
    const { handler, invocations } = recordingHandler(async (inv, index) =>
      index === 0
        ? {
            batchItemFailures: inv.event.Records.filter((r) => r.body === 'bad').map((r) => ({
              itemIdentifier: r.messageId,
            })),
          }
        : undefined,
    );
    const esm = h.mapping(source.arn, handler, { maximumBatchingWindowInSeconds: 0.3 });
    const invoked = collect(esm, 'invoked');

    // Act
    await esm.start();
    await waitFor(() => invocations.length >= 2, 'the failed message comes back');

    // Assess
    expect(invocations[0]?.bodies.sort()).toEqual(['bad', 'good']);
    expect(invocations[1]?.bodies).toEqual(['bad']);
    expect(invocations[1]?.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(invoked[0]).toMatchObject({
      outcome: 'partial',
      failedMessageIds: [expect.any(String)],
    });
    await waitFor(
      async () => (await depth(h.sqs, source.url)).inFlight === 0,
      'the retry is deleted',
    );
    expect(await depth(h.sqs, source.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('fails every message of a batch whose handler throws', async () => {
    // Prepare
    const { source } = await createQueueWithDlq(h.sqs);
    await send(h.sqs, source.url, 'a');
    await send(h.sqs, source.url, 'b');
    const { handler, invocations } = recordingHandler(async (_inv, index) => {
      if (index === 0) throw new Error('downstream unavailable');
      return undefined;
    });
    const esm = h.mapping(source.arn, handler, { maximumBatchingWindowInSeconds: 0.3 });
    const invoked = collect(esm, 'invoked');

    // Act
    await esm.start();
    await waitFor(() => esm.stats().messagesDeleted === 2, 'both are deleted after the retry');

    // Assess
    expect(invoked[0]).toMatchObject({ outcome: 'error' });
    expect([...(invoked[0]?.failedMessageIds ?? [])].sort()).toEqual(
      [...(invoked[0]?.messageIds ?? [])].sort(),
    );
    expect(invocations.flatMap((i) => i.bodies).sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('fails the whole batch when batchItemFailures names a message that is not in it', async () => {
    // Prepare
    const queue = await createPlainQueue(h.sqs);
    await send(h.sqs, queue.url, 'a');
    const { handler } = recordingHandler(async (_inv, index) =>
      index === 0 ? { batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] } : undefined,
    );
    const esm = h.mapping(queue.arn, handler);
    const invoked = collect(esm, 'invoked');

    // Act
    await esm.start();
    await waitFor(() => esm.stats().messagesDeleted === 1, 'the retry succeeds');

    // Assess
    expect(invoked.map((i) => i.outcome)).toEqual(['invalid-response', 'success']);
  });

  it('counts a handler that outlives its timeout as failed and redelivers its messages', async () => {
    // Prepare
    const queue = await createPlainQueue(h.sqs, 1);
    await send(h.sqs, queue.url, 'slow');
    const { handler } = recordingHandler(async (_inv, index) => {
      if (index === 0) await new Promise((r) => setTimeout(r, 1_500));
      return undefined;
    });
    const esm = h.mapping(queue.arn, handler, { functionTimeoutSeconds: 0.5 });
    const invoked = collect(esm, 'invoked');

    // Act
    await esm.start();
    await waitFor(() => esm.stats().messagesDeleted === 1, 'the retry succeeds');

    // Assess
    expect(invoked[0]).toMatchObject({ outcome: 'timeout' });
  });

  it('leaves a message that keeps failing to the queue redrive policy, which dead-letters it', async () => {
    // Prepare
    const { source, dlq } = await createQueueWithDlq(h.sqs, { maxReceiveCount: 3 });
    const id = await send(h.sqs, source.url, 'poison');
    const { handler, invocations } = recordingHandler(async (inv) => ({
      batchItemFailures: inv.event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    const esm = h.mapping(source.arn, handler);

    // Act
    await esm.start();
    await waitFor(
      async () => (await depth(h.sqs, dlq.url)).visible === 1,
      'the DLQ holds it',
      20_000,
    );

    // Assess
    expect(invocations.map((i) => i.event.Records[0]?.attributes.ApproximateReceiveCount)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(invocations.every((i) => i.event.Records[0]?.messageId === id)).toBe(true);
    expect(await depth(h.sqs, source.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('refuses a queue whose visibility timeout is shorter than the function timeout, as AWS does', async () => {
    // Prepare
    const queue = await createPlainQueue(h.sqs, 1);
    const esm = h.mapping(queue.arn, recordingHandler().handler, { functionTimeoutSeconds: 5 });

    // Act
    const error = await esm.start().catch((e: unknown) => e);

    // Assess
    expect((error as Error).message).toBe(
      'Queue visibility timeout: 1 seconds is less than Function timeout: 5 seconds',
    );
    expect(esm.state).toBe('stopped');
  });

  it('waits for an in-flight invocation on stop and deletes what it finished', async () => {
    // Prepare
    const queue = await createPlainQueue(h.sqs, 5);
    await send(h.sqs, queue.url, 'x');
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { handler, invocations } = recordingHandler(async () => {
      await gate;
      return undefined;
    });
    const esm = h.mapping(queue.arn, handler, { functionTimeoutSeconds: 5 });
    await esm.start();
    await waitFor(() => invocations.length === 1, 'the handler is running');

    // Act
    const stopped = esm.stop();
    release();
    await stopped;

    // Assess
    expect(esm.state).toBe('stopped');
    expect(esm.stats()).toMatchObject({ messagesDeleted: 1, inFlightBatches: 0 });
    expect(await depth(h.sqs, queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
