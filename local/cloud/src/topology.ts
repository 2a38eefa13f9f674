import {
  DEAD_LETTER_QUEUES,
  detailPattern,
  EVENT_BUS,
  LEDGER_EVENT_SOURCE,
  LEDGER_EVENTS_PIPE,
  NOTIFIER_CHANNELS,
  NOTIFIER_ROUTES,
  NOTIFIERS,
  type NotifierChannel,
  type NotifierRoute,
  type QueueSpec,
  RULES,
  TOPICS,
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
    eventBus: `${prefix}-${EVENT_BUS.name}`,
    pipe: `${prefix}-${LEDGER_EVENTS_PIPE.name}`,
    ledgerEventsTopic: `${prefix}-${TOPICS.ledgerEvents.name}`,
    ledgerEventsRule: `${prefix}-${RULES.ledgerEventsToTopic.name}`,
    pipeDlq: `${prefix}-${DEAD_LETTER_QUEUES.pipeDlq.name}`,
    ruleDlq: `${prefix}-${DEAD_LETTER_QUEUES.ruleDlq.name}`,
    fanoutDlq: `${prefix}-${DEAD_LETTER_QUEUES.fanoutDlq.name}`,
    notifierQueue: (channel: NotifierChannel) => `${prefix}-${NOTIFIERS[channel].queue.name}`,
    notifierDlq: (channel: NotifierChannel) => `${prefix}-${NOTIFIERS[channel].dlq.name}`,
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
  /** The bus rule's dead-letter queue; moto never sends to it (docs/local-cloud.md). */
  readonly ruleDlq: QueueRef;
  /** The subscriptions' dead-letter queue; moto never sends to it either. */
  readonly fanoutDlq: QueueRef;
  readonly notifierQueues: Readonly<Record<NotifierChannel, NotifierQueue>>;
}

export interface PublicationTopologyOptions {
  /**
   * *Local-only.* The notifier queues' visibility timeout, in place of the
   * topology's (six notifier timeouts, 180 s), for runs that kill notifiers on
   * purpose and must see the redelivery within seconds (the soak).
   */
  readonly notifierVisibilityTimeoutSeconds?: number;
}

/**
 * Creates (or finds, on an emulator that outlived a previous run) the path a
 * ledger event takes after the pipe, as the topology (contracts) describes
 * it: the custom bus, a rule sending every ledger event to the fan-out
 * topic, and per notifier an SQS queue with its DLQ, subscribed to the topic
 * with the topology's delivery settings and filter policy. Every call is
 * idempotent.
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

  const pipeDlq = await ensureQueue(sqs, names.pipeDlq, DEAD_LETTER_QUEUES.pipeDlq);
  const ruleDlq = await ensureQueue(sqs, names.ruleDlq, DEAD_LETTER_QUEUES.ruleDlq);
  const fanoutDlq = await ensureQueue(sqs, names.fanoutDlq, DEAD_LETTER_QUEUES.fanoutDlq);

  const rule = RULES.ledgerEventsToTopic;
  await eventbridge.send(
    new PutRuleCommand({
      Name: names.ledgerEventsRule,
      EventBusName: names.eventBus,
      EventPattern: JSON.stringify(rule.pattern),
      Description: rule.description,
      State: 'ENABLED',
    }),
  );
  // The whole event is sent: no InputPath, so the notifier sees `detail-type` and `detail`.
  await eventbridge.send(
    new PutTargetsCommand({
      Rule: names.ledgerEventsRule,
      EventBusName: names.eventBus,
      Targets: [
        {
          Id: 'ledger-events-topic',
          Arn: TopicArn,
          RetryPolicy: {
            MaximumRetryAttempts: rule.retryAttempts,
            MaximumEventAgeInSeconds: rule.maximumEventAgeInSeconds,
          },
          DeadLetterConfig: { Arn: ruleDlq.arn },
        },
      ],
    }),
  );

  const notifierQueues = {} as Record<NotifierChannel, NotifierQueue>;
  for (const channel of NOTIFIER_CHANNELS) {
    const spec = NOTIFIERS[channel];
    const dlq = await ensureQueue(sqs, names.notifierDlq(channel), spec.dlq);
    const queue = await ensureQueue(sqs, names.notifierQueue(channel), spec.queue, {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: spec.queue.redrive.maxReceiveCount,
      }),
      ...(options.notifierVisibilityTimeoutSeconds === undefined
        ? {}
        : { VisibilityTimeout: String(options.notifierVisibilityTimeoutSeconds) }),
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
          RawMessageDelivery: String(spec.subscription.rawMessageDelivery),
          FilterPolicyScope: spec.subscription.filterPolicyScope,
          // The first route only: moto refuses the `$or` of several (see above).
          FilterPolicy: JSON.stringify({ detail: detailPattern(first) }),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fanoutDlq.arn }),
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
    ruleDlq,
    fanoutDlq,
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

/** A queue's settings as SQS attributes; an absent setting leaves SQS's default. */
export function queueAttributes(spec: QueueSpec): Record<string, string> {
  return {
    ...(spec.retentionSeconds === undefined
      ? {}
      : { MessageRetentionPeriod: String(spec.retentionSeconds) }),
    ...(spec.visibilityTimeoutSeconds === undefined
      ? {}
      : { VisibilityTimeout: String(spec.visibilityTimeoutSeconds) }),
  };
}

/**
 * Creates the queue, then sets its attributes: CreateQueue with attributes
 * differing from an existing queue's fails, SetQueueAttributes converges.
 */
export async function ensureQueue(
  sqs: SQSClient,
  name: string,
  spec: QueueSpec,
  extra: Record<string, string> = {},
): Promise<QueueRef> {
  const attributes = { ...queueAttributes(spec), ...extra };
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
