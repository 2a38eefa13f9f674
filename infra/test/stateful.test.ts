import { NOTIFIER_CHANNELS, notifierFilterPolicy } from '@atm-ledger/contracts';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStatefulStack } from '../src/app.js';
import { readDeploymentConfig } from '../src/config.js';
import type { StatefulStack } from '../src/stateful-stack.js';
import { logicalId, type Synthesized, synthesize, TEST_ENV, testApp } from './support/app.js';

function synthStateful(context: Record<string, unknown>): {
  stack: StatefulStack;
  out: Synthesized;
} {
  const app = testApp(context);
  const stack = addStatefulStack(app, readDeploymentConfig(app.node, TEST_ENV));
  return { stack, out: synthesize(stack) };
}

describe('StatefulStack (dev stage)', () => {
  let out: Synthesized;
  let stack: StatefulStack;

  beforeAll(() => {
    ({ stack, out } = synthStateful({ stage: 'dev' }));
  });

  it('has no unacknowledged cdk-nag AwsSolutions findings, errors or warnings', () => {
    expect(out.nagFindings).toEqual([]);
  });

  it('has no CDK warnings or errors', () => {
    expect(out.cdkMessages).toEqual([]);
  });

  it('encrypts the transactions stream with the customer managed key', () => {
    const key = logicalId(out.template, 'AWS::KMS::Key', 'DataKey');
    out.template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
    });
  });

  it('provisions one shard in dev and keeps records for 24 hours', () => {
    out.template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
      RetentionPeriodHours: 24,
    });
  });

  it('rotates the data key', () => {
    out.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('gives the ledger table pk/sk keys, PITR, a NEW_AND_OLD_IMAGES stream and the expiresAt TTL', () => {
    out.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'atm-ledger-dev-ledger',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('gives the notifier table pk/sk keys, PITR and the expiresAt TTL', () => {
    out.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'atm-ledger-dev-notifier',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('deletes stateful resources with the dev stage', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::Kinesis::Stream',
      'AWS::SQS::Queue',
      'AWS::KMS::Key',
    ]) {
      const resources = Object.values(out.template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.DeletionPolicy).toBe('Delete');
    }
  });

  it('archives the ledger events on the custom bus', () => {
    const bus = logicalId(out.template, 'AWS::Events::EventBus', 'Bus');
    out.template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [bus, 'Arn'] },
      EventPattern: { source: ['atm-ledger.ledger'] },
      RetentionDays: 7,
    });
  });

  it('encrypts both topics with the data key and denies publishing without TLS', () => {
    const key = logicalId(out.template, 'AWS::KMS::Key', 'DataKey');
    const topics = out.template.findResources('AWS::SNS::Topic', {
      Properties: { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
    });
    expect(Object.keys(topics)).toHaveLength(2);
    out.template.resourcePropertiesCountIs(
      'AWS::SNS::TopicPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      2,
    );
  });

  it('encrypts every queue and denies it to requests without TLS', () => {
    const queues = out.template.findResources('AWS::SQS::Queue');
    for (const queue of Object.values(queues))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    out.template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      Object.keys(queues).length,
    );
  });

  it('puts a DLQ behind every notifier queue', () => {
    for (const channel of NOTIFIER_CHANNELS) {
      const dlq = logicalId(
        out.template,
        'AWS::SQS::Queue',
        `${channel.charAt(0).toUpperCase()}${channel.slice(1)}Dlq`,
      );
      out.template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `atm-ledger-dev-notifier-${channel}`,
        VisibilityTimeout: 180,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
      });
    }
  });

  it.each(NOTIFIER_CHANNELS)(
    'subscribes the %s queue with raw delivery, a DLQ and the contracts filter policy on the body',
    (channel) => {
      const queue = logicalId(
        out.template,
        'AWS::SQS::Queue',
        `${channel.charAt(0).toUpperCase()}${channel.slice(1)}Queue`,
      );
      const fanoutDlq = logicalId(out.template, 'AWS::SQS::Queue', 'FanoutDlq');
      out.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] },
        RawMessageDelivery: true,
        FilterPolicyScope: 'MessageBody',
        FilterPolicy: notifierFilterPolicy(channel),
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [fanoutDlq, 'Arn'] } },
      });
    },
  );

  it('routes receipts on posted money-moving transactions, reversals included (policy spelled out once)', () => {
    out.template.hasResourceProperties('AWS::SNS::Subscription', {
      FilterPolicy: {
        detail: {
          type: ['ledger.transaction.posted'],
          transactionType: ['WITHDRAWAL', 'DEPOSIT', 'TRANSFER', 'REVERSAL'],
        },
      },
    });
  });

  it('lets CloudWatch publish to the encrypted alarm topic', () => {
    out.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('exposes every dead-letter queue for alarms', () => {
    expect(stack.deadLetterQueues().map((d) => d.name)).toEqual([
      'LedgerPoison',
      'LedgerStreamFailures',
      'EventsPipe',
      'EventsRule',
      'EventsFanout',
      ...NOTIFIER_CHANNELS.map((channel) => `Notifier-${channel}`),
    ]);
  });
});

describe('StatefulStack (prod stage)', () => {
  let out: Synthesized;

  beforeAll(() => {
    ({ out } = synthStateful({ stage: 'prod' }));
  });

  it('retains tables, stream, key and queues, and protects the tables from deletion', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::Kinesis::Stream',
      'AWS::SQS::Queue',
      'AWS::KMS::Key',
    ]) {
      for (const resource of Object.values(out.template.findResources(type))) {
        expect(resource.DeletionPolicy).toBe('Retain');
      }
    }
    out.template.allResourcesProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: true,
    });
  });

  it('runs the stream on demand with a week of retention', () => {
    out.template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      RetentionPeriodHours: 168,
      ShardCount: Match.absent(),
    });
  });
});
