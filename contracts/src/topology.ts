import {
  LEDGER_EVENT_SOURCE,
  LEDGER_EVENTS_RULE_PATTERN,
  LEDGER_STREAM_FILTER_PATTERN,
  type NotifierChannel,
  notifierFilterPolicy,
} from './publication.js';
import { FUNCTION_ENV as ENV } from './settings.js';

/**
 * The deployed system, described once: functions, event source mappings,
 * the events pipe, the bus rule, the topic and its subscriptions, the queues.
 * infra maps it to CDK constructs and the local cloud to its runtime objects
 * and emulator resources; neither states a setting of its own. Resource
 * names are suffixes: infra prefixes them with `atm-ledger-<stage>-`, the
 * local cloud with its own prefix. The drift test (`test/topology`) compares
 * the synthesized template with the running local cloud, setting by setting.
 */

/** A variable name the functions read ({@link FUNCTION_ENV}). */
export type FunctionEnvName = (typeof ENV)[keyof typeof ENV];

export type FunctionService = 'ingest' | 'ledger' | 'notifier';

/** One Lambda function: the handler module and what the platform gives it. */
export interface FunctionSpec {
  readonly service: FunctionService;
  /** Repo-relative handler module: infra bundles it, the local cloud runs the same code. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** Variables every deployment sets on the function. */
  readonly env: readonly FunctionEnvName[];
  /** Variables a deployment sets only when its configuration has them (delivery, contacts). */
  readonly optionalEnv: readonly FunctionEnvName[];
  /** Values the topology fixes, for variables of `env` that are not resource names or per-stage. */
  readonly fixedEnv: Readonly<Partial<Record<FunctionEnvName, string>>>;
  /** Absent: the function draws on the account's unreserved concurrency. */
  readonly reservedConcurrency?: number;
}

/**
 * Every ledger function reads LEDGER_HOLD_TTL_SECONDS (the API sets an
 * approval's expiresAt from it, the consumer and the sweep decide with it),
 * so all of them are given the one deployed value.
 */
const LEDGER_ENV = [ENV.ledgerTableName, ENV.ledgerHoldTtlSeconds] as const;

export const FUNCTIONS = {
  ingest: {
    service: 'ingest',
    entry: 'services/ingest/src/handlers/http.ts',
    description: 'atm-ledger ingest: accepts ATM transactions onto the stream',
    memorySizeMb: 512,
    // API Gateway gives up after 30 s; failing well before that leaves room for the ATM's own retry.
    timeoutSeconds: 10,
    env: [ENV.ledgerStreamName, ENV.ledgerTableName],
    optionalEnv: [],
    fixedEnv: {},
  },
  ledgerStream: {
    service: 'ledger',
    entry: 'services/ledger/src/handlers/kinesis.ts',
    description: 'atm-ledger ledger: posts transactions from the stream',
    // Memory buys CPU: a batch of 100 records is JSON and SDK work, and
    // shorter batches cut the iterator age more than they cost.
    memorySizeMb: 1024,
    timeoutSeconds: 60,
    env: [
      ...LEDGER_ENV,
      ENV.ledgerPoisonQueueUrl,
      ENV.ledgerBatchConcurrency,
      ENV.ledgerReversalWindowSeconds,
    ],
    optionalEnv: [],
    fixedEnv: { [ENV.ledgerBatchConcurrency]: '10' },
  },
  ledgerApi: {
    service: 'ledger',
    entry: 'services/ledger/src/handlers/api.ts',
    description:
      'atm-ledger ledger: account and transaction reads, account opening, authorizations',
    memorySizeMb: 512,
    timeoutSeconds: 10,
    env: LEDGER_ENV,
    optionalEnv: [],
    fixedEnv: {},
  },
  ledgerPublish: {
    service: 'ledger',
    entry: 'services/ledger/src/handlers/publish.ts',
    description:
      'atm-ledger ledger: maps transaction and authorization stream records to ledger events',
    // Pure mapping of at most ten records: no I/O, little memory.
    memorySizeMb: 256,
    timeoutSeconds: 10,
    env: [],
    optionalEnv: [],
    fixedEnv: {},
  },
  ledgerTimers: {
    service: 'ledger',
    entry: 'services/ledger/src/handlers/timers.ts',
    description:
      'atm-ledger ledger: decides what is due (early reversals that waited too long, holds that expired)',
    memorySizeMb: 512,
    // A sweep that does not finish in time leaves the rest for the next minute.
    timeoutSeconds: 50,
    env: LEDGER_ENV,
    optionalEnv: [],
    fixedEnv: {},
  },
  /** Deployed once per notifier channel ({@link NOTIFIERS}), each with its own kinds. */
  notifier: {
    service: 'notifier',
    entry: 'services/notifier/src/handlers/sqs.ts',
    description: 'atm-ledger notifier',
    memorySizeMb: 512,
    timeoutSeconds: 30,
    env: [ENV.notifierTableName, ENV.notifierKinds, ENV.notifierChannel],
    optionalEnv: [
      ENV.notifierJsonlPath,
      ENV.notifierSesFrom,
      ENV.notifierSesConfigurationSet,
      ENV.notifierSmsSenderId,
      ENV.notifierContactsJson,
    ],
    fixedEnv: {},
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionId = keyof typeof FUNCTIONS;

/** Seconds. SQS's own defaults, which apply where a queue sets nothing. */
export const SQS_DEFAULT_RETENTION_SECONDS = 345_600;
export const SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;

/** A queue; absent settings are SQS's defaults. */
export interface QueueSpec {
  /** Suffix of the queue's name. */
  readonly name: string;
  readonly retentionSeconds?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly redrive?: { readonly maxReceiveCount: number };
}

/**
 * Dead-letter queues keep messages for the SQS maximum, 14 days: they are
 * read by people, after an alarm, not by code.
 */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 86_400;

export const DEAD_LETTER_QUEUES = {
  /** Kinesis records that can never be posted, with their reason (sent by the ledger handler). */
  ledgerPoison: { name: 'ledger-poison', retentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
  /** Batches the Kinesis event source mapping gave up on (metadata only). */
  ledgerStreamFailures: {
    name: 'ledger-esm-failures',
    retentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
  },
  /** Stream batches the pipe could not deliver to the bus. */
  pipeDlq: { name: 'pipe-dlq', retentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
  /** Events the bus rule could not deliver to the topic. */
  ruleDlq: { name: 'ledger-events-rule-dlq', retentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
  /** Messages SNS could not deliver to a notifier queue. */
  fanoutDlq: { name: 'ledger-events-fanout-dlq', retentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
} as const satisfies Record<string, QueueSpec>;

export type DeadLetterQueueId = keyof typeof DEAD_LETTER_QUEUES;

/** A notifier's work queue and the DLQ behind it. */
export interface NotifierQueueSpec {
  readonly queue: QueueSpec & Required<Pick<QueueSpec, 'visibilityTimeoutSeconds' | 'redrive'>>;
  readonly dlq: QueueSpec;
}

const notifierQueues = (channel: NotifierChannel): NotifierQueueSpec => ({
  queue: {
    name: `notifier-${channel}`,
    // AWS advises six times the function timeout for an SQS event source, so
    // a batch still being retried by the poller is not handed to a second invocation.
    visibilityTimeoutSeconds: 6 * FUNCTIONS.notifier.timeoutSeconds,
    // AWS advises at least 5 for a Lambda-polled queue, so a message caught in
    // a few crashes or throttled polls is not dead-lettered.
    redrive: { maxReceiveCount: 5 },
  },
  dlq: { name: `notifier-${channel}-dlq`, retentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
});

/** The fan-out topic every ledger event reaches; the notifier queues subscribe to it. */
export const TOPICS = {
  ledgerEvents: { name: 'ledger-events' },
} as const satisfies Record<string, { readonly name: string }>;

/** A queue's subscription to {@link TOPICS.ledgerEvents}. */
export interface SubscriptionSpec {
  readonly topic: keyof typeof TOPICS;
  readonly filterPolicy: Record<string, unknown>;
  /** The bus publishes the whole EventBridge event as the body and sets no attributes. */
  readonly filterPolicyScope: 'MessageBody';
  /** The notifier parses the EventBridge event itself, not an SNS envelope. */
  readonly rawMessageDelivery: boolean;
  readonly deadLetterQueue: DeadLetterQueueId;
}

/** An SQS event source mapping. */
export interface SqsMappingSpec {
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  /** Only the failed messages return to the queue; the rest are deleted. */
  readonly reportBatchItemFailures: boolean;
  /** `ScalingConfig.MaximumConcurrency`. */
  readonly maximumConcurrency: number;
}

export const NOTIFIER_MAPPING = {
  batchSize: 10,
  maximumBatchingWindowInSeconds: 0,
  reportBatchItemFailures: true,
  // A notifier burst must not take the concurrency the ledger needs.
  maximumConcurrency: 5,
} as const satisfies SqsMappingSpec;

export interface NotifierSpec extends NotifierQueueSpec {
  readonly description: string;
  readonly function: 'notifier';
  readonly subscription: SubscriptionSpec;
  readonly mapping: SqsMappingSpec;
}

const notifier = (channel: NotifierChannel, description: string): NotifierSpec => ({
  description,
  function: 'notifier',
  ...notifierQueues(channel),
  subscription: {
    topic: 'ledgerEvents',
    filterPolicy: notifierFilterPolicy(channel),
    filterPolicyScope: 'MessageBody',
    rawMessageDelivery: true,
    deadLetterQueue: 'fanoutDlq',
  },
  mapping: NOTIFIER_MAPPING,
});

/**
 * One notifier per channel: a queue subscribed to the topic with its routes'
 * filter policy, a DLQ, and the notifier function with its kinds. A `Record`
 * over the channels, so a channel added to the contracts fails to compile
 * here until it is given its settings.
 */
export const NOTIFIERS: Readonly<Record<NotifierChannel, NotifierSpec>> = {
  receipts: notifier('receipts', 'Customer receipts for money that moved'),
  alerts: notifier(
    'alerts',
    'Low-balance, overdrawn, large-withdrawal and refused-withdrawal alerts',
  ),
};

export const NOTIFIER_CHANNELS = Object.keys(NOTIFIERS) as NotifierChannel[];

/** The Kinesis stream of ATM transactions. */
export const STREAMS = {
  transactions: { name: 'transactions' },
} as const satisfies Record<string, { readonly name: string }>;

/** A Kinesis event source mapping. */
export interface KinesisMappingSpec {
  readonly function: FunctionId;
  readonly stream: keyof typeof STREAMS;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly parallelizationFactor: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly maximumRetryAttempts: number;
  /** From the stream's retention, which differs by stage. */
  readonly maximumRecordAgeInSeconds: (streamRetentionSeconds: number) => number;
  readonly reportBatchItemFailures: boolean;
  readonly onFailure: DeadLetterQueueId;
  /** 0: no tumbling window. */
  readonly tumblingWindowInSeconds: number;
}

export const LEDGER_STREAM_MAPPING = {
  function: 'ledgerStream',
  stream: 'transactions',
  // A new or replaced mapping starts at the oldest retained record: the
  // ledger is idempotent per transaction id, so a replay costs only time,
  // while starting at LATEST would silently skip transactions.
  startingPosition: 'TRIM_HORIZON',
  // The handler posts different accounts concurrently
  // (LEDGER_BATCH_CONCURRENCY), so larger batches add throughput, while 100
  // keeps a batch well inside the timeout.
  batchSize: 100,
  // The ATM is answered with 202 before the ledger posts, and balance reads
  // should catch up fast, so latency matters more than the invocations a
  // window would save.
  maximumBatchingWindowInSeconds: 0,
  // Lambda keeps records with the same partition key (accountId) in one of
  // the lanes, in order, so an account's postings stay sequential while other
  // accounts proceed in parallel.
  parallelizationFactor: 2,
  // Isolates the record behind a failure the handler cannot catch (crash,
  // timeout); reported item failures already pinpoint theirs. Splits do not
  // use up retries.
  bisectBatchOnFunctionError: true,
  // The AWS maximum rather than skip: a skipped record would let an account's
  // later transactions post before it. Poison records never get here; the
  // handler parks them in the poison queue.
  maximumRetryAttempts: 10_000,
  // ...but give up while the record is still in the stream: at half the
  // retention (at most the AWS maximum, a week), the on-failure message still
  // names records that can be replayed for as long again.
  maximumRecordAgeInSeconds: (streamRetentionSeconds: number) =>
    Math.min(streamRetentionSeconds / 2, 604_800),
  // The handler returns the first failed record of each account; Lambda
  // retries from the lowest of them instead of the whole batch.
  reportBatchItemFailures: true,
  // Discarded batches are described (shard, sequence range) there; it has an alarm.
  onFailure: 'ledgerStreamFailures',
  // No aggregation across batches, and no event filter: every record is a
  // command the ledger must see.
  tumblingWindowInSeconds: 0,
} as const satisfies KinesisMappingSpec;

/** The EventBridge Pipe from the ledger table's stream to the bus. */
export interface PipeSpec {
  readonly name: string;
  readonly filter: unknown;
  readonly enrichment: FunctionId;
  readonly targetSource: string;
  readonly targetDetailType: string;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly parallelizationFactor: number;
  readonly onPartialBatchItemFailure: 'AUTOMATIC_BISECT';
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeInSeconds: number;
  readonly deadLetterQueue: DeadLetterQueueId;
}

export const LEDGER_EVENTS_PIPE = {
  name: 'ledger-events',
  // Only transaction and authorization items go on; filtering before the
  // enrichment means the others are neither billed as pipe events nor invoke it.
  filter: LEDGER_STREAM_FILTER_PATTERN,
  enrichment: 'ledgerPublish',
  targetSource: LEDGER_EVENT_SOURCE,
  // Each event's `type` becomes its detail-type, which the bus rule and the archive match.
  targetDetailType: '$.type',
  // As for the Kinesis mapping: replays are absorbed by the deterministic
  // event ids and the notifier's idempotency records; gaps are not recoverable.
  startingPosition: 'TRIM_HORIZON',
  // A batch is one enrichment call and then PutEvents, which takes at most 10 entries.
  batchSize: 10,
  maximumBatchingWindowInSeconds: 0,
  // One batch per shard keeps each item's changes in order on the bus.
  parallelizationFactor: 1,
  onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
  maximumRetryAttempts: 10,
  // DynamoDB streams keep records for 24 hours.
  maximumRecordAgeInSeconds: 86_400,
  deadLetterQueue: 'pipeDlq',
} as const satisfies PipeSpec;

/** The custom bus the pipe writes to. */
export const EVENT_BUS = { name: 'ledger-events' } as const;

/** A rule on {@link EVENT_BUS} and its one target. */
export interface RuleSpec {
  readonly name: string;
  readonly description: string;
  readonly pattern: unknown;
  readonly target: keyof typeof TOPICS;
  readonly retryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
  readonly deadLetterQueue: DeadLetterQueueId;
}

export const RULES = {
  ledgerEventsToTopic: {
    name: 'ledger-events-to-topic',
    description: 'Every ledger event to the fan-out topic',
    pattern: LEDGER_EVENTS_RULE_PATTERN,
    target: 'ledgerEvents',
    // EventBridge's maximum: a day of retries, as long as its maximum event age.
    retryAttempts: 185,
    maximumEventAgeInSeconds: 86_400,
    deadLetterQueue: 'ruleDlq',
  },
} as const satisfies Record<string, RuleSpec>;

/**
 * The timer sweep's schedule. EventBridge Scheduler's finest rate is a
 * minute; the next minute's sweep is the retry, since every sweep reads
 * everything due.
 */
export const LEDGER_TIMERS_SCHEDULE = {
  function: 'ledgerTimers',
  rateMinutes: 1,
  retryAttempts: 0,
  maximumEventAgeInSeconds: 60,
} as const satisfies {
  readonly function: FunctionId;
  readonly rateMinutes: number;
  readonly retryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
};

/**
 * A function's environment from a pool of values: exactly the names the
 * topology gives it (`env`, and `optionalEnv` where the pool has one), its
 * `fixedEnv` under the pool's values. Throws on a name of `env` the pool
 * lacks, so a deployment cannot leave a variable unset.
 */
export function functionEnvironment(
  id: FunctionId,
  pool: Readonly<Partial<Record<FunctionEnvName, string>>>,
): Record<string, string> {
  const spec: FunctionSpec = FUNCTIONS[id];
  const values = { ...spec.fixedEnv, ...pool };
  const out: Record<string, string> = {};
  for (const name of spec.env) {
    const value = values[name];
    if (value === undefined) throw new Error(`function ${id}: no value for ${name}`);
    out[name] = value;
  }
  for (const name of spec.optionalEnv) {
    const value = values[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
