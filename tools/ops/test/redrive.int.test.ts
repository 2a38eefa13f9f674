import {
  createQueueWithDlq,
  depth,
  harness,
  recordingHandler,
  send,
  uniqueName,
  waitFor,
} from '@atm-ledger/local-aws/testing/sqs';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redrive } from '../src/redrive.js';

describe('redrive', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('moves every message of a DLQ back to its source queue, body and attributes intact', async () => {
    // Prepare
    const { source, dlq } = await createQueueWithDlq(h.sqs);
    for (let i = 0; i < 13; i++) {
      await send(h.sqs, dlq.url, `m${i}`, { reason: { DataType: 'String', StringValue: `r${i}` } });
    }

    // Act
    const result = await redrive(h.sqs, { queue: dlq.name });

    // Assess: moto has no StartMessageMoveTask, so the manual move ran.
    expect(result).toMatchObject({
      deadLetterQueueUrl: dlq.url,
      destinationQueueUrl: source.url,
      method: 'manual',
      moved: 13,
      failed: 0,
      notDeleted: 0,
      fallbackReason: expect.stringContaining('StartMessageMoveTask'),
    });
    expect(await depth(h.sqs, dlq.url)).toEqual({ visible: 0, inFlight: 0 });
    const moved: { body: string; reason: string | undefined }[] = [];
    while (moved.length < 13) {
      const { Messages } = await h.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: source.url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      for (const m of Messages ?? []) {
        moved.push({ body: m.Body ?? '', reason: m.MessageAttributes?.reason?.StringValue });
      }
    }
    expect(moved.sort((a, b) => a.body.localeCompare(b.body, 'en', { numeric: true }))).toEqual(
      Array.from({ length: 13 }, (_, i) => ({ body: `m${i}`, reason: `r${i}` })),
    );
  });

  it('drains the DLQ of a source queue named by URL', async () => {
    // Prepare
    const { source, dlq } = await createQueueWithDlq(h.sqs);
    await send(h.sqs, dlq.url, 'x');

    // Act
    const result = await redrive(h.sqs, { queue: source.url });

    // Assess
    expect(result).toMatchObject({
      deadLetterQueueUrl: dlq.url,
      destinationQueueUrl: source.url,
      moved: 1,
    });
    expect(await depth(h.sqs, source.url)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('stops after maxMessages', async () => {
    // Prepare
    const { source, dlq } = await createQueueWithDlq(h.sqs);
    for (let i = 0; i < 5; i++) await send(h.sqs, dlq.url, `m${i}`);

    // Act
    const result = await redrive(h.sqs, { queue: dlq.url, maxMessages: 3 });

    // Assess
    expect(result.moved).toBe(3);
    expect(await depth(h.sqs, source.url)).toEqual({ visible: 3, inFlight: 0 });
    expect((await depth(h.sqs, dlq.url)).visible + (await depth(h.sqs, dlq.url)).inFlight).toBe(2);
  });

  it('asks for a destination when the DLQ serves several queues', async () => {
    // Prepare
    const { dlq } = await createQueueWithDlq(h.sqs);
    await h.sqs.send(
      new CreateQueueCommand({
        QueueName: uniqueName('second-source'),
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }),
        },
      }),
    );

    // Act
    const error = await redrive(h.sqs, { queue: dlq.url }).catch((e: unknown) => e);

    // Assess
    expect((error as Error).message).toMatch(/dead-letter queue of 2 queues/);
  });

  it('refuses to use the move task when told to and the endpoint lacks it', async () => {
    // Prepare
    const { dlq } = await createQueueWithDlq(h.sqs);

    // Act
    const error = await redrive(h.sqs, { queue: dlq.url, method: 'move-task' }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
  });

  it('gives a dead-lettered message a second life: failed three times, redriven, then completed', async () => {
    // Prepare: a handler that fails until the downstream is "fixed".
    const { source, dlq } = await createQueueWithDlq(h.sqs, { maxReceiveCount: 3 });
    const id = await send(h.sqs, source.url, 'notify me');
    let healthy = false;
    const { handler, invocations } = recordingHandler(async (inv) =>
      healthy
        ? undefined
        : { batchItemFailures: inv.event.Records.map((r) => ({ itemIdentifier: r.messageId })) },
    );
    const esm = h.mapping(source.arn, handler);
    await esm.start();
    await waitFor(
      async () => (await depth(h.sqs, dlq.url)).visible === 1,
      'it is dead-lettered',
      20_000,
    );
    const { Attributes } = await h.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: dlq.url,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );

    // Act
    healthy = true;
    const result = await redrive(h.sqs, { queue: dlq.name });
    await waitFor(() => esm.stats().messagesDeleted === 1, 'the healthy handler completes it');

    // Assess
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
    expect(result.moved).toBe(1);
    const last = invocations.at(-1)?.event.Records[0];
    expect(last?.body).toBe('notify me');
    // A redriven message is a new message: its own id and a fresh receive count.
    expect(last?.messageId).not.toBe(id);
    expect(last?.attributes.ApproximateReceiveCount).toBe('1');
    expect(await depth(h.sqs, dlq.url)).toEqual({ visible: 0, inFlight: 0 });
    expect(await depth(h.sqs, source.url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
