import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { clients, uniqueName } from './clients.js';

/**
 * Fix "lock", long polls: moto sleeps inside ReceiveMessage while it waits for
 * a message. Under a global lock that sleep would stall every other request,
 * including the SendMessage that ends the wait; the launcher serves a long poll
 * as short polls instead.
 */
describe('moto request lock: SQS long polls', () => {
  it('lets other requests run while a ReceiveMessage waits, and returns the message sent meanwhile', async () => {
    // Prepare
    const sqs = clients.sqs();
    const ddb = clients.dynamodb();
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('long-poll') }),
    );
    const events: string[] = [];

    // Act
    const receiving = sqs
      .send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }))
      .then((r) => {
        events.push('received');
        return r;
      });
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 10; i++) await ddb.send(new ListTablesCommand({}));
    events.push('other requests done');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    events.push('sent');
    const received = await receiving;

    // Assess
    // The other requests ran while the poll waited; the send then ended the wait (its answer and
    // the poll's may reach us in either order).
    expect(events[0]).toBe('other requests done');
    expect(events.slice(1).sort()).toEqual(['received', 'sent']);
    expect(received.Messages?.map((m) => m.Body)).toEqual(['hello']);
    sqs.destroy();
    ddb.destroy();
  });

  it('answers as soon as a message is sent, not at its next look a second later', async () => {
    // Prepare
    const sqs = clients.sqs();
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('long-poll-wake') }),
    );
    const receiving = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    // Just after one of its once-a-second looks: without a wake-up the next is ~0.9 s away.
    await new Promise((r) => setTimeout(r, 1_080));

    // Act
    const sentAt = performance.now();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'now' }));
    const received = await receiving;
    const waited = performance.now() - sentAt;

    // Assess: the send wakes the waiting poll; without it, the poll would look again up to 1 s later.
    expect(received.Messages?.map((m) => m.Body)).toEqual(['now']);
    expect(waited).toBeLessThan(500);
    sqs.destroy();
  });
});
