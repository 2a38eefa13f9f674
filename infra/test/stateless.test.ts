import { readFileSync } from 'node:fs';
import {
  LEDGER_EVENTS_RULE_PATTERN,
  LEDGER_STREAM_FILTER_PATTERN,
  NOTIFIER_CHANNELS,
  ROUTES,
} from '@atm-ledger/contracts';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAtmLedger } from '../src/app.js';
import type { StatelessStack } from '../src/stateless-stack.js';
import { logicalId, type Synthesized, synthesize, TEST_ENV, testApp } from './support/app.js';

/** A reference into the stateful stack: cross-stack references are weak (Fn::GetStackOutput). */
const statefulRef = (outputName: RegExp | string) =>
  Match.objectLike({
    'Fn::GetStackOutput': Match.objectLike({
      StackName: 'AtmLedger-dev-Stateful',
      OutputName: Match.stringLikeRegexp(
        typeof outputName === 'string' ? outputName : outputName.source,
      ),
    }),
  });

/** ingest, ledger stream, ledger API, ledger publish, ledger timers, one per notifier. */
const FUNCTIONS = 5 + NOTIFIER_CHANNELS.length;

type PolicyResource = {
  Properties: {
    PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
  };
};

/** statefulRef for plain vitest assertions, outside CDK's Template matchers. */
const statefulRefValue = (outputName: string) =>
  expect.objectContaining({
    'Fn::GetStackOutput': expect.objectContaining({
      StackName: 'AtmLedger-dev-Stateful',
      OutputName: expect.stringMatching(outputName),
    }),
  });

/** The DynamoDB actions a function's role may take, and the resources of those statements. */
function tableAccess(template: Template, rolePrefix: string) {
  const role = logicalId(template, 'AWS::IAM::Role', rolePrefix);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: role }] },
  });
  const statements = Object.values(policies)
    .flatMap((p) => (p as PolicyResource).Properties.PolicyDocument.Statement)
    .map((st) => ({
      actions: Array.isArray(st.Action) ? st.Action : [st.Action],
      resource: st.Resource,
    }))
    .filter((st) => st.actions.some((a) => a.startsWith('dynamodb:')));
  return {
    actions: statements.flatMap((st) => st.actions).sort(),
    resources: statements.map((st) => st.resource),
  };
}

/** The environment of the function whose logical id starts with `prefix`. */
function environmentOf(template: Template, prefix: string): Record<string, unknown> {
  const id = logicalId(template, 'AWS::Lambda::Function', prefix);
  const fn = template.findResources('AWS::Lambda::Function')[id] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  return fn.Properties.Environment.Variables;
}

describe('StatelessStack (dev stage)', () => {
  let out: Synthesized;
  let stack: StatelessStack;

  beforeAll(() => {
    const app = testApp({ stage: 'dev' });
    stack = buildAtmLedger(app, { env: TEST_ENV, nag: false }).stateless;
    out = synthesize(stack);
  });

  it('has no unacknowledged cdk-nag AwsSolutions findings, errors or warnings', () => {
    expect(out.nagFindings).toEqual([]);
  });

  it('has no CDK warnings or errors', () => {
    expect(out.cdkMessages).toEqual([]);
  });

  describe('functions', () => {
    it('run nodejs22.x on arm64 with Powertools settings and JSON logs', () => {
      const functions = out.template.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(FUNCTIONS);
      out.template.allResourcesProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: Match.anyValue(),
            POWERTOOLS_LOG_LEVEL: 'INFO',
            POWERTOOLS_METRICS_NAMESPACE: 'AtmLedger/dev',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
    });

    it('set the environment each handler reads', () => {
      out.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'ingest',
            LEDGER_STREAM_NAME: statefulRef('Transactions'),
            LEDGER_TABLE_NAME: statefulRef('LedgerTable'),
          }),
        },
      });
      out.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            LEDGER_TABLE_NAME: statefulRef('LedgerTable'),
            LEDGER_POISON_QUEUE_URL: statefulRef('PoisonQueue'),
            LEDGER_BATCH_CONCURRENCY: '10',
            LEDGER_REVERSAL_WINDOW_SECONDS: '86400',
          }),
        },
      });
    });

    it('give every ledger function that reads it the same LEDGER_HOLD_TTL_SECONDS, a week by default', () => {
      for (const fn of ['LedgerApi', 'LedgerStream', 'LedgerTimers']) {
        expect(environmentOf(out.template, fn)).toMatchObject({
          LEDGER_TABLE_NAME: statefulRefValue('LedgerTable'),
          LEDGER_HOLD_TTL_SECONDS: '604800',
        });
      }
    });

    it('take the hold TTL from context', () => {
      const app = testApp({ stage: 'dev', holdTtlSeconds: '3600' });
      const other = Template.fromStack(
        buildAtmLedger(app, { env: TEST_ENV, nag: false }).stateless,
      );
      for (const fn of ['LedgerApi', 'LedgerStream', 'LedgerTimers']) {
        expect(environmentOf(other, fn)).toMatchObject({ LEDGER_HOLD_TTL_SECONDS: '3600' });
      }
    });

    // The kinds spelled out once here, so a change to the contracts' NOTIFIER_KINDS shows in review.
    const kinds: Record<(typeof NOTIFIER_CHANNELS)[number], string> = {
      receipts: 'RECEIPT',
      alerts: 'LOW_BALANCE,OVERDRAWN,LARGE_WITHDRAWAL,WITHDRAWAL_REJECTED',
    };

    it.each(NOTIFIER_CHANNELS)(
      'configure the %s notifier with its kinds and the delivery channel',
      (channel) => {
        out.template.hasResourceProperties('AWS::Lambda::Function', {
          Environment: {
            Variables: Match.objectLike({
              POWERTOOLS_SERVICE_NAME: 'notifier',
              NOTIFIER_TABLE_NAME: statefulRef('NotifierTable'),
              NOTIFIER_KINDS: kinds[channel],
              NOTIFIER_CHANNEL: 'jsonl',
              NOTIFIER_JSONL_PATH: '/tmp/notifications.jsonl',
            }),
          },
        });
      },
    );

    it('write to log groups with a retention', () => {
      out.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    });

    it('use their own roles, without AWS-managed policies', () => {
      out.template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });

    it('grant ingest only PutRecords and DescribeStreamSummary on the stream', () => {
      const role = logicalId(out.template, 'AWS::IAM::Role', 'IngestRole');
      out.template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: ['kinesis:DescribeStreamSummary', 'kinesis:PutRecords'],
              Effect: 'Allow',
              Resource: statefulRef('Transactions'),
            },
            {
              Action: ['dynamodb:DescribeTable', 'dynamodb:PutItem'],
              Effect: 'Allow',
              Resource: Match.anyValue(),
            },
          ]),
        },
      });
    });
  });

  describe('Kinesis event source mapping of the ledger', () => {
    it('sets every setting explicitly, reports batch item failures and sends discards to SQS', () => {
      out.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: statefulRef('Transactions'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 0,
        ParallelizationFactor: 2,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10_000,
        // Half of the 24-hour dev retention.
        MaximumRecordAgeInSeconds: 43_200,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: statefulRef('StreamFailureQueue') } },
        Enabled: true,
      });
    });
  });

  describe('events pipe', () => {
    it('reads the ledger table stream and keeps only transaction and authorization items (contracts filter)', () => {
      const pipe = Object.values(out.template.findResources('AWS::Pipes::Pipe'))[0];
      const filters = pipe?.Properties.SourceParameters.FilterCriteria.Filters as {
        Pattern: string;
      }[];
      expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([LEDGER_STREAM_FILTER_PATTERN]);
      expect(LEDGER_STREAM_FILTER_PATTERN).toEqual({
        dynamodb: { NewImage: { entity: { S: ['TRANSACTION', 'AUTHORIZATION'] } } },
      });
      out.template.hasResourceProperties('AWS::Pipes::Pipe', {
        Source: statefulRef('LedgerTable.*StreamArn'),
      });
    });

    it('sends what it cannot deliver to its DLQ', () => {
      out.template.hasResourceProperties('AWS::Pipes::Pipe', {
        SourceParameters: {
          DynamoDBStreamParameters: Match.objectLike({
            StartingPosition: 'TRIM_HORIZON',
            OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
            MaximumRetryAttempts: 10,
            DeadLetterConfig: { Arn: statefulRef('PipeDlq') },
          }),
        },
      });
    });

    it('maps records to ledger events with the publish enrichment, typed by their type', () => {
      const publish = logicalId(out.template, 'AWS::Lambda::Function', 'LedgerPublish');
      out.template.hasResourceProperties('AWS::Pipes::Pipe', {
        Enrichment: { 'Fn::GetAtt': [publish, 'Arn'] },
        Target: statefulRef('Bus'),
        TargetParameters: {
          EventBridgeEventBusParameters: { Source: 'atm-ledger.ledger', DetailType: '$.type' },
          InputTemplate: Match.absent(),
        },
      });
    });

    it('may read the stream, call the enrichment and write the bus and the DLQ', () => {
      const role = logicalId(out.template, 'AWS::IAM::Role', 'PipeRole');
      const publish = logicalId(out.template, 'AWS::Lambda::Function', 'LedgerPublish');
      out.template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: [
                'dynamodb:DescribeStream',
                'dynamodb:GetRecords',
                'dynamodb:GetShardIterator',
              ],
            }),
            Match.objectLike({
              Action: 'lambda:InvokeFunction',
              Resource: Match.arrayWith([{ 'Fn::GetAtt': [publish, 'Arn'] }]),
            }),
            Match.objectLike({ Action: 'events:PutEvents', Resource: statefulRef('Bus') }),
            Match.objectLike({
              Action: Match.arrayWith(['sqs:SendMessage']),
              Resource: statefulRef('PipeDlq'),
            }),
          ]),
        },
      });
    });
  });

  it('routes every ledger event type from the bus to the topic through a role, with a DLQ', () => {
    out.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: statefulRef('Bus'),
      EventPattern: LEDGER_EVENTS_RULE_PATTERN,
      Targets: [
        Match.objectLike({
          Arn: statefulRef('LedgerEventsTopic'),
          RoleArn: Match.anyValue(),
          DeadLetterConfig: { Arn: statefulRef('RuleDlq') },
        }),
      ],
    });
  });

  it('feeds each notifier from its queue, reporting batch item failures', () => {
    out.template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      {
        EventSourceArn: statefulRef('Queue'),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      },
      NOTIFIER_CHANNELS.length,
    );
  });

  describe('HTTP API', () => {
    it('has exactly the routes of contracts ROUTES', () => {
      const routes = Object.values(out.template.findResources('AWS::ApiGatewayV2::Route'));
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
        ROUTES.map((r) => r.routeKey).sort(),
      );
    });

    it('requires IAM on authenticated routes and nothing on health and openapi.json', () => {
      for (const route of ROUTES) {
        out.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: route.routeKey,
          AuthorizationType: route.authenticated ? 'AWS_IAM' : 'NONE',
        });
      }
    });

    it.each(['POST /v1/authorizations', 'GET /v1/authorizations/{authorizationId}'])(
      'serves %s from the ledger API function, behind IAM',
      (routeKey) => {
        const ledgerApi = logicalId(out.template, 'AWS::Lambda::Function', 'LedgerApi');
        const [integration] = Object.keys(
          out.template.findResources('AWS::ApiGatewayV2::Integration', {
            Properties: { IntegrationUri: { 'Fn::GetAtt': [ledgerApi, 'Arn'] } },
          }),
        );
        out.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: routeKey,
          AuthorizationType: 'AWS_IAM',
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: integration }]] },
        });
      },
    );

    it('sends route-level metrics for POST /v1/authorizations, throttled as the stage', () => {
      const route = Object.entries(out.template.findResources('AWS::ApiGatewayV2::Route')).find(
        ([, r]) => r.Properties.RouteKey === 'POST /v1/authorizations',
      );
      const stages = Object.values(out.template.findResources('AWS::ApiGatewayV2::Stage'));
      expect(stages).toHaveLength(1);
      // A route's settings replace the stage defaults: without a throttle of its own it would refuse everything.
      expect(stages[0]?.Properties.RouteSettings).toEqual({
        'POST /v1/authorizations': {
          DetailedMetricsEnabled: true,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        },
      });
      // CloudFormation must create the route before the stage names it.
      expect(stages[0]?.DependsOn).toEqual(expect.arrayContaining([route?.[0]]));
    });

    it('throttles the stage and logs every request', () => {
      out.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('requestId'),
        },
      });
    });
  });

  describe('ledger timers', () => {
    it('sweeps every minute on an EventBridge Scheduler schedule, retrying by the next sweep', () => {
      const fn = logicalId(out.template, 'AWS::Lambda::Function', 'LedgerTimers');
      out.template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      });
    });

    it('may query timers, refuse a reversal, expire a hold in one transaction, and delete timers: nothing else', () => {
      const access = tableAccess(out.template, 'LedgerTimersRole');
      expect(access.actions).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      // The table itself: no index, no stream, nothing else.
      expect(access.resources).toEqual([statefulRefValue('LedgerTable.*Arn')]);
    });

    it('alarm when the sweep stops running, fails, expires a reversal or a hold', () => {
      out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Invocations',
        Namespace: 'AWS/Lambda',
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
      for (const metric of ['TimersFailed', 'ReversalsExpired', 'HoldsExpired', 'PoisonRecords']) {
        out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Dimensions: [{ Name: 'service', Value: 'ledger' }],
        });
      }
    });

    it('takes the reversal window from context', () => {
      const app = testApp({ stage: 'dev', reversalWindowSeconds: '600' });
      const other = Template.fromStack(
        buildAtmLedger(app, { env: TEST_ENV, nag: false }).stateless,
      );
      other.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LEDGER_REVERSAL_WINDOW_SECONDS: '600' }) },
      });
    });
  });

  describe('ledger API', () => {
    it('may read, open accounts and decide authorizations in one transaction: no deletes, no stream', () => {
      const access = tableAccess(out.template, 'LedgerApiRole');
      expect(access.actions).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
      ]);
      // The table itself: no index, no stream, nothing else.
      expect(access.resources).toEqual([statefulRefValue('LedgerTable.*Arn')]);
    });

    it('may write what a completion or release adds to a posting (the authorization item) with its old actions', () => {
      expect(tableAccess(out.template, 'LedgerStreamRole').actions).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
    });
  });

  describe('alarms', () => {
    it('alarm on the ledger iterator age', () => {
      out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IteratorAge',
        Namespace: 'AWS/Lambda',
        Statistic: 'Maximum',
        Threshold: 60_000,
        AlarmActions: [statefulRef('AlarmTopic')],
      });
    });

    it('alarm on the depth of every dead-letter queue', () => {
      const dlqs = 5 + NOTIFIER_CHANNELS.length;
      out.template.resourcePropertiesCountIs(
        'AWS::CloudWatch::Alarm',
        { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS' },
        dlqs,
      );
    });

    it('alarm on errors and throttles of every function', () => {
      const functions = Object.keys(out.template.findResources('AWS::Lambda::Function')).length;
      for (const metric of ['Errors', 'Throttles']) {
        out.template.resourcePropertiesCountIs(
          'AWS::CloudWatch::Alarm',
          { MetricName: metric, Namespace: 'AWS/Lambda' },
          functions,
        );
      }
    });

    it('alarm on pipe failures', () => {
      out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                Namespace: 'AWS/EventBridge/Pipes',
                MetricName: 'ExecutionFailed',
              }),
            }),
          }),
        ]),
      });
    });

    it('alarm on the 99th percentile latency of POST /v1/authorizations, ignoring a handful of requests', () => {
      out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        ExtendedStatistic: 'p99',
        Dimensions: [
          { Name: 'ApiId', Value: { Ref: Match.stringLikeRegexp('^Api') } },
          { Name: 'Method', Value: 'POST' },
          { Name: 'Resource', Value: '/v1/authorizations' },
          { Name: 'Stage', Value: '$default' },
        ],
        Threshold: 1000,
        EvaluationPeriods: 3,
        EvaluateLowSampleCountPercentile: 'ignore',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('alarm on a notification possibly sent twice', () => {
      out.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'NotificationsTakenOver',
        Namespace: Match.stringLikeRegexp('^AtmLedger/'),
        Dimensions: [{ Name: 'service', Value: 'notifier' }],
        Statistic: 'Sum',
        Threshold: 1,
      });
    });

    it('send every alarm and its recovery to the alarm topic', () => {
      out.template.allResourcesProperties('AWS::CloudWatch::Alarm', {
        AlarmActions: [statefulRef('AlarmTopic')],
        OKActions: [statefulRef('AlarmTopic')],
      });
    });

    it('are the ones docs/operations.md lists, as many as it counts', () => {
      const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
      const names = stack.operations.alarms.map((a) =>
        (a.node.defaultChild as CfnAlarm).alarmName?.replace(/^atm-ledger-dev-/, ''),
      );
      expect(doc).toContain(`That is ${names.length} alarms`);
      for (const name of names) {
        // A family row names its members: `<Function>-Errors` lists `LedgerApi`, `<Queue>-DLQ` lists `LedgerPoison`.
        const member = name?.replace(/-(Errors|Throttles|DLQ)$/, '');
        expect(
          doc.includes(`\`${name}\``) || doc.includes(`\`${member}\``),
          `${name} in the table`,
        ).toBe(true);
      }
    });

    it('come with a dashboard', () => {
      out.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(stack.operations.alarms.length).toBeGreaterThan(0);
    });
  });
});
