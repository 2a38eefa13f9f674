import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  FUNCTION_ENV as ENV,
  type Health,
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
} from '@atm-ledger/ledger';
import {
  findRepoRoot,
  type HttpHandler,
  KinesisEventSourceMapping,
  LocalGateway,
  LocalPipe,
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
import { type EmulatorProcess, type Emulators, startEmulators } from './emulators.js';
import { ledgerEventsPipeConfig } from './ledger-events-pipe.js';
import { LOCAL_NOTIFICATIONS_ROUTE, makeLocalNotificationsRoute } from './notifications.js';
import {
  ensureResources,
  LOCAL_REGION,
  type LocalResources,
  NOTIFIER_VISIBILITY_TIMEOUT_SECONDS,
} from './resources.js';
import { STREAM_WRITES, TABLE_WRITES, wakeOn } from './wake-ups.js';

/** Settings of the functions a user may tune from the shell; nothing else of its environment leaks in. */
const TUNABLE_SETTINGS = [
  ENV.ledgerReversalWindowSeconds,
  ENV.ledgerHoldTtlSeconds,
  ENV.ledgerBatchConcurrency,
] as const;

export function functionSettings(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TUNABLE_SETTINGS) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
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
  /** The emulator processes this cloud started (none when given `awsEndpoint`). */
  readonly emulators: readonly EmulatorProcess[];
  readonly resources: LocalResources;
  readonly ledgerConsumer: KinesisEventSourceMapping;
  /** DynamoDB Streams → publish enrichment → the ledger-events bus. */
  readonly ledgerEventsPipe: LocalPipe;
  /** One SQS event source mapping per notifier queue. */
  readonly notifiers: Readonly<Record<'receipts' | 'alerts', SqsEventSourceMapping>>;
  /** The ledger's timer sweep, on its schedule. */
  readonly timerSweep: RateSchedule;
  /** Where the local notification channel writes (JSON lines). */
  readonly notificationsPath: string;
  /** The environment the functions are configured from, as infra sets it in AWS. */
  readonly env: Readonly<Record<string, string>>;
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
  if (options.awsEndpoint === undefined) {
    emulators = await startEmulators({ rootDir, log });
    endpoint = emulators.endpoint;
  } else {
    endpoint = options.awsEndpoint;
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
  try {
    const resources = await ensureResources(clients, prefix, { shards: options.shards ?? 2 });
    const env: Record<string, string> = {
      // The ledger's tunables as the shell sets them, as a deployment sets them on its
      // functions; the resource names are the local cloud's own, below.
      ...functionSettings(process.env),
      AWS_REGION: LOCAL_REGION,
      [ENV.ledgerAwsEndpoint]: formatAwsEndpoint(endpoint),
      [ENV.ledgerTableName]: resources.names.ledgerTable,
      [ENV.ledgerStreamName]: resources.names.stream,
      [ENV.ledgerPoisonQueueUrl]: resources.poisonQueueUrl,
      ...(options.reversalWindowSeconds === undefined
        ? {}
        : { [ENV.ledgerReversalWindowSeconds]: String(options.reversalWindowSeconds) }),
      ...(options.holdTtlSeconds === undefined
        ? {}
        : { [ENV.ledgerHoldTtlSeconds]: String(options.holdTtlSeconds) }),
    };
    // Filled in once the mapping and the pipe exist; the functions are built before them.
    const wake = { ledgerConsumer: () => {}, ledgerEventsPipe: () => {} };
    const handlerOptions: HandlerOptions = {
      requestHandler: options.requestHandler,
      logLevel:
        options.logLevel ?? (process.env.POWERTOOLS_LOG_LEVEL as LogLevel | undefined) ?? 'WARN',
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
    const ingest = createIngestHandler(readIngestConfig(env), {
      ...handlerOptions,
      requestHandler: writesToStream,
    });
    const ledgerApi = createLedgerApiHandler(readLedgerApiConfig(env), {
      ...handlerOptions,
      requestHandler: writesToTable,
    });
    const ledgerKinesis = createLedgerStreamHandler(readLedgerStreamConfig(env), {
      ...handlerOptions,
      requestHandler: writesToTable,
    });

    const ledgerConsumer = new KinesisEventSourceMapping({
      config: {
        mappingId: options.mappingId ?? `${prefix}-ledger`,
        eventSourceArn: resources.streamArn,
        functionName: 'ledger',
        startingPosition: 'TRIM_HORIZON',
        // The same settings infra deploys (infra/src/stateless-stack.ts explains each):
        // never skip a record while it is in the stream, two lanes per shard by account.
        batchSize: 100,
        maximumBatchingWindowInSeconds: 0,
        parallelizationFactor: 2,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 10_000,
        // Half of Kinesis's default 24 h retention, as in infra.
        maximumRecordAgeInSeconds: 43_200,
        functionResponseTypes: ['ReportBatchItemFailures'],
        destinationConfig: { onFailure: { destination: resources.ledgerOnFailureQueueArn } },
        functionTimeoutSeconds: 30,
        pollIntervalMs: 50,
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

    // The same notifier code deployed twice, as in infra: receipts and alerts, each
    // with its own queue, DLQ and kinds.
    const notificationsPath = join(rootDir, '.local-cloud', `${prefix}-notifications.jsonl`);
    const notifierEnv = {
      ...env,
      [ENV.notifierTableName]: resources.names.notifierTable,
      [ENV.notifierChannel]: 'jsonl',
      [ENV.notifierJsonlPath]: notificationsPath,
    };
    const notifiers = {} as Record<'receipts' | 'alerts', SqsEventSourceMapping>;
    for (const channel of ['receipts', 'alerts'] as const) {
      const handler = createNotifierHandler(
        readNotifierConfig({ ...notifierEnv, [ENV.notifierKinds]: notifierKindsSetting(channel) }),
        handlerOptions,
      );
      notifiers[channel] = new SqsEventSourceMapping({
        config: {
          eventSourceArn: resources.notifierQueues[channel].arn,
          functionName: `notifier-${channel}`,
          functionResponseTypes: ['ReportBatchItemFailures'],
          functionTimeoutSeconds: NOTIFIER_VISIBILITY_TIMEOUT_SECONDS,
          batchSize: 10,
          // Lambda starts an SQS mapping with five concurrent pollers: one slow batch does not hold the queue.
          pollers: 5,
        },
        handler,
        clients: { sqs: clients.sqs },
      });
    }
    await Promise.all(Object.values(notifiers).map((n) => n.start()));

    const timers = createLedgerTimersHandler(readLedgerApiConfig(env), handlerOptions);
    const timerSweep = new RateSchedule({
      name: 'ledger-timers',
      intervalMs: options.timerSweepIntervalMs ?? 1_000,
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
      emulators: emulators?.processes ?? [],
      resources,
      ledgerConsumer,
      ledgerEventsPipe,
      notifiers,
      timerSweep,
      notificationsPath,
      env,
      async stop() {
        await gateway.stop();
        await timerSweep.stop();
        await ledgerConsumer.stop();
        await ledgerEventsPipe.stop();
        await Promise.all(Object.values(notifiers).map((n) => n.stop()));
        for (const c of Object.values(clients)) c.destroy();
        await emulators?.stop();
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
