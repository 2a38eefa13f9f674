import { DEAD_LETTER_QUEUES, NOTIFIERS, STREAMS } from '@atm-ledger/contracts';
import { pkSkTableInput } from '@atm-ledger/ledger';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ResourceInUseException as KinesisResourceInUse,
} from '@aws-sdk/client-kinesis';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  ensurePublicationTopology,
  ensureQueue,
  type PublicationTopology,
  type PublicationTopologyOptions,
  publicationNames,
} from './topology.js';

export const LOCAL_REGION = 'us-east-1';
/** How long a notifier message stays invisible after a receive: the topology's, for every channel. */
export const NOTIFIER_VISIBILITY_TIMEOUT_SECONDS = Math.max(
  ...Object.values(NOTIFIERS).map((n) => n.queue.visibilityTimeoutSeconds),
);
export const LOCAL_ACCOUNT = '123456789012';

/** Names of everything the local cloud creates, derived from one prefix. */
export function resourceNames(prefix: string) {
  return {
    stream: `${prefix}-${STREAMS.transactions.name}`,
    ledgerTable: `${prefix}-ledger`,
    checkpointTable: `${prefix}-esm-checkpoints`,
    notifierTable: `${prefix}-notifier-idempotency`,
    poisonQueue: `${prefix}-${DEAD_LETTER_QUEUES.ledgerPoison.name}`,
    ledgerOnFailureQueue: `${prefix}-${DEAD_LETTER_QUEUES.ledgerStreamFailures.name}`,
    publication: publicationNames(prefix),
  };
}
export type ResourceNames = ReturnType<typeof resourceNames>;

/**
 * What `ensureResources` made. The publication path (`topology.ts`) is
 * spread in: `eventBusName`, `ledgerEventsTopicArn`, `pipeDlq` and
 * `notifierQueues.receipts` / `notifierQueues.alerts` (each with its `dlq`).
 */
export interface LocalResources extends PublicationTopology {
  readonly names: ResourceNames;
  readonly streamArn: string;
  /** The stream's retention, from which the consumer's maximum record age follows. */
  readonly streamRetentionSeconds: number;
  readonly ledgerTableStreamArn: string | undefined;
  readonly poisonQueueUrl: string;
  readonly ledgerOnFailureQueueArn: string;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Creates the local cloud's resources, or finds them if a previous run made
 * them (the emulator may outlive the runtime). Mirrors what infra deploys:
 * a Kinesis stream with 2+ shards, the ledger table with a stream and TTL,
 * the queues behind the ledger consumer, and the publication path (bus,
 * topic, notifier queues, pipe DLQ).
 */
export async function ensureResources(
  clients: {
    kinesis: KinesisClient;
    dynamodb: DynamoDBClient;
    sqs: SQSClient;
    eventbridge: EventBridgeClient;
    sns: SNSClient;
    /** Where the notifiers' table lives, when not with the ledger's (its own emulator process). */
    notifierDynamodb?: DynamoDBClient;
  },
  prefix: string,
  opts: { shards?: number } & PublicationTopologyOptions = {},
): Promise<LocalResources> {
  const names = resourceNames(prefix);
  try {
    await clients.kinesis.send(
      new CreateStreamCommand({ StreamName: names.stream, ShardCount: opts.shards ?? 2 }),
    );
  } catch (error) {
    if (!(error instanceof KinesisResourceInUse)) throw error;
  }
  const stream = await waitFor('the Kinesis stream', async () => {
    const out = await clients.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: names.stream }),
    );
    const s = out.StreamDescriptionSummary;
    return s?.StreamStatus === 'ACTIVE' && s.StreamARN !== undefined
      ? { arn: s.StreamARN, retentionHours: s.RetentionPeriodHours ?? 24 }
      : undefined;
  });

  const table = await ensurePkSkTable(clients.dynamodb, names.ledgerTable, {
    stream: true,
    ttlAttribute: 'expiresAt',
  });

  const poison = await ensureQueue(clients.sqs, names.poisonQueue, DEAD_LETTER_QUEUES.ledgerPoison);
  const onFailure = await ensureQueue(
    clients.sqs,
    names.ledgerOnFailureQueue,
    DEAD_LETTER_QUEUES.ledgerStreamFailures,
  );
  await ensurePkSkTable(clients.notifierDynamodb ?? clients.dynamodb, names.notifierTable, {
    ttlAttribute: 'expiresAt',
  });
  const publication = await ensurePublicationTopology(clients, names.publication, {
    notifierVisibilityTimeoutSeconds: opts.notifierVisibilityTimeoutSeconds,
  });
  return {
    ...publication,
    names,
    streamArn: stream.arn,
    streamRetentionSeconds: stream.retentionHours * 3600,
    ledgerTableStreamArn: table.LatestStreamArn,
    poisonQueueUrl: poison.url,
    ledgerOnFailureQueueArn: onFailure.arn,
  };
}

/**
 * A pk/sk table ({@link pkSkTableInput}), created unless it exists, with TTL on
 * `ttlAttribute` and the change stream if asked; resolves once it is active.
 */
export async function ensurePkSkTable(
  dynamodb: DynamoDBClient,
  tableName: string,
  opts: { readonly ttlAttribute?: string; readonly stream?: boolean } = {},
): Promise<TableDescription> {
  try {
    await dynamodb.send(new CreateTableCommand(pkSkTableInput(tableName, { stream: opts.stream })));
    if (opts.ttlAttribute !== undefined) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: opts.ttlAttribute, Enabled: true },
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  return waitFor(`table ${tableName}`, async () => {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus === 'ACTIVE' ? out.Table : undefined;
  });
}
/** Names of the local cloud's ledger table and poison queue, from its stream's name. */
export function localLedgerNames(
  streamName: string,
): { table: string; poisonQueue: string } | undefined {
  const suffix = '-transactions';
  if (!streamName.endsWith(suffix)) return undefined;
  const names = resourceNames(streamName.slice(0, -suffix.length));
  return { table: names.ledgerTable, poisonQueue: names.poisonQueue };
}
