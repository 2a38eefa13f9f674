import {
  DEAD_LETTER_QUEUES,
  type DeadLetterQueueId,
  EVENT_BUS,
  LEDGER_EVENT_SOURCE,
  NOTIFIER_CHANNELS,
  NOTIFIERS,
  type NotifierChannel,
  type QueueSpec,
  STREAMS,
  TOPICS,
} from '@atm-ledger/contracts';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type CfnSubscription, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config.js';

export interface StatefulStackProps extends StackProps {
  readonly config: DeploymentConfig;
}

/** A notifier's work queue and the DLQ behind it. */
export interface NotifierQueues {
  readonly channel: NotifierChannel;
  readonly queue: Queue;
  readonly dlq: Queue;
}

/**
 * Everything that holds data: deleting or replacing any of it loses records.
 * It changes rarely and deploys separately from the code (StatelessStack), and
 * it never references the stateless stack, so the code can be torn down and
 * rebuilt around it.
 */
export class StatefulStack extends Stack {
  /**
   * The customer managed key of the stream and the topics. The topics need
   * one: CloudWatch (alarms) and EventBridge (the rule's role) can only
   * publish to an encrypted topic whose key lets them, and the policies of
   * AWS-managed keys cannot be changed.
   */
  readonly key: Key;
  readonly transactions: Stream;
  readonly ledgerTable: Table;
  readonly notifierTable: Table;
  readonly bus: EventBus;
  readonly ledgerEvents: Topic;
  readonly alarms: Topic;
  /** Kinesis records that can never be posted, with their reason (sent by the ledger handler). */
  readonly poisonQueue: Queue;
  /** Batches the Kinesis event source mapping gave up on (metadata only). */
  readonly streamFailureQueue: Queue;
  /** Stream batches the pipe could not deliver to the bus. */
  readonly pipeDlq: Queue;
  /** Events the bus rule could not deliver to the topic. */
  readonly ruleDlq: Queue;
  /** Messages SNS could not deliver to a notifier queue. */
  readonly fanoutDlq: Queue;
  /** The dead-letter queues by their topology id, for the constructs that name one. */
  readonly deadLetters: Readonly<Record<DeadLetterQueueId, Queue>>;
  readonly notifierQueues: readonly NotifierQueues[];

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy;
    const name = (suffix: string) => `atm-ledger-${config.stage}-${suffix}`;

    this.key = new Key(this, 'DataKey', {
      alias: `alias/atm-ledger-${config.stage}`,
      description: `atm-ledger ${config.stage}: transactions stream and SNS topics`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch publishes alarm state changes to the encrypted alarm topic as
    // itself, not through a role, so only the key policy can let it in.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.transactions = new Stream(this, 'Transactions', {
      streamName: name(STREAMS.transactions.name),
      ...(config.kinesis.mode === 'on-demand'
        ? { streamMode: StreamMode.ON_DEMAND }
        : { streamMode: StreamMode.PROVISIONED, shardCount: config.kinesis.shards }),
      encryption: StreamEncryption.KMS,
      encryptionKey: this.key,
      retentionPeriod: config.kinesisRetention,
      removalPolicy,
    });

    this.ledgerTable = new Table(this, 'LedgerTable', {
      tableName: name('ledger'),
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The pipe's publish enrichment compares both images to tell a new
      // decision (or conflict) from a re-write of the same one.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS-managed key keeps the data KMS-encrypted and audited without a
      // key policy, and callers need no kms:* permission of their own.
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });

    this.notifierTable = new Table(this, 'NotifierTable', {
      tableName: name('notifier'),
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Idempotency records only need to outlive redeliveries; TTL deletes them for free.
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });

    this.bus = new EventBus(this, 'Bus', { eventBusName: name(EVENT_BUS.name) });
    this.bus.applyRemovalPolicy(removalPolicy);
    const archive = new Archive(this, 'BusArchive', {
      sourceEventBus: this.bus,
      archiveName: name('ledger-events'),
      description: 'Every ledger event, for replay after a notifier bug or outage',
      eventPattern: { source: [LEDGER_EVENT_SOURCE] },
      retention: config.archiveRetention,
    });
    archive.applyRemovalPolicy(removalPolicy);

    this.ledgerEvents = new Topic(this, 'LedgerEventsTopic', {
      topicName: name(TOPICS.ledgerEvents.name),
      masterKey: this.key,
      enforceSSL: true,
    });
    this.ledgerEvents.applyRemovalPolicy(removalPolicy);

    this.alarms = new Topic(this, 'AlarmTopic', {
      topicName: name('alarms'),
      masterKey: this.key,
      enforceSSL: true,
    });
    this.alarms.applyRemovalPolicy(removalPolicy);
    this.alarms.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarms.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    if (config.alarmEmail !== undefined) {
      this.alarms.addSubscription(new EmailSubscription(config.alarmEmail));
    }

    const queue = (id: string, spec: QueueSpec, extra: QueueProps = {}) =>
      new Queue(this, id, {
        queueName: name(spec.name),
        // SQS-managed keys: the senders here are AWS services (SNS,
        // EventBridge) that would each need a key-policy grant on a customer key.
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
        ...(spec.retentionSeconds === undefined
          ? {}
          : { retentionPeriod: Duration.seconds(spec.retentionSeconds) }),
        ...(spec.visibilityTimeoutSeconds === undefined
          ? {}
          : { visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds) }),
        ...extra,
      });

    this.poisonQueue = queue('PoisonQueue', DEAD_LETTER_QUEUES.ledgerPoison);
    this.streamFailureQueue = queue('StreamFailureQueue', DEAD_LETTER_QUEUES.ledgerStreamFailures);
    this.pipeDlq = queue('PipeDlq', DEAD_LETTER_QUEUES.pipeDlq);
    this.ruleDlq = queue('RuleDlq', DEAD_LETTER_QUEUES.ruleDlq);
    this.fanoutDlq = queue('FanoutDlq', DEAD_LETTER_QUEUES.fanoutDlq);
    this.deadLetters = {
      ledgerPoison: this.poisonQueue,
      ledgerStreamFailures: this.streamFailureQueue,
      pipeDlq: this.pipeDlq,
      ruleDlq: this.ruleDlq,
      fanoutDlq: this.fanoutDlq,
    };

    // EventBridge sends to a rule's DLQ as itself. The rule lives in the
    // stateless stack; naming it by pattern instead of by reference keeps this
    // stack free of references to that one.
    this.ruleDlq.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeRuleDeadLetters',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.ruleDlq.queueArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${this.bus.eventBusName}/*`,
            }),
          },
        },
      }),
    );

    this.notifierQueues = NOTIFIER_CHANNELS.map((channel) => {
      const spec = NOTIFIERS[channel];
      const id = channel.charAt(0).toUpperCase() + channel.slice(1);
      const dlq = queue(`${id}Dlq`, spec.dlq);
      const work = queue(`${id}Queue`, spec.queue, {
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.queue.redrive.maxReceiveCount },
      });
      // The subscription lives here, next to the queue policy and the topic it
      // ties together, rather than in the stateless stack: creating it there
      // would still have to edit this stack's queue policy.
      const subscription = this.ledgerEvents.addSubscription(
        new SqsSubscription(work, {
          rawMessageDelivery: spec.subscription.rawMessageDelivery,
          deadLetterQueue: this.deadLetters[spec.subscription.deadLetterQueue],
        }),
      );
      // The policy may be an `$or` of routes, which the L2 filter types
      // cannot express, hence the L1 properties.
      const cfn = subscription.node.defaultChild as CfnSubscription;
      cfn.filterPolicyScope = spec.subscription.filterPolicyScope;
      cfn.filterPolicy = spec.subscription.filterPolicy;
      return { channel, queue: work, dlq };
    });
  }

  /** Every dead-letter queue, by a name for its alarm. */
  deadLetterQueues(): ReadonlyArray<{ readonly name: string; readonly queue: Queue }> {
    return [
      { name: 'LedgerPoison', queue: this.poisonQueue },
      { name: 'LedgerStreamFailures', queue: this.streamFailureQueue },
      { name: 'EventsPipe', queue: this.pipeDlq },
      { name: 'EventsRule', queue: this.ruleDlq },
      { name: 'EventsFanout', queue: this.fanoutDlq },
      ...this.notifierQueues.map((n) => ({ name: `Notifier-${n.channel}`, queue: n.dlq })),
    ];
  }
}
