import { pkSkTableInput } from '@atm-ledger/ledger';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
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
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  ensurePublicationTopology,
  type PublicationTopology,
  publicationNames,
} from './topology.js';

export const LOCAL_REGION = 'us-east-1';
/** How long a notifier message stays invisible while it is processed; also the notifier's timeout. */
export const NOTIFIER_VISIBILITY_TIMEOUT_SECONDS = 5;
export const LOCAL_ACCOUNT = '123456789012';

/** Names of everything the local cloud creates, derived from one prefix. */
export function resourceNames(prefix: string) {
  return {
    stream: `${prefix}-transactions`,
    ledgerTable: `${prefix}-ledger`,
    checkpointTable: `${prefix}-esm-checkpoints`,
    notifierTable: `${prefix}-notifier-idempotency`,
    poisonQueue: `${prefix}-ledger-poison`,
    ledgerOnFailureQueue: `${prefix}-ledger-esm-failures`,
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
  },
  prefix: string,
  opts: { shards?: number } = {},
): Promise<LocalResources> {
  const names = resourceNames(prefix);
  try {
    await clients.kinesis.send(
      new CreateStreamCommand({ StreamName: names.stream, ShardCount: opts.shards ?? 2 }),
    );
  } catch (error) {
    if (!(error instanceof KinesisResourceInUse)) throw error;
  }
  const streamArn = await waitFor('the Kinesis stream', async () => {
    const out = await clients.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: names.stream }),
    );
    const s = out.StreamDescriptionSummary;
    return s?.StreamStatus === 'ACTIVE' ? s.StreamARN : undefined;
  });

  try {
    await clients.dynamodb.send(
      new CreateTableCommand(pkSkTableInput(names.ledgerTable, { stream: true })),
    );
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: names.ledgerTable,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const table = await waitFor('the ledger table', async () => {
    const out = await clients.dynamodb.send(
      new DescribeTableCommand({ TableName: names.ledgerTable }),
    );
    return out.Table?.TableStatus === 'ACTIVE' ? out.Table : undefined;
  });

  const queue = async (name: string) => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
    if (QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
    const attrs = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl, arn: attrs.Attributes?.QueueArn ?? '' };
  };
  const poison = await queue(names.poisonQueue);
  const onFailure = await queue(names.ledgerOnFailureQueue);
  await ensureTable(clients.dynamodb, names.notifierTable, { ttlAttribute: 'expiresAt' });
  const publication = await ensurePublicationTopology(clients, names.publication, {
    // Short, so a failing notification is retried within seconds locally (AWS: infra sets it).
    visibilityTimeoutSeconds: NOTIFIER_VISIBILITY_TIMEOUT_SECONDS,
  });
  return {
    ...publication,
    names,
    streamArn,
    ledgerTableStreamArn: table.LatestStreamArn,
    poisonQueueUrl: poison.url,
    ledgerOnFailureQueueArn: onFailure.arn,
  };
}

/** A pk/sk table, created unless it exists, with TTL on `ttlAttribute`. */
async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  opts: { ttlAttribute: string },
) {
  try {
    await client.send(new CreateTableCommand(pkSkTableInput(tableName)));
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: opts.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
