import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_HOLD_TTL_SECONDS,
  DEFAULT_REVERSAL_WINDOW_SECONDS,
  FUNCTION_ENV as ENV,
  FUNCTIONS,
  type FunctionEnvName,
  type FunctionId,
  functionEnvironment,
  type Health,
  LEDGER_STREAM_MAPPING,
  NOTIFIER_CHANNELS,
  NOTIFIERS,
  type NotifierChannel,
  notifierKindsSetting,
  ROUTES,
  type Route,
} from '@atm-ledger/contracts';
import { createIngestHandler, readIngestConfig } from '@atm-ledger/ingest';
import {
  createLedgerApiHandler,
  createLedgerPublishHandler,
  createLedgerStreamHandler,
  createLedgerTimersHandler,
  readLedgerApiConfig,
  readLedgerStreamConfig,
  type SweepReport,
} from '@atm-ledger/ledger';
import {
  findRepoRoot,
  type HttpHandler,
  KinesisEventSourceMapping,
  LocalGateway,
  LocalPipe,
  type MotoFix,
  type PipeEnrichment,
  RateSchedule,
  SqsEventSourceMapping,
} from '@atm-ledger/local-aws';
import { createNotifierHandler, readNotifierConfig } from '@atm-ledger/notifier';
import {
  type AwsEndpoint,
  type AwsService,
  formatAwsEndpoint,
  type HandlerOptions,
  type HttpEvent,
  type HttpResult,
  type LogLevel,
  MAX_BODY_BYTES,
  type SdkRequestHandlerDecorator,
  sdkClientOptions,
} from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localEnv } from './config.js';
import { type EmulatorProcess, type Emulators, startEmulators } from './emulators.js';
import { ledgerEventsPipeConfig } from './ledger-events-pipe.js';
import { LOCAL_NOTIFICATIONS_ROUTE, makeLocalNotificationsRoute } from './notifications.js';
import { ensureResources, LOCAL_REGION, type LocalResources } from './resources.js';
import {
  IDLE_POLL_INTERVAL_MS,
  IDLE_TIMER_SWEEP_MS,
  isIdleSweep,
  STREAM_WRITES,
  TABLE_WRITES,
  wakeOn,
} from './wake-ups.js';

/** Settings of the functions a user may tune from the shell; nothing else of its environment leaks in. */
const TUNABLE_SETTINGS = [
  ENV.ledgerReversalWindowSeconds,
  ENV.ledgerHoldTtlSeconds,
  ENV.ledgerBatchConcurrency,
] as const;

/**
 * Variables the local cloud gives every function on top of the topology's:
 * Lambda sets AWS_REGION itself, and the endpoint points the SDK clients at
 * the emulator (unset in AWS).
 */
export const LOCAL_FUNCTION_ENV = ['AWS_REGION', ENV.ledgerAwsEndpoint] as const;

export function functionSettings(env: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TUNABLE_SETTINGS) {
    const value = env[name];
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  return out;
}

export interface LocalCloudOptions {
  /** Port of the HTTP API on 127.0.0.1. 0 picks a free one. */
  readonly port?: number;
  /** Bearer token for the API; generated when absent. */
  readonly token?: string;
  /**
   * An already-running emulator (one URL, or one per service); when absent,
   * one emulator per service group is started, and stopped with the cloud.
   */
  readonly awsEndpoint?: AwsEndpoint;
  /** Prefix of every resource name, so several clouds can share one emulator. */
  readonly prefix?: string;
  readonly shards?: number;
  /** Identifies the ledger's event source mapping; its checkpoints are kept under this id. */
  readonly mappingId?: string;
  /**
   * Names this runtime in shard leases. A runtime restarted under the same id
   * takes its leases back at once instead of waiting for them to expire, as a
   * KCL worker restarted on the same host does. Default: host, pid and a random suffix.
   */
  readonly workerId?: string;
  /**
   * `LEDGER_REVERSAL_WINDOW_SECONDS` of the ledger's consumer: how far back a
   * reversal's original may be, and how long an early reversal waits for it.
   * The ledger's default (a day) when absent.
   */
  readonly reversalWindowSeconds?: number;
  /**
   * `LEDGER_HOLD_TTL_SECONDS` of the ledger's API: how long an approved
   * authorization holds its amount before it expires. The ledger's default (a
   * week) when absent.
   */
  readonly holdTtlSeconds?: number;
  /**
   * *Local-only.* The notifier queues' visibility timeout, in seconds, in
   * place of infra's (six notifier timeouts): for runs that kill notifiers on
   * purpose and must see the redelivery within seconds. It also bounds the
   * notifiers' local invocation timeout, which may not exceed it. Default: infra's.
   */
  readonly notifierVisibilityTimeoutSeconds?: number;
  /**
   * Run these emulator fixes' upstream behaviour instead (`launcher.py --without-fix`),
   * in every emulator process this cloud starts: to measure what a fix buys. Default: every fix.
   */
  readonly withoutFixes?: readonly MotoFix[];
  /**
   * Delete the notifications file (`<prefix>-notifications.jsonl` under
   * `.local-cloud/`) when the cloud stops: for runs that read their
   * notifications before they stop (the benchmarks, the load test, the API
   * fuzzer), so repeated runs leave nothing behind. Default: keep it, as
   * `npm start` does for whoever reads the receipts afterwards.
   */
  readonly discardNotificationsOnStop?: boolean;
  /**
   * How often the ledger's timer sweep runs. In AWS an EventBridge Scheduler
   * schedule runs it every minute (its finest rate); locally every second, so
   * a short reversal window can be watched expire.
   */
  readonly timerSweepIntervalMs?: number;
  /**
   * Wraps the HTTP handler of every SDK client the functions build (fault
   * injection); the clients playing AWS's own parts never get it.
   */
  readonly requestHandler?: SdkRequestHandlerDecorator;
  /** The functions' log level; POWERTOOLS_LOG_LEVEL, else WARN, when absent. */
  readonly logLevel?: LogLevel;
  readonly log?: (message: string) => void;
}

export interface LocalCloud {
  readonly apiUrl: string;
  readonly token: string;
  /** Where the functions' clients point: one URL, or one per service (`LEDGER_AWS_ENDPOINT`). */
  readonly endpoint: AwsEndpoint;
  /** The notifiers' endpoints: as `endpoint`, but DynamoDB on their own emulator process. */
  readonly notifierEndpoint: AwsEndpoint;
  /** The emulator processes this cloud started (none when given `awsEndpoint`). */
  readonly emulators: readonly EmulatorProcess[];
  readonly resources: LocalResources;
  readonly ledgerConsumer: KinesisEventSourceMapping;
  /** DynamoDB Streams → publish enrichment → the ledger-events bus. */
  readonly ledgerEventsPipe: LocalPipe;
  /** One SQS event source mapping per notifier queue. */
  readonly notifiers: Readonly<Record<NotifierChannel, SqsEventSourceMapping>>;
  /** The ledger's timer sweep, on its schedule. */
  readonly timerSweep: RateSchedule<SweepReport>;
  /** Where the local notification channel writes (JSON lines). */
  readonly notificationsPath: string;
  /** The values the functions' environments are picked from, as infra sets them in AWS. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The environment each function is built from: the topology's names for it
   * and {@link LOCAL_FUNCTION_ENV}. Notifiers are keyed `notifier-<channel>`.
   */
  readonly functionEnv: Readonly<
    Record<Exclude<FunctionId, 'notifier'> | `notifier-${NotifierChannel}`, Record<string, string>>
  >;
  stop(): Promise<void>;
}

/**
 * The embedded local cloud: moto for the AWS services, and our runtime for the
 * parts AWS runs itself (the Kinesis event source mapping and API Gateway).
 * The functions are the ones the Lambda entry points build, from the same
 * environment variables infra sets, read by the same config modules.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const log = options.log ?? (() => {});
  const rootDir = findRepoRoot();
  let emulators: Emulators | undefined;
  let endpoint: AwsEndpoint;
  let notifierEndpoint: AwsEndpoint;
  if (options.awsEndpoint === undefined) {
    emulators = await startEmulators({ rootDir, log, withoutFixes: options.withoutFixes });
    endpoint = emulators.endpoint;
    notifierEndpoint = emulators.notifierEndpoint;
  } else {
    endpoint = options.awsEndpoint;
    notifierEndpoint = options.awsEndpoint;
  }
  const prefix = options.prefix ?? 'atm-ledger-local';
  // AWS's own parts (mappings, the pipe): never the functions' request handler.
  const clientOptions = (service: AwsService) =>
    sdkClientOptions({ endpoint, region: LOCAL_REGION }, { service });
  const clients = {
    kinesis: new KinesisClient(clientOptions('kinesis')),
    dynamodb: new DynamoDBClient(clientOptions('dynamodb')),
    sqs: new SQSClient(clientOptions('sqs')),
    eventbridge: new EventBridgeClient(clientOptions('events')),
    sns: new SNSClient(clientOptions('sns')),
    streams: new DynamoDBStreamsClient(clientOptions('dynamodbstreams')),
  };
  const notifierDynamodb = new DynamoDBClient(
    sdkClientOptions({ endpoint: notifierEndpoint, region: LOCAL_REGION }, { service: 'dynamodb' }),
  );
  try {
    const resources = await ensureResources({ ...clients, notifierDynamodb }, prefix, {
      shards: options.shards ?? 2,
      notifierVisibilityTimeoutSeconds: options.notifierVisibilityTimeoutSeconds,
    });
    const notificationsPath = join(rootDir, '.local-cloud', `${prefix}-notifications.jsonl`);
    const env: Record<string, string> & Partial<Record<FunctionEnvName, string>> = {
      AWS_REGION: LOCAL_REGION,
      [ENV.ledgerAwsEndpoint]: formatAwsEndpoint(endpoint),
      [ENV.ledgerTableName]: resources.names.ledgerTable,
      [ENV.ledgerStreamName]: resources.names.stream,
      [ENV.ledgerPoisonQueueUrl]: resources.poisonQueueUrl,
      [ENV.ledgerReversalWindowSeconds]: String(DEFAULT_REVERSAL_WINDOW_SECONDS),
      [ENV.ledgerHoldTtlSeconds]: String(DEFAULT_HOLD_TTL_SECONDS),
      // The ledger's tunables as the shell sets them, as a deployment sets them on its functions.
      ...functionSettings(localEnv()),
      ...(options.reversalWindowSeconds === undefined
        ? {}
        : { [ENV.ledgerReversalWindowSeconds]: String(options.reversalWindowSeconds) }),
      ...(options.holdTtlSeconds === undefined
        ? {}
        : { [ENV.ledgerHoldTtlSeconds]: String(options.holdTtlSeconds) }),
      // Both local notifiers append to one file (docs/local-cloud.md).
      [ENV.notifierTableName]: resources.names.notifierTable,
      [ENV.notifierChannel]: 'jsonl',
      [ENV.notifierJsonlPath]: notificationsPath,
    };
    // Filled in once the mapping and the pipe exist; the functions are built before them.
    const wake = { ledgerConsumer: () => {}, ledgerEventsPipe: () => {} };
    const envOf = (id: FunctionId, extra: Partial<Record<FunctionEnvName, string>> = {}) => ({
      ...Object.fromEntries(LOCAL_FUNCTION_ENV.map((name) => [name, env[name] ?? ''])),
      ...functionEnvironment(id, { ...env, ...extra }),
    });
    // The notifiers' entries are added with their mappings, below.
    const functionEnv = {
      ingest: envOf('ingest'),
      ledgerStream: envOf('ledgerStream'),
      ledgerApi: envOf('ledgerApi'),
      ledgerPublish: envOf('ledgerPublish'),
      ledgerTimers: envOf('ledgerTimers'),
    } as { -readonly [K in keyof LocalCloud['functionEnv']]: Record<string, string> };
    const handlerOptions: HandlerOptions = {
      requestHandler: options.requestHandler,
      logLevel:
        options.logLevel ?? (localEnv().POWERTOOLS_LOG_LEVEL as LogLevel | undefined) ?? 'WARN',
      // Metrics go to CloudWatch as EMF log lines in AWS; locally they would only flood stdout.
      metrics: false,
    };
    // Where the runtime owns both ends, a function's write wakes the poller that reads it.
    const writesToStream = wakeOn(
      STREAM_WRITES,
      () => wake.ledgerConsumer(),
      options.requestHandler,
    );
    const writesToTable = wakeOn(
      TABLE_WRITES,
      () => wake.ledgerEventsPipe(),
      options.requestHandler,
    );
    const ingest = createIngestHandler(readIngestConfig(functionEnv.ingest), {
      ...handlerOptions,
      requestHandler: writesToStream,
    });
    const ledgerApi = createLedgerApiHandler(readLedgerApiConfig(functionEnv.ledgerApi), {
      ...handlerOptions,
      requestHandler: writesToTable,
    });
    const ledgerKinesis = createLedgerStreamHandler(
      readLedgerStreamConfig(functionEnv.ledgerStream),
      { ...handlerOptions, requestHandler: writesToTable },
    );

    // The settings, and why each, are the topology's (contracts LEDGER_STREAM_MAPPING).
    const mapping = LEDGER_STREAM_MAPPING;
    const consumerFunction = FUNCTIONS[mapping.function];
    const ledgerConsumer = new KinesisEventSourceMapping({
      config: {
        mappingId: options.mappingId ?? `${prefix}-ledger`,
        eventSourceArn: resources.streamArn,
        functionName: 'ledger',
        startingPosition: mapping.startingPosition,
        batchSize: mapping.batchSize,
        maximumBatchingWindowInSeconds: mapping.maximumBatchingWindowInSeconds,
        parallelizationFactor: mapping.parallelizationFactor,
        bisectBatchOnFunctionError: mapping.bisectBatchOnFunctionError,
        maximumRetryAttempts: mapping.maximumRetryAttempts,
        maximumRecordAgeInSeconds: mapping.maximumRecordAgeInSeconds(
          resources.streamRetentionSeconds,
        ),
        functionResponseTypes: mapping.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
        destinationConfig: { onFailure: { destination: resources.ledgerOnFailureQueueArn } },
        functionTimeoutSeconds: consumerFunction.timeoutSeconds,
        memorySizeMB: consumerFunction.memorySizeMb,
        pollIntervalMs: 50,
        idlePollIntervalMs: IDLE_POLL_INTERVAL_MS,
      },
      handler: (event) => ledgerKinesis(event),
      clients,
      checkpointTableName: resources.names.checkpointTable,
      ownerId: options.workerId,
    });
    await ledgerConsumer.start();
    wake.ledgerConsumer = () => ledgerConsumer.wake();

    const publish: PipeEnrichment = createLedgerPublishHandler(handlerOptions);
    const ledgerEventsPipe = new LocalPipe({
      config: ledgerEventsPipeConfig(resources),
      enrichment: publish,
      clients,
      checkpointTableName: resources.names.checkpointTable,
      ownerId: options.workerId,
    });
    wake.ledgerEventsPipe = () => ledgerEventsPipe.wake();
    try {
      await ledgerEventsPipe.start();
    } catch (error) {
      await ledgerConsumer.stop({ abandonInFlight: true });
      throw error;
    }

    // The same notifier code deployed once per channel, as in infra, each with
    // its own queue, DLQ and kinds.
    const notifiers = {} as Record<NotifierChannel, SqsEventSourceMapping>;
    for (const channel of NOTIFIER_CHANNELS) {
      const spec = NOTIFIERS[channel];
      const fn = FUNCTIONS[spec.function];
      const channelEnv = {
        ...envOf(spec.function, { [ENV.notifierKinds]: notifierKindsSetting(channel) }),
        [ENV.ledgerAwsEndpoint]: formatAwsEndpoint(notifierEndpoint),
      };
      functionEnv[`notifier-${channel}`] = channelEnv;
      const handler = createNotifierHandler(readNotifierConfig(channelEnv), handlerOptions);
      notifiers[channel] = new SqsEventSourceMapping({
        config: {
          eventSourceArn: resources.notifierQueues[channel].arn,
          functionName: `notifier-${channel}`,
          batchSize: spec.mapping.batchSize,
          maximumBatchingWindowInSeconds: spec.mapping.maximumBatchingWindowInSeconds,
          functionResponseTypes: spec.mapping.reportBatchItemFailures
            ? ['ReportBatchItemFailures']
            : [],
          functionTimeoutSeconds: Math.min(
            fn.timeoutSeconds,
            options.notifierVisibilityTimeoutSeconds ?? Number.POSITIVE_INFINITY,
          ),
          memorySizeMB: fn.memorySizeMb,
          // Lambda starts an SQS mapping with five pollers and scales with the backlog; two keep
          // up here, so one slow batch does not hold the queue, and batches stay full.
          pollers: 2,
        },
        handler,
        clients: { sqs: clients.sqs },
      });
    }
    await Promise.all(Object.values(notifiers).map((n) => n.start()));

    const timers = createLedgerTimersHandler(
      readLedgerApiConfig(functionEnv.ledgerTimers),
      handlerOptions,
    );
    const sweepIntervalMs = options.timerSweepIntervalMs ?? 1_000;
    const timerSweep = new RateSchedule({
      name: 'ledger-timers',
      intervalMs: sweepIntervalMs,
      // An idle ledger's sweep finds nothing every second: after a few such sweeps it runs
      // every 2 s (a query per timer shard each time), until one finds work again.
      idle: {
        maxIntervalMs: Math.max(sweepIntervalMs, IDLE_TIMER_SWEEP_MS),
        isIdle: isIdleSweep,
      },
      target: timers,
      log,
    });
    timerSweep.start();

    const token = options.token ?? randomBytes(24).toString('base64url');
    const services: Record<Route['service'], HttpHandler> = {
      ingest: withLocalHealth(ingest, () => ({
        'ledger-consumer': {
          status: ledgerConsumer.state === 'running' ? 'UP' : 'DOWN',
          detail: `event source mapping ${ledgerConsumer.state}`,
        },
        'ledger-publisher': {
          status: ledgerEventsPipe.state === 'running' ? 'UP' : 'DOWN',
          detail: `events pipe ${ledgerEventsPipe.state}`,
        },
        'ledger-timers': {
          status: timerSweep.state === 'running' ? 'UP' : 'DOWN',
          detail: `timer sweep ${timerSweep.state}`,
        },
        ...Object.fromEntries(
          Object.entries(notifiers).map(([channel, n]) => [
            `notifier-${channel}`,
            {
              status: n.state === 'running' ? ('UP' as const) : ('DOWN' as const),
              detail: `queue consumer ${n.state}`,
            },
          ]),
        ),
        emulator: { status: 'UP', detail: formatAwsEndpoint(endpoint) },
      })),
      ledger: ledgerApi,
    };
    const gateway = new LocalGateway({
      host: '127.0.0.1',
      port: options.port ?? 3000,
      token,
      maxBodyBytes: MAX_BODY_BYTES,
      routes: [
        ...ROUTES.map((r) => ({
          routeKey: r.routeKey,
          handler: services[r.service],
          authenticated: r.authenticated,
        })),
        {
          routeKey: LOCAL_NOTIFICATIONS_ROUTE,
          handler: makeLocalNotificationsRoute({ path: notificationsPath }),
          authenticated: true,
        },
      ],
    });
    await gateway.start();

    return {
      apiUrl: gateway.url,
      token,
      endpoint,
      notifierEndpoint,
      emulators: emulators?.processes ?? [],
      resources,
      ledgerConsumer,
      ledgerEventsPipe,
      notifiers,
      timerSweep,
      notificationsPath,
      env,
      functionEnv,
      async stop() {
        await gateway.stop();
        await timerSweep.stop();
        await ledgerConsumer.stop();
        await ledgerEventsPipe.stop();
        await Promise.all(Object.values(notifiers).map((n) => n.stop()));
        for (const c of Object.values(clients)) c.destroy();
        notifierDynamodb.destroy();
        await emulators?.stop();
        if (options.discardNotificationsOnStop) rmSync(notificationsPath, { force: true });
      },
    };
  } catch (error) {
    await emulators?.stop();
    throw error;
  }
}

/** Adds the local runtime's own parts to the health answer; in AWS, Lambda and API Gateway are the platform's. */
function withLocalHealth(handler: HttpHandler, local: () => Health['checks']): HttpHandler {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const result = await handler(event);
    if (event.routeKey !== 'GET /v1/health' || typeof result.body !== 'string') return result;
    const health = JSON.parse(result.body) as Health;
    const checks = { ...health.checks, ...local() };
    const status = Object.values(checks).every((c) => c.status === 'UP') ? 'UP' : 'DOWN';
    return {
      ...result,
      statusCode: status === 'UP' ? 200 : 503,
      body: JSON.stringify({ status, checks }),
    };
  };
}
