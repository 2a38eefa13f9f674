import {
  FUNCTION_ENV as ENV,
  FUNCTIONS,
  type FunctionEnvName,
  functionEnvironment,
  LEDGER_EVENTS_PIPE,
  LEDGER_STREAM_MAPPING,
  LEDGER_TIMERS_SCHEDULE,
  NOTIFIERS,
  notifierKindsSetting,
  ROUTES,
  type RouteKey,
  RULES,
} from '@atm-ledger/contracts';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { EmailIdentity } from 'aws-cdk-lib/aws-ses';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config.js';
import { Operations } from './constructs/operations.js';
import { ServiceFunction } from './constructs/service-function.js';
import type { StatefulStack } from './stateful-stack.js';

/** The route ATMs wait on before they dispense: it gets route-level metrics and a latency alarm. */
const AUTHORIZATION_ROUTE = 'POST /v1/authorizations' satisfies RouteKey;

export interface StatelessStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly data: StatefulStack;
}

/**
 * Code and wiring: functions, event source mappings, the pipe, the bus rule,
 * the HTTP API and the alarms. Everything here can be destroyed and
 * recreated without losing a record, because every record lives in the
 * StatefulStack.
 */
export class StatelessStack extends Stack {
  readonly ingest: ServiceFunction;
  readonly ledgerStream: ServiceFunction;
  readonly ledgerApi: ServiceFunction;
  /** The events pipe's enrichment: stream records in, ledger events out. */
  readonly ledgerPublish: ServiceFunction;
  /** The timer sweep (early reversals that waited their window out, holds that expired), on a schedule. */
  readonly ledgerTimers: ServiceFunction;
  readonly ledgerTimersSchedule: Schedule;
  readonly ledgerTimersScheduleRole: Role;
  readonly notifiers: ReadonlyArray<{ readonly channel: string; readonly fn: ServiceFunction }>;
  readonly notifierDelivery: DeploymentConfig['notifierDelivery']['kind'];
  readonly api: HttpApi;
  readonly pipe: CfnPipe;
  readonly pipeRole: Role;
  /** Assumed by EventBridge to publish to the encrypted topic. */
  readonly ruleRole: Role;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    const name = (suffix: string) => `atm-ledger-${config.stage}-${suffix}`;

    // Every value a function may be given; each takes the names the topology lists for it.
    const delivery = config.notifierDelivery;
    const envPool: Partial<Record<FunctionEnvName, string>> = {
      [ENV.ledgerStreamName]: data.transactions.streamName,
      [ENV.ledgerTableName]: data.ledgerTable.tableName,
      [ENV.ledgerHoldTtlSeconds]: String(config.holdTtlSeconds),
      [ENV.ledgerPoisonQueueUrl]: data.poisonQueue.queueUrl,
      [ENV.ledgerReversalWindowSeconds]: String(config.reversalWindowSeconds),
      [ENV.notifierTableName]: data.notifierTable.tableName,
      [ENV.notifierChannel]: delivery.kind,
      ...(delivery.kind === 'jsonl' ? { [ENV.notifierJsonlPath]: '/tmp/notifications.jsonl' } : {}),
      ...(delivery.kind === 'ses'
        ? {
            [ENV.notifierSesFrom]: delivery.from,
            ...(delivery.configurationSet === undefined
              ? {}
              : { [ENV.notifierSesConfigurationSet]: delivery.configurationSet }),
          }
        : {}),
      ...(delivery.kind === 'sms' && delivery.senderId !== undefined
        ? { [ENV.notifierSmsSenderId]: delivery.senderId }
        : {}),
      ...(config.notifierContactsJson === undefined
        ? {}
        : { [ENV.notifierContactsJson]: config.notifierContactsJson }),
    };

    // ---- ingest: HTTP -> Kinesis -------------------------------------------------
    this.ingest = new ServiceFunction(this, 'Ingest', {
      config,
      spec: FUNCTIONS.ingest,
      environment: functionEnvironment('ingest', envPool),
    });
    data.transactions.grant(
      this.ingest.role,
      'kinesis:PutRecords',
      'kinesis:DescribeStreamSummary',
    );
    // A producer on a KMS-encrypted stream must be able to make data keys.
    data.key.grant(this.ingest.role, 'kms:GenerateDataKey');
    // PutItem writes the ACCEPTED marker; DescribeTable backs the health check.
    data.ledgerTable.grant(this.ingest.role, 'dynamodb:PutItem', 'dynamodb:DescribeTable');

    // ---- ledger: Kinesis -> DynamoDB ---------------------------------------------
    this.ledgerStream = new ServiceFunction(this, 'LedgerStream', {
      config,
      spec: FUNCTIONS.ledgerStream,
      environment: functionEnvironment('ledgerStream', envPool),
    });
    // TransactWriteItems has no IAM action of its own: each Put, Update and
    // ConditionCheck inside it is authorised as PutItem, UpdateItem and
    // ConditionCheckItem. A completion or release writes its authorization's
    // item in the posting's transaction, under the same actions.
    data.ledgerTable.grant(
      this.ledgerStream.role,
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    );
    data.poisonQueue.grantSendMessages(this.ledgerStream.role);

    // The settings, and why each, are the topology's (contracts LEDGER_STREAM_MAPPING).
    const mapping = LEDGER_STREAM_MAPPING;
    this.ledgerStream.fn.addEventSource(
      new KinesisEventSource(data.transactions, {
        startingPosition: StartingPosition[mapping.startingPosition],
        batchSize: mapping.batchSize,
        maxBatchingWindow: Duration.seconds(mapping.maximumBatchingWindowInSeconds),
        parallelizationFactor: mapping.parallelizationFactor,
        bisectBatchOnError: mapping.bisectBatchOnFunctionError,
        retryAttempts: mapping.maximumRetryAttempts,
        maxRecordAge: Duration.seconds(
          mapping.maximumRecordAgeInSeconds(config.kinesisRetention.toSeconds()),
        ),
        onFailure: new SqsDlq(data.deadLetters[mapping.onFailure]),
        reportBatchItemFailures: mapping.reportBatchItemFailures,
        ...(mapping.tumblingWindowInSeconds === 0
          ? {}
          : { tumblingWindow: Duration.seconds(mapping.tumblingWindowInSeconds) }),
        enabled: true,
      }),
    );

    // ---- ledger: timers, swept on a schedule -------------------------------------
    // Timers are items written with the decision that starts them, sorted by due
    // time in a few shards (docs/ledger.md): a sweep is one Query per shard.
    // EventBridge Scheduler's finest rate is a minute, which bounds how late an
    // early reversal's wait ends and a hold expires (up to a minute after its
    // expiresAt, plus the sweep's own run); a schedule per timer would be a second write
    // outside the ledger's transaction and would meet Scheduler's quota of
    // schedules per account long before the ledger's volume does.
    this.ledgerTimers = new ServiceFunction(this, 'LedgerTimers', {
      config,
      spec: FUNCTIONS.ledgerTimers,
      environment: functionEnvironment('ledgerTimers', envPool),
    });
    // Query the due timers and delete each once decided. An early reversal:
    // read it (GetItem), write its refusal (PutItem). A hold's expiry: read
    // the authorization (GetItem), then it and its account (BatchGetItem), and
    // in one TransactWriteItems put the EXPIRED authorization (PutItem) and
    // give back the account's hold (UpdateItem). ConditionCheckItem is the
    // adapter's form of an account operation that writes nothing; it reads
    // no more than GetItem does.
    data.ledgerTable.grant(
      this.ledgerTimers.role,
      'dynamodb:Query',
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
    );
    this.ledgerTimersScheduleRole = new Role(this, 'LedgerTimersScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `Invokes the ledger timer sweep every minute (${config.stage})`,
    });
    this.ledgerTimersSchedule = new Schedule(this, 'LedgerTimersSchedule', {
      scheduleName: name('ledger-timers'),
      description: 'Sweeps the ledger timers every minute',
      schedule: ScheduleExpression.rate(Duration.minutes(LEDGER_TIMERS_SCHEDULE.rateMinutes)),
      target: new LambdaInvoke(this.ledgerTimers.fn, {
        role: this.ledgerTimersScheduleRole,
        retryAttempts: LEDGER_TIMERS_SCHEDULE.retryAttempts,
        maxEventAge: Duration.seconds(LEDGER_TIMERS_SCHEDULE.maximumEventAgeInSeconds),
      }),
    });

    // ---- ledger: HTTP reads, account opening and authorizations ------------------
    this.ledgerApi = new ServiceFunction(this, 'LedgerApi', {
      config,
      spec: FUNCTIONS.ledgerApi,
      environment: functionEnvironment('ledgerApi', envPool),
    });
    // Scan backs the trial balance; PutItem opens an account. An authorization
    // reads its record and account together (BatchGetItem), then decides in one
    // TransactWriteItems: the record (PutItem), the account's hold and daily
    // usage (UpdateItem) or, for a decline, a check of what it relied on
    // (ConditionCheckItem), and an approval's expiry timer (PutItem).
    data.ledgerTable.grant(
      this.ledgerApi.role,
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    );

    // ---- notifiers: SQS -> function ----------------------------------------------
    this.notifierDelivery = delivery.kind;
    const sesIdentities =
      delivery.kind === 'ses'
        ? // SES authorises against the address if it is verified itself, else its domain.
          [delivery.from, delivery.from.slice(delivery.from.indexOf('@') + 1)].map((identity, i) =>
            EmailIdentity.fromEmailIdentityName(this, `SesIdentity${i}`, identity),
          )
        : [];

    this.notifiers = data.notifierQueues.map(({ channel, queue }) => {
      const settings = NOTIFIERS[channel];
      const id = `Notifier${channel.charAt(0).toUpperCase()}${channel.slice(1)}`;
      const fn = new ServiceFunction(this, id, {
        config,
        spec: FUNCTIONS[settings.function],
        description: `atm-ledger notifier ${channel}: ${settings.description}`,
        environment: functionEnvironment(settings.function, {
          ...envPool,
          [ENV.notifierKinds]: notifierKindsSetting(channel),
        }),
      });
      // Idempotency records: claim (conditional put), complete (update),
      // read an earlier claim (get), release after a failure (delete).
      data.notifierTable.grant(
        fn.role,
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:GetItem',
        'dynamodb:DeleteItem',
      );
      for (const identity of sesIdentities) identity.grantSendEmail(fn.role);
      if (delivery.kind === 'ses' && delivery.configurationSet !== undefined) {
        Grant.addToPrincipal({
          grantee: fn.role,
          actions: ['ses:SendEmail'],
          resourceArns: [
            this.formatArn({
              service: 'ses',
              resource: 'configuration-set',
              resourceName: delivery.configurationSet,
            }),
          ],
        });
      }
      if (delivery.kind === 'sms') {
        // SMS goes to phone numbers, which have no ARN to name.
        Grant.addToPrincipal({ grantee: fn.role, actions: ['sns:Publish'], resourceArns: ['*'] });
      }
      fn.fn.addEventSource(
        new SqsEventSource(queue, {
          batchSize: settings.mapping.batchSize,
          maxBatchingWindow: Duration.seconds(settings.mapping.maximumBatchingWindowInSeconds),
          reportBatchItemFailures: settings.mapping.reportBatchItemFailures,
          maxConcurrency: settings.mapping.maximumConcurrency,
          enabled: true,
        }),
      );
      return { channel, fn };
    });

    // ---- DynamoDB stream -> pipe (filter, enrichment) -> bus ---------------------
    this.ledgerPublish = new ServiceFunction(this, 'LedgerPublish', {
      config,
      spec: FUNCTIONS[LEDGER_EVENTS_PIPE.enrichment],
      environment: functionEnvironment(LEDGER_EVENTS_PIPE.enrichment, envPool),
    });

    const streamArn = data.ledgerTable.tableStreamArn;
    if (streamArn === undefined) {
      throw new Error('the ledger table must have a stream for the events pipe');
    }
    const pipe = LEDGER_EVENTS_PIPE;
    const pipeName = name(pipe.name);
    const pipeLogs = new LogGroup(this, 'PipeLogs', {
      retention: config.logRetentionDays,
      removalPolicy: config.removalPolicy,
    });
    this.pipeRole = new Role(this, 'PipeRole', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `Reads the ledger table stream and puts ledger events on the bus (${config.stage})`,
    });
    const pipeRole = this.pipeRole;
    data.ledgerTable.grantStreamRead(pipeRole);
    // The pipe calls the unqualified ARN; no version or alias needs to be callable.
    this.ledgerPublish.fn.grantInvokeLatestVersion(pipeRole);
    data.bus.grantPutEventsTo(pipeRole);
    data.deadLetters[pipe.deadLetterQueue].grantSendMessages(pipeRole);
    pipeLogs.grantWrite(pipeRole);

    this.pipe = new CfnPipe(this, 'LedgerEventsPipe', {
      name: pipeName,
      description:
        'Ledger transaction and authorization items, as they change, onto the event bus as ledger events',
      roleArn: pipeRole.roleArn,
      source: streamArn,
      // The settings, and why each, are the topology's (contracts LEDGER_EVENTS_PIPE).
      sourceParameters: {
        filterCriteria: { filters: [{ pattern: JSON.stringify(pipe.filter) }] },
        dynamoDbStreamParameters: {
          startingPosition: pipe.startingPosition,
          batchSize: pipe.batchSize,
          maximumBatchingWindowInSeconds: pipe.maximumBatchingWindowInSeconds,
          parallelizationFactor: pipe.parallelizationFactor,
          onPartialBatchItemFailure: pipe.onPartialBatchItemFailure,
          maximumRetryAttempts: pipe.maximumRetryAttempts,
          maximumRecordAgeInSeconds: pipe.maximumRecordAgeInSeconds,
          deadLetterConfig: { arn: data.deadLetters[pipe.deadLetterQueue].queueArn },
        },
      },
      // The enrichment returns the ledger events of the batch; each becomes one
      // bus event whose detail is the event itself.
      enrichment: this.ledgerPublish.fn.functionArn,
      target: data.bus.eventBusArn,
      targetParameters: {
        eventBridgeEventBusParameters: {
          source: pipe.targetSource,
          detailType: pipe.targetDetailType,
        },
      },
      logConfiguration: {
        cloudwatchLogsLogDestination: { logGroupArn: pipeLogs.logGroupArn },
        level: 'ERROR',
      },
      desiredState: 'RUNNING',
    });
    // The role's policy must exist before the pipe starts reading, or the
    // first poll fails on permissions.
    this.pipe.node.addDependency(pipeRole);

    // ---- bus -> SNS ----------------------------------------------------------------
    const ruleSpec = RULES.ledgerEventsToTopic;
    const rule = new Rule(this, 'LedgerEventsToTopic', {
      ruleName: name(ruleSpec.name),
      description: ruleSpec.description,
      eventBus: data.bus,
      eventPattern: {
        source: [...ruleSpec.pattern.source],
        detailType: [...ruleSpec.pattern['detail-type']],
      },
    });
    this.ruleRole = new Role(this, 'RuleRole', {
      assumedBy: new ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `Publishes ledger events from the bus to the fan-out topic (${config.stage})`,
    });
    rule.addTarget(
      new SnsTopic(data.ledgerEvents, {
        // Publishing through a role puts the sns:Publish and KMS permissions
        // in this stack's IAM policy; the alternative is editing the topic and
        // key policies of the stateful stack from here.
        authorizeUsingRole: true,
        role: this.ruleRole,
        // The queue's own policy (stateful stack) lets rules of this bus send
        // to it. Referencing it by ARN stops CDK from adding a statement that
        // would name this stack's rule there, a reference back into this stack.
        deadLetterQueue: Queue.fromQueueArn(
          this,
          'RuleDlqRef',
          data.deadLetters[ruleSpec.deadLetterQueue].queueArn,
        ),
        retryAttempts: ruleSpec.retryAttempts,
        maxEventAge: Duration.seconds(ruleSpec.maximumEventAgeInSeconds),
      }),
    );

    // ---- HTTP API --------------------------------------------------------------
    // HTTP APIs do not validate request bodies. API Gateway enforces IAM
    // (SigV4) and route matching, and returns 404 for any other route; every
    // handler validates its input against the zod schemas in contracts and
    // answers 400 with a problem+json body.
    this.api = new HttpApi(this, 'Api', {
      apiName: name('api'),
      description: 'ATM transactions in, ledger reads out',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: config.logRetentionDays,
      removalPolicy: config.removalPolicy,
    });
    const stage = new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    const integrations = {
      ingest: new HttpLambdaIntegration('IngestIntegration', this.ingest.fn, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
      ledger: new HttpLambdaIntegration('LedgerIntegration', this.ledgerApi.fn, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
    };
    const iam = new HttpIamAuthorizer();
    const none = new HttpNoneAuthorizer();
    for (const route of ROUTES) {
      const [method, path] = route.routeKey.split(' ') as [keyof typeof HttpMethod, string];
      const [created] = this.api.addRoutes({
        path,
        methods: [HttpMethod[method]],
        integration: integrations[route.service],
        authorizer: route.authenticated ? iam : none,
      });
      // The stage's settings for a route name it by key, so the route must exist first.
      if (route.routeKey === AUTHORIZATION_ROUTE && created !== undefined) {
        stage.node.addDependency(created);
      }
    }
    // Route-level metrics for the authorization route alone (its latency
    // alarm needs them); for every route they would be six custom metrics per
    // route. A route's settings replace the stage defaults rather than add to
    // them, and an unset throttle there is 0, which refuses every request: the
    // stage's throttle is repeated.
    (stage.node.defaultChild as CfnStage).routeSettings = {
      [AUTHORIZATION_ROUTE]: {
        DetailedMetricsEnabled: true,
        ThrottlingRateLimit: config.apiThrottle.rateLimit,
        ThrottlingBurstLimit: config.apiThrottle.burstLimit,
      },
    };

    // ---- operations --------------------------------------------------------------
    this.operations = new Operations(this, 'Operations', {
      stage: config.stage,
      alarmTopic: data.alarms,
      api: this.api,
      apiStageName: stage.stageName,
      authorizationRoute: AUTHORIZATION_ROUTE,
      stream: data.transactions,
      functions: [
        { name: 'Ingest', fn: this.ingest.fn },
        { name: 'LedgerStream', fn: this.ledgerStream.fn },
        { name: 'LedgerApi', fn: this.ledgerApi.fn },
        { name: 'LedgerPublish', fn: this.ledgerPublish.fn },
        { name: 'LedgerTimers', fn: this.ledgerTimers.fn },
        ...this.notifiers.map((n) => ({ name: `Notifier-${n.channel}`, fn: n.fn.fn })),
      ],
      streamConsumer: this.ledgerStream.fn,
      timerSweep: this.ledgerTimers.fn,
      pipeName,
      deadLetterQueues: data.deadLetterQueues(),
      workQueues: data.notifierQueues.map((n) => ({ name: n.channel, queue: n.queue })),
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.apiEndpoint,
      description: 'Base URL of the HTTP API',
    });
    new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName });
  }
}
