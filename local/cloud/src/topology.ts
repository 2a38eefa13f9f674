import {
  detailPattern,
  LEDGER_EVENT_SOURCE,
  LEDGER_EVENTS_RULE_PATTERN,
  NOTIFIER_ROUTES,
  type NotifierChannel,
  type NotifierRoute,
} from '@atm-ledger/contracts';
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A queue as the runtime and tests address it. */
export interface QueueRef {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

/** One notifier's queue and the dead-letter queue behind it. */
export interface NotifierQueue extends QueueRef {
  readonly dlq: QueueRef;
}

/** Names of the publication path, derived from the local cloud's prefix. */
export function publicationNames(prefix: string) {
  return {
    eventBus: `${prefix}-ledger-events`,
    ledgerEventsTopic: `${prefix}-ledger-events`,
    ledgerEventsRule: `${prefix}-ledger-events-to-topic`,
    pipeDlq: `${prefix}-pipe-dlq`,
    notifierQueue: (channel: NotifierChannel) => `${prefix}-notifier-${channel}`,
    notifierDlq: (channel: NotifierChannel) => `${prefix}-notifier-${channel}-dlq`,
    /** Local-only rules standing in for `$or` branches of a filter policy (see below). */
    notifierBranchRule: (channel: NotifierChannel, branch: number) =>
      `${prefix}-notifier-${channel}-route-${branch}`,
  };
}
export type PublicationNames = ReturnType<typeof publicationNames>;

export interface PublicationTopology {
  readonly eventBusName: string;
  readonly eventBusArn: string;
  readonly ledgerEventsTopicArn: string;
  /** Stream batches the pipe could not deliver, after its retries. */
  readonly pipeDlq: QueueRef;
  readonly notifierQueues: Readonly<Record<NotifierChannel, NotifierQueue>>;
}

export interface PublicationTopologyOptions {
  /** Receives before a notifier message moves to its DLQ. Default 5, as infra. */
  readonly maxReceiveCount?: number;
  /** Visibility timeout of the notifier queues, in seconds. Default 30 (the SQS default). */
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * Creates (or finds, on an emulator that outlived a previous run) the path a
 * ledger event takes after the pipe: the custom bus, a rule sending every
 * ledger event to the fan-out topic, and per notifier an SQS queue with its
 * DLQ, subscribed to the topic with raw delivery and a filter policy on the
 * message body (the bus publishes the whole EventBridge event as the body
 * and no message attributes). Every call is idempotent.
 *
 * One local-only difference: moto 5.2.5 rejects a body-scoped `$or` filter
 * policy as "too complex" (and would evaluate it with attribute semantics),
 * so a notifier with several routes gets its first route as the
 * subscription's filter policy and each further route as a bus rule that
 * targets its queue directly. The queue receives the same set of events; the
 * body is the EventBridge event either way (raw delivery), which the
 * notifier's parser reads.
 */
export async function ensurePublicationTopology(
  clients: {
    readonly eventbridge: EventBridgeClient;
    readonly sns: SNSClient;
    readonly sqs: SQSClient;
  },
  names: PublicationNames,
  options: PublicationTopologyOptions = {},
): Promise<PublicationTopology> {
  const { eventbridge, sns, sqs } = clients;
  const eventBusArn = await ensureEventBus(eventbridge, names.eventBus);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: names.ledgerEventsTopic }));
  if (TopicArn === undefined) throw new Error(`topic ${names.ledgerEventsTopic} has no ARN`);

  await eventbridge.send(
    new PutRuleCommand({
      Name: names.ledgerEventsRule,
      EventBusName: names.eventBus,
      EventPattern: JSON.stringify(LEDGER_EVENTS_RULE_PATTERN),
      Description: 'Every ledger event to the fan-out topic',
      State: 'ENABLED',
    }),
  );
  // The whole event is sent: no InputPath, so the notifier sees `detail-type` and `detail`.
  await eventbridge.send(
    new PutTargetsCommand({
      Rule: names.ledgerEventsRule,
      EventBusName: names.eventBus,
      Targets: [{ Id: 'ledger-events-topic', Arn: TopicArn }],
    }),
  );

  const pipeDlq = await ensureQueue(sqs, names.pipeDlq);
  // As infra deploys it (NOTIFIER_MAX_RECEIVE_COUNT): AWS advises at least 5 for a Lambda-polled
  // queue, so a message caught in a few crashes or throttled polls is not dead-lettered.
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const notifierQueues = {} as Record<NotifierChannel, NotifierQueue>;
  for (const channel of Object.keys(NOTIFIER_ROUTES) as NotifierChannel[]) {
    const dlq = await ensureQueue(sqs, names.notifierDlq(channel));
    const queue = await ensureQueue(sqs, names.notifierQueue(channel), {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
      VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
    });
    const [first, ...more]: readonly NotifierRoute[] = NOTIFIER_ROUTES[channel];
    if (first === undefined) throw new Error(`notifier ${channel} has no route`);
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        ReturnSubscriptionArn: true,
        Attributes: {
          RawMessageDelivery: 'true',
          FilterPolicyScope: 'MessageBody',
          FilterPolicy: JSON.stringify({ detail: detailPattern(first) }),
        },
      }),
    );
    for (const [index, route] of more.entries()) {
      const rule = names.notifierBranchRule(channel, index + 2);
      await eventbridge.send(
        new PutRuleCommand({
          Name: rule,
          EventBusName: names.eventBus,
          EventPattern: JSON.stringify({
            source: [LEDGER_EVENT_SOURCE],
            detail: detailPattern(route),
          }),
          Description: `Local stand-in for route ${index + 2} of the ${channel} filter policy`,
          State: 'ENABLED',
        }),
      );
      await eventbridge.send(
        new PutTargetsCommand({
          Rule: rule,
          EventBusName: names.eventBus,
          Targets: [{ Id: `notifier-${channel}`, Arn: queue.arn }],
        }),
      );
    }
    notifierQueues[channel] = { ...queue, dlq };
  }
  return {
    eventBusName: names.eventBus,
    eventBusArn,
    ledgerEventsTopicArn: TopicArn,
    pipeDlq,
    notifierQueues,
  };
}

async function ensureEventBus(eventbridge: EventBridgeClient, name: string): Promise<string> {
  try {
    const created = await eventbridge.send(new CreateEventBusCommand({ Name: name }));
    if (created.EventBusArn !== undefined) return created.EventBusArn;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceAlreadyExistsException') throw error;
  }
  const described = await eventbridge.send(new DescribeEventBusCommand({ Name: name }));
  if (described.Arn === undefined) throw new Error(`event bus ${name} has no ARN`);
  return described.Arn;
}

/**
 * Creates the queue, then sets its attributes: CreateQueue with attributes
 * differing from an existing queue's fails, SetQueueAttributes converges.
 */
async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<QueueRef> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
  if (Object.keys(attributes).length > 0) {
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
  }
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${name} has no ARN`);
  return { name, url: QueueUrl, arn };
}
