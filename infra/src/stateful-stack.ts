import {
  LEDGER_EVENT_SOURCE,
  type NotifierChannel,
  notifierFilterPolicy,
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
import { NOTIFIER_MAX_RECEIVE_COUNT, NOTIFIER_VISIBILITY_TIMEOUT, NOTIFIERS } from './notifiers.js';

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
      streamName: name('transactions'),
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

    this.bus = new EventBus(this, 'Bus', { eventBusName: name('ledger-events') });
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
      topicName: name('ledger-events'),
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

    const queue = (id: string, suffix: string, extra: QueueProps = {}) =>
      new Queue(this, id, {
        queueName: name(suffix),
        // SQS-managed keys: the senders here are AWS services (SNS,
        // EventBridge) that would each need a key-policy grant on a customer key.
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
        ...extra,
      });
    // Dead-letter queues keep messages for the SQS maximum, 14 days: they are
    // read by people, after an alarm, not by code.
    const deadLetter = (id: string, suffix: string) =>
      queue(id, suffix, { retentionPeriod: Duration.days(14) });

    this.poisonQueue = deadLetter('PoisonQueue', 'ledger-poison');
    this.streamFailureQueue = deadLetter('StreamFailureQueue', 'ledger-esm-failures');
    this.pipeDlq = deadLetter('PipeDlq', 'pipe-dlq');
    this.ruleDlq = deadLetter('RuleDlq', 'ledger-events-rule-dlq');
    this.fanoutDlq = deadLetter('FanoutDlq', 'ledger-events-fanout-dlq');

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

    this.notifierQueues = (Object.keys(NOTIFIERS) as NotifierChannel[]).map((channel) => {
      const id = channel.charAt(0).toUpperCase() + channel.slice(1);
      const dlq = deadLetter(`${id}Dlq`, `notifier-${channel}-dlq`);
      const work = queue(`${id}Queue`, `notifier-${channel}`, {
        visibilityTimeout: NOTIFIER_VISIBILITY_TIMEOUT,
        deadLetterQueue: { queue: dlq, maxReceiveCount: NOTIFIER_MAX_RECEIVE_COUNT },
      });
      // The subscription lives here, next to the queue policy and the topic it
      // ties together, rather than in the stateless stack: creating it there
      // would still have to edit this stack's queue policy.
      const subscription = this.ledgerEvents.addSubscription(
        new SqsSubscription(work, {
          // The notifier parses the EventBridge event itself, not an SNS envelope.
          rawMessageDelivery: true,
          deadLetterQueue: this.fanoutDlq,
        }),
      );
      // The policy comes from the contracts, where the local cloud reads it
      // too. It may be an `$or` of routes, which the L2 filter types cannot
      // express, hence the L1 properties.
      const cfn = subscription.node.defaultChild as CfnSubscription;
      cfn.filterPolicyScope = 'MessageBody';
      cfn.filterPolicy = notifierFilterPolicy(channel);
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
