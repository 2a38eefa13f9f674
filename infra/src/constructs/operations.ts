import type { RouteKey } from '@atm-ledger/contracts';
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Stream } from 'aws-cdk-lib/aws-kinesis';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { metricsNamespace } from './service-function.js';

export interface OperationsProps {
  readonly stage: string;
  readonly alarmTopic: ITopic;
  readonly api: HttpApi;
  /** The API's stage, a dimension of its route metrics. */
  readonly apiStageName: string;
  /** The route the ATMs wait on, with detailed (route-level) metrics enabled on the stage. */
  readonly authorizationRoute: RouteKey;
  readonly stream: Stream;
  readonly functions: ReadonlyArray<{ readonly name: string; readonly fn: IFunction }>;
  /** The Kinesis consumer, whose iterator age says how far the ledger lags behind ingest. */
  readonly streamConsumer: IFunction;
  /** The timer sweep, which must run every minute. */
  readonly timerSweep: IFunction;
  readonly pipeName: string;
  readonly deadLetterQueues: ReadonlyArray<{ readonly name: string; readonly queue: IQueue }>;
  readonly workQueues: ReadonlyArray<{ readonly name: string; readonly queue: IQueue }>;
}

/**
 * Ledger lag that pages someone. The handler posts a batch in well under a
 * second, so a minute of age that persists for five means the consumer is
 * failing or throttled, not merely busy.
 */
const ITERATOR_AGE_THRESHOLD = Duration.minutes(1);

/**
 * Authorization latency that pages someone: the ATM waits on it before it
 * dispenses. A warm authorization is one DynamoDB call (tens of
 * milliseconds); a second at the 99th percentile for fifteen minutes is far
 * beyond cold starts at any real traffic, and close to the few seconds an ATM
 * network waits before it gives up on the answer.
 */
const AUTHORIZATION_P99_THRESHOLD = Duration.seconds(1);

/**
 * Alarms and a dashboard. Every alarm notifies the alarm topic on both
 * ALARM and OK, so whoever is paged also learns when it cleared. Missing data
 * counts as healthy: an idle stage emits no Lambda or queue datapoints at all.
 */
export class Operations extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const alarmName = (name: string) => `atm-ledger-${props.stage}-${name}`;
    const action = new SnsAction(props.alarmTopic);

    const alarm = (
      name: string,
      metric: IMetric,
      description: string,
      opts: {
        threshold?: number;
        evaluationPeriods?: number;
        evaluateLowSampleCountPercentile?: string;
      } = {},
    ) => {
      const created = new Alarm(this, name, {
        alarmName: alarmName(name),
        alarmDescription: description,
        metric,
        threshold: opts.threshold ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: opts.evaluationPeriods ?? 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        ...(opts.evaluateLowSampleCountPercentile === undefined
          ? {}
          : { evaluateLowSampleCountPercentile: opts.evaluateLowSampleCountPercentile }),
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    const fiveMinutes = Duration.minutes(5);
    for (const { name, fn } of props.functions) {
      alarm(
        `${name}-Errors`,
        fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        `${name}: invocations failed (crash, timeout or unhandled error). Check its log group.`,
      );
      alarm(
        `${name}-Throttles`,
        fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        `${name}: invocations throttled. The account or reserved concurrency limit is reached.`,
      );
    }

    alarm(
      'Ledger-IteratorAge',
      props.streamConsumer.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      'The ledger lags behind the transactions stream: records wait more than a minute. ' +
        'Look for ledger errors or throttles; records are discarded to the stream-failures queue at maxRecordAge.',
      { threshold: ITERATOR_AGE_THRESHOLD.toMilliseconds(), evaluationPeriods: 5 },
    );

    alarm(
      'Transactions-WriteThrottles',
      props.stream.metricPutRecordsThrottledRecords({ period: fiveMinutes, statistic: 'Sum' }),
      'Ingest writes to the transactions stream are throttled. Add shards or switch the stream to on-demand.',
    );

    for (const { name, queue } of props.deadLetterQueues) {
      alarm(
        `${name}-DLQ`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        `Messages are waiting in the ${name} dead-letter queue. Inspect them, fix the cause, then redrive (docs/operations.md).`,
      );
    }

    const pipeMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/EventBridge/Pipes',
        metricName,
        dimensionsMap: { PipeName: props.pipeName },
        period: fiveMinutes,
        statistic: 'Sum',
      });
    alarm(
      'EventsPipe-Failures',
      new MathExpression({
        label: 'Failed and partially failed pipe executions',
        expression: 'FILL(failed, 0) + FILL(partial, 0)',
        usingMetrics: {
          failed: pipeMetric('ExecutionFailed'),
          partial: pipeMetric('ExecutionPartiallyFailed'),
        },
        period: fiveMinutes,
      }),
      'The ledger-events pipe failed to deliver stream records to the bus; after its retries they go to its DLQ.',
    );

    alarm(
      'Notifier-PossibleDuplicates',
      new Metric({
        namespace: metricsNamespace(props.stage),
        metricName: 'NotificationsTakenOver',
        dimensionsMap: { service: 'notifier' },
        period: fiveMinutes,
        statistic: 'Sum',
      }),
      'A notifier sent a notification after taking over an expired claim: a sender died between sending and ' +
        'recording it, so the customer may have received it twice (docs/operations.md).',
    );

    // A sweep that stops running leaves early reversals waiting past their
    // window, and holds counting against availableBalance past their expiry.
    const sweeps = new Alarm(this, 'LedgerTimers-NotRunning', {
      alarmName: alarmName('LedgerTimers-NotRunning'),
      alarmDescription:
        'The ledger timer sweep has not run for 10 minutes: early reversals stay PENDING past their window and ' +
        'expired holds stay APPROVED, still held. Check the ledger-timers schedule and function (docs/operations.md).',
      metric: props.timerSweep.metricInvocations({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // No datapoint at all is exactly the failure: the schedule invokes it every minute.
      treatMissingData: TreatMissingData.BREACHING,
    });
    sweeps.addAlarmAction(action);
    sweeps.addOkAction(action);
    this.alarms.push(sweeps);

    const ledgerMetric = (metricName: string) =>
      new Metric({
        namespace: metricsNamespace(props.stage),
        metricName,
        dimensionsMap: { service: 'ledger' },
        period: fiveMinutes,
        statistic: 'Sum',
      });
    alarm(
      'LedgerTimers-Failures',
      ledgerMetric('TimersFailed'),
      'The ledger timer sweep could not decide some timers (early reversals or hold expiries); they stay and are ' +
        'tried every minute. Check its log group.',
    );
    alarm(
      'Ledger-ReversalsExpired',
      ledgerMetric('ReversalsExpired'),
      'An early reversal waited its whole window and its original never reached the ledger: it was refused ' +
        'ORIGINAL_NOT_FOUND. Reconcile it with the ATM network (docs/operations.md).',
    );
    alarm(
      'Ledger-HoldsExpired',
      ledgerMetric('HoldsExpired'),
      'An approved authorization was neither completed nor released within LEDGER_HOLD_TTL_SECONDS, and its hold ' +
        'was given back: the ATM may have dispensed without its completion reaching the ledger. Reconcile it with ' +
        'the ATM network (docs/operations.md).',
    );
    alarm(
      'Ledger-RecordsParked',
      ledgerMetric('PoisonRecords'),
      'The ledger parked records on the poison queue (undecodable, under the wrong partition key, or refused by ' +
        'DynamoDB on every delivery). Inspect them (docs/operations.md).',
    );

    alarm(
      'Api-5xx',
      props.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      'The HTTP API returned 5xx responses. Check the ingest and ledger API functions.',
    );

    const [authorizationMethod, authorizationPath] = props.authorizationRoute.split(' ') as [
      string,
      string,
    ];
    // Route-level metrics, which API Gateway sends only for routes with
    // detailed metrics enabled (the stage's route settings).
    const authorizationMetric = (metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: {
          ApiId: props.api.apiId,
          Stage: props.apiStageName,
          Method: authorizationMethod,
          Resource: authorizationPath,
        },
        period: fiveMinutes,
        statistic,
      });
    alarm(
      'Authorizations-LatencyP99',
      authorizationMetric('Latency', 'p99'),
      `POST /v1/authorizations answers slower than ${AUTHORIZATION_P99_THRESHOLD.toSeconds()} s at the 99th ` +
        'percentile for 15 minutes: ATMs wait on it before they dispense. Look for ledger API throttles, ' +
        'DynamoDB throttling on the ledger table, or hot accounts retrying (docs/operations.md).',
      {
        threshold: AUTHORIZATION_P99_THRESHOLD.toMilliseconds(),
        evaluationPeriods: 3,
        // A handful of requests (a quiet stage, one cold start) says nothing about the 99th percentile.
        evaluateLowSampleCountPercentile: 'ignore',
      },
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: alarmName('overview'),
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });
    const byFunction = (metric: (fn: IFunction) => IMetric) =>
      props.functions.map(({ fn }) => metric(fn));

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# atm-ledger ${props.stage}\nATM → HTTP API → ingest → Kinesis → ledger → DynamoDB → pipe → bus → SNS → notifier queues`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('API requests and errors', [
        props.api.metricCount({ statistic: 'Sum' }),
        props.api.metricClientError({ statistic: 'Sum' }),
        props.api.metricServerError({ statistic: 'Sum' }),
      ]),
      graph('API latency p99 (ms)', [
        props.api.metricLatency({ statistic: 'p99' }),
        props.api.metricIntegrationLatency({ statistic: 'p99' }),
      ]),
      graph(
        'Transactions stream',
        [props.stream.metricIncomingRecords({ statistic: 'Sum' })],
        [props.streamConsumer.metric('IteratorAge', { statistic: 'Maximum' })],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Function errors',
        byFunction((fn) => fn.metricErrors({ statistic: 'Sum' })),
      ),
      graph(
        'Function throttles',
        byFunction((fn) => fn.metricThrottles({ statistic: 'Sum' })),
      ),
      graph(
        'Function duration p99 (ms)',
        byFunction((fn) => fn.metricDuration({ statistic: 'p99' })),
      ),
    );
    this.dashboard.addWidgets(
      graph('Events pipe', [
        pipeMetric('Invocations'),
        pipeMetric('ExecutionFailed'),
        pipeMetric('ExecutionPartiallyFailed'),
      ]),
      graph(
        'Notifier queues: oldest message age (s)',
        props.workQueues.map(({ queue }) =>
          queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
        ),
      ),
      graph(
        'Dead-letter queues: messages',
        props.deadLetterQueues.map(({ queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
        ),
      ),
    );
    this.dashboard.addWidgets(
      graph('Authorizations', [
        ledgerMetric('AuthorizationsApproved'),
        ledgerMetric('AuthorizationsDeclined'),
        ledgerMetric('AuthorizationsConflicting'),
      ]),
      graph('Authorization latency p99 (ms)', [
        authorizationMetric('Latency', 'p99'),
        authorizationMetric('IntegrationLatency', 'p99'),
      ]),
      graph('Timer sweep', [
        ledgerMetric('HoldsExpired'),
        ledgerMetric('ReversalsExpired'),
        ledgerMetric('TimersFailed'),
      ]),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }),
    );
  }
}
