import {
  FUNCTION_ENV as ENV,
  LEDGER_EVENT_SOURCE,
  LEDGER_EVENTS_RULE_PATTERN,
  LEDGER_STREAM_FILTER_PATTERN,
  notifierKindsSetting,
  ROUTES,
  type RouteKey,
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
import { NOTIFIER_TIMEOUT, NOTIFIERS } from './notifiers.js';
import type { StatefulStack } from './stateful-stack.js';

/** The handler modules, repo-relative: the same files the local cloud runs. */
export const ENTRIES = {
  ingestHttp: 'services/ingest/src/handlers/http.ts',
  ledgerKinesis: 'services/ledger/src/handlers/kinesis.ts',
  ledgerApi: 'services/ledger/src/handlers/api.ts',
  ledgerPublish: 'services/ledger/src/handlers/publish.ts',
  ledgerTimers: 'services/ledger/src/handlers/timers.ts',
  notifierSqs: 'services/notifier/src/handlers/sqs.ts',
} as const;

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

    // ---- ingest: HTTP -> Kinesis -------------------------------------------------
    this.ingest = new ServiceFunction(this, 'Ingest', {
      config,
      service: 'ingest',
      entry: ENTRIES.ingestHttp,
      description: 'atm-ledger ingest: accepts ATM transactions onto the stream',
      memorySize: 512,
      // API Gateway gives up after 30 s; failing well before that leaves room for the ATM's own retry.
      timeout: Duration.seconds(10),
      environment: {
        [ENV.ledgerStreamName]: data.transactions.streamName,
        [ENV.ledgerTableName]: data.ledgerTable.tableName,
      },
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

    // Every ledger function reads LEDGER_HOLD_TTL_SECONDS (the API sets an
    // approval's expiresAt from it), so all of them get the one deployed value.
    const ledgerEnv = {
      [ENV.ledgerTableName]: data.ledgerTable.tableName,
      [ENV.ledgerHoldTtlSeconds]: String(config.holdTtlSeconds),
    };

    // ---- ledger: Kinesis -> DynamoDB ---------------------------------------------
    this.ledgerStream = new ServiceFunction(this, 'LedgerStream', {
      config,
      service: 'ledger',
      entry: ENTRIES.ledgerKinesis,
      description: 'atm-ledger ledger: posts transactions from the stream',
      // Memory buys CPU: a batch of 100 records is JSON and SDK work, and
      // shorter batches cut the iterator age more than they cost.
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: {
        ...ledgerEnv,
        [ENV.ledgerPoisonQueueUrl]: data.poisonQueue.queueUrl,
        [ENV.ledgerBatchConcurrency]: '10',
        [ENV.ledgerReversalWindowSeconds]: String(config.reversalWindowSeconds),
      },
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

    const maxRecordAge = Duration.seconds(
      Math.min(config.kinesisRetention.toSeconds() / 2, 604_800),
    );
    this.ledgerStream.fn.addEventSource(
      new KinesisEventSource(data.transactions, {
        // A new or replaced mapping starts at the oldest retained record: the
        // ledger is idempotent per transaction id, so a replay costs only
        // time, while starting at LATEST would silently skip transactions.
        startingPosition: StartingPosition.TRIM_HORIZON,
        // Up to 100 records per invocation. The handler posts different
        // accounts concurrently (LEDGER_BATCH_CONCURRENCY), so larger batches
        // add throughput, while 100 keeps a batch well inside the timeout.
        batchSize: 100,
        // Zero: invoke as soon as records arrive. The ATM is answered with 202
        // before the ledger posts, and balance reads should catch up fast, so
        // latency matters more than the invocations a window would save.
        maxBatchingWindow: Duration.seconds(0),
        // Two concurrent batches per shard. Lambda keeps records with the same
        // partition key (accountId) in one of them, in order, so an account's
        // postings stay sequential while other accounts proceed in parallel.
        parallelizationFactor: 2,
        // Split a batch in two when the function itself fails (crash, timeout),
        // to isolate the record that causes it. Item failures reported through
        // ReportBatchItemFailures already pinpoint the record, so this only
        // matters for failures the handler cannot catch. Splits do not use up
        // retries.
        bisectBatchOnError: true,
        // Keep retrying (the AWS maximum) rather than skip: a skipped record
        // would let an account's later transactions post before it. Poison
        // records never get here; the handler parks them in the poison queue.
        retryAttempts: 10_000,
        // ...but give up while the record is still in the stream: at half the
        // retention, the on-failure message still names records that can be
        // replayed (docs/deploy.md) for as long again.
        maxRecordAge,
        // Discarded batches are described (shard, sequence range) in this
        // queue, which has an alarm.
        onFailure: new SqsDlq(data.streamFailureQueue),
        // The handler returns the first failed record of each account; Lambda
        // retries from the lowest of them instead of the whole batch.
        reportBatchItemFailures: true,
        enabled: true,
        // No tumbling window (no aggregation across batches) and no event
        // filter: every record is a command the ledger must see.
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
      service: 'ledger',
      entry: ENTRIES.ledgerTimers,
      description:
        'atm-ledger ledger: decides what is due (early reversals that waited too long, holds that expired)',
      memorySize: 512,
      // A sweep that does not finish in time leaves the rest for the next minute.
      timeout: Duration.seconds(50),
      environment: ledgerEnv,
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
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(this.ledgerTimers.fn, {
        role: this.ledgerTimersScheduleRole,
        // The next minute's sweep is the retry: every sweep reads everything due.
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });

    // ---- ledger: HTTP reads, account opening and authorizations ------------------
    this.ledgerApi = new ServiceFunction(this, 'LedgerApi', {
      config,
      service: 'ledger',
      entry: ENTRIES.ledgerApi,
      description:
        'atm-ledger ledger: account and transaction reads, account opening, authorizations',
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: ledgerEnv,
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
    const delivery = config.notifierDelivery;
    this.notifierDelivery = delivery.kind;
    const deliveryEnv: Record<string, string> =
      delivery.kind === 'jsonl'
        ? { [ENV.notifierJsonlPath]: '/tmp/notifications.jsonl' }
        : delivery.kind === 'ses'
          ? {
              [ENV.notifierSesFrom]: delivery.from,
              ...(delivery.configurationSet === undefined
                ? {}
                : { [ENV.notifierSesConfigurationSet]: delivery.configurationSet }),
            }
          : delivery.senderId === undefined
            ? {}
            : { [ENV.notifierSmsSenderId]: delivery.senderId };
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
        service: 'notifier',
        entry: ENTRIES.notifierSqs,
        description: `atm-ledger notifier ${channel}: ${settings.description}`,
        memorySize: 512,
        timeout: NOTIFIER_TIMEOUT,
        environment: {
          [ENV.notifierTableName]: data.notifierTable.tableName,
          [ENV.notifierKinds]: notifierKindsSetting(channel),
          [ENV.notifierChannel]: delivery.kind,
          ...deliveryEnv,
          ...(config.notifierContactsJson === undefined
            ? {}
            : { [ENV.notifierContactsJson]: config.notifierContactsJson }),
        },
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
          batchSize: 10,
          maxBatchingWindow: Duration.seconds(0),
          // Only the failed messages return to the queue; the rest are deleted.
          reportBatchItemFailures: true,
          // A notifier burst must not take the concurrency the ledger needs.
          maxConcurrency: 5,
          enabled: true,
        }),
      );
      return { channel, fn };
    });

    // ---- DynamoDB stream -> pipe (filter, enrichment) -> bus ---------------------
    this.ledgerPublish = new ServiceFunction(this, 'LedgerPublish', {
      config,
      service: 'ledger',
      entry: ENTRIES.ledgerPublish,
      description:
        'atm-ledger ledger: maps transaction and authorization stream records to ledger events',
      // Pure mapping of at most ten records: no I/O, little memory.
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: {},
    });

    const streamArn = data.ledgerTable.tableStreamArn;
    if (streamArn === undefined) {
      throw new Error('the ledger table must have a stream for the events pipe');
    }
    const pipeName = name('ledger-events');
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
    data.pipeDlq.grantSendMessages(pipeRole);
    pipeLogs.grantWrite(pipeRole);

    this.pipe = new CfnPipe(this, 'LedgerEventsPipe', {
      name: pipeName,
      description:
        'Ledger transaction and authorization items, as they change, onto the event bus as ledger events',
      roleArn: pipeRole.roleArn,
      source: streamArn,
      sourceParameters: {
        // Only transaction and authorization items go on (contracts);
        // accounts, entries, timers and acceptance markers are internal. Filtering before the enrichment
        // means they are neither billed as pipe events nor invoke it.
        filterCriteria: { filters: [{ pattern: JSON.stringify(LEDGER_STREAM_FILTER_PATTERN) }] },
        dynamoDbStreamParameters: {
          // As for the Kinesis mapping: replays are absorbed by the
          // deterministic event ids and the notifier's idempotency records;
          // gaps are not recoverable.
          startingPosition: 'TRIM_HORIZON',
          // A batch is one enrichment call and then PutEvents, which takes at most 10 entries.
          batchSize: 10,
          maximumBatchingWindowInSeconds: 0,
          // One batch per shard keeps each item's changes in order on the bus.
          parallelizationFactor: 1,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          maximumRetryAttempts: 10,
          // DynamoDB streams keep records for 24 hours.
          maximumRecordAgeInSeconds: Duration.hours(24).toSeconds(),
          deadLetterConfig: { arn: data.pipeDlq.queueArn },
        },
      },
      // The enrichment returns the ledger events of the batch; each becomes one
      // bus event whose detail is the event itself.
      enrichment: this.ledgerPublish.fn.functionArn,
      target: data.bus.eventBusArn,
      targetParameters: {
        eventBridgeEventBusParameters: {
          source: LEDGER_EVENT_SOURCE,
          // A dynamic path: each event's `type` (ledger.transaction.posted, ...)
          // becomes its detail-type, which the bus rule and the archive match.
          detailType: '$.type',
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
    const rule = new Rule(this, 'LedgerEventsToTopic', {
      ruleName: name('ledger-events-to-topic'),
      description: 'Every ledger event to the fan-out topic',
      eventBus: data.bus,
      eventPattern: {
        source: [...LEDGER_EVENTS_RULE_PATTERN.source],
        detailType: [...LEDGER_EVENTS_RULE_PATTERN['detail-type']],
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
        deadLetterQueue: Queue.fromQueueArn(this, 'RuleDlqRef', data.ruleDlq.queueArn),
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
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
