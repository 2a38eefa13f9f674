import {
  CreateEventBusCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { clients, uniqueName } from './clients.js';

const SOURCE = 'atm-ledger.ledger';
const DETAIL_TYPE = 'PostingRecorded';

/**
 * Fix "eventbridge-sns": upstream moto answers PutEvents with a 500 as soon as
 * a matching rule targets an SNS topic. This is the notifier's fan-out path:
 * bus -> rule -> topic -> SQS subscriptions with filter policies.
 */
describe('moto EventBridge rule targets', () => {
  const eventbridge = clients.eventbridge();
  const sns = clients.sns();
  const sqs = clients.sqs();
  afterAll(() => {
    eventbridge.destroy();
    sns.destroy();
    sqs.destroy();
  });

  async function createQueue(prefix: string) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    if (QueueUrl === undefined || Attributes?.QueueArn === undefined) {
      throw new Error('queue not created');
    }
    return { url: QueueUrl, arn: Attributes.QueueArn };
  }

  async function createBusWithRule(target: Target) {
    const bus = uniqueName('ledger-bus');
    await eventbridge.send(new CreateEventBusCommand({ Name: bus }));
    const rule = uniqueName('postings');
    await eventbridge.send(
      new PutRuleCommand({
        Name: rule,
        EventBusName: bus,
        EventPattern: JSON.stringify({ source: [SOURCE], 'detail-type': [DETAIL_TYPE] }),
      }),
    );
    await eventbridge.send(
      new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [target] }),
    );
    return bus;
  }

  const posting = (bus: string, kind: string, extra: Partial<PutEventsRequestEntry> = {}) => ({
    EventBusName: bus,
    Source: SOURCE,
    DetailType: DETAIL_TYPE,
    Detail: JSON.stringify({ kind, postingId: uniqueName(kind) }),
    ...extra,
  });

  async function receiveAll(queueUrl: string): Promise<string[]> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    return (Messages ?? []).map((m) => m.Body ?? '');
  }

  it('delivers matching events to an SNS topic, through its filtered SQS subscriptions', async () => {
    // Prepare
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('postings') }));
    const raw = await createQueue('withdrawals-raw');
    const wrapped = await createQueue('withdrawals-wrapped');
    for (const [queue, rawDelivery] of [
      [raw, 'true'],
      [wrapped, 'false'],
    ] as const) {
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: queue.arn,
          Attributes: {
            RawMessageDelivery: rawDelivery,
            FilterPolicyScope: 'MessageBody',
            FilterPolicy: JSON.stringify({ detail: { kind: ['withdrawal'] } }),
          },
        }),
      );
    }
    const bus = await createBusWithRule({ Id: 'topic', Arn: TopicArn ?? '' });
    const withdrawal = posting(bus, 'withdrawal', { Time: new Date('2030-01-02T03:04:05Z') });

    // Act
    const put = await eventbridge.send(
      new PutEventsCommand({
        Entries: [
          withdrawal,
          posting(bus, 'deposit'), // matches the rule, not the subscriptions' filter policy
          { ...posting(bus, 'withdrawal'), Source: 'someone.else' }, // does not match the rule
        ],
      }),
    );

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    const expectedEvent = {
      version: '0',
      id: put.Entries?.[0]?.EventId,
      'detail-type': DETAIL_TYPE,
      source: SOURCE,
      account: expect.stringMatching(/^\d{12}$/),
      time: '2030-01-02T03:04:05Z',
      region: 'us-east-1',
      resources: [],
      detail: JSON.parse(withdrawal.Detail),
    };
    const rawBodies = await receiveAll(raw.url);
    expect(rawBodies.map((body) => JSON.parse(body))).toEqual([expectedEvent]);
    const wrappedBodies = await receiveAll(wrapped.url);
    expect(wrappedBodies).toHaveLength(1);
    const envelope = JSON.parse(wrappedBodies[0] ?? '{}');
    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn });
    expect(JSON.parse(envelope.Message)).toEqual(expectedEvent);
  });

  it('delivers nothing to the topic for events the rule does not match', async () => {
    // Prepare
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('postings') }));
    const queue = await createQueue('all-postings');
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const bus = await createBusWithRule({ Id: 'topic', Arn: TopicArn ?? '' });

    // Act
    const put = await eventbridge.send(
      new PutEventsCommand({
        Entries: [{ ...posting(bus, 'withdrawal'), DetailType: 'SomethingElse' }],
      }),
    );

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(await receiveAll(queue.url)).toEqual([]);
  });

  it('publishes what InputPath selects of the event to an SNS topic target', async () => {
    // Prepare
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('details') }));
    const queue = await createQueue('details');
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const bus = await createBusWithRule({
      Id: 'topic',
      Arn: TopicArn ?? '',
      InputPath: '$.detail',
    });
    const event = posting(bus, 'withdrawal');

    // Act
    await eventbridge.send(new PutEventsCommand({ Entries: [event] }));

    // Assess
    expect((await receiveAll(queue.url)).map((body) => JSON.parse(body))).toEqual([
      JSON.parse(event.Detail),
    ]);
  });

  it('delivers matching events to an SQS queue target', async () => {
    // Prepare
    const queue = await createQueue('postings-direct');
    const bus = await createBusWithRule({ Id: 'queue', Arn: queue.arn });
    const event = posting(bus, 'withdrawal');

    // Act
    await eventbridge.send(new PutEventsCommand({ Entries: [event, posting(bus, 'deposit')] }));

    // Assess
    const bodies = (await receiveAll(queue.url)).map((body) => JSON.parse(body));
    expect(bodies.map((b) => [b.source, b['detail-type'], b.detail.kind])).toEqual([
      [SOURCE, DETAIL_TYPE, 'withdrawal'],
      [SOURCE, DETAIL_TYPE, 'deposit'],
    ]);
  });
});
