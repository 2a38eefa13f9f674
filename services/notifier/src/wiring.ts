import { createLogger, createMetrics, sdkClientOptions, systemClock } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbIdempotencyStore } from './adapters/dynamodb/idempotencyStore.js';
import { JsonlFileChannel } from './adapters/jsonlChannel.js';
import { SesEmailChannel } from './adapters/sesEmailChannel.js';
import { SnsSmsChannel } from './adapters/snsSmsChannel.js';
import { StaticContactDirectory } from './adapters/staticContactDirectory.js';
import { type NotifierConfig, readNotifierConfig } from './config.js';
import { makeSqsHandler, type NotifierDeps } from './handlers/sqsHandler.js';
import type { NotificationChannel } from './ports.js';

function channelFor(
  config: NotifierConfig,
  options: ReturnType<typeof sdkClientOptions>,
): NotificationChannel {
  const channel = config.channel;
  switch (channel.kind) {
    case 'jsonl':
      return new JsonlFileChannel(channel.path);
    case 'ses':
      return new SesEmailChannel(
        new SESv2Client(options),
        new StaticContactDirectory(channel.contacts),
        { from: channel.from, configurationSet: channel.configurationSet },
      );
    case 'sms':
      return new SnsSmsChannel(
        new SNSClient(options),
        new StaticContactDirectory(channel.contacts),
        { senderId: channel.senderId },
      );
    default: {
      const unknown: never = channel;
      return unknown;
    }
  }
}

/**
 * A notifier's dependencies from an environment, with clients of their own.
 * The Lambda entry uses {@link notifierDeps}; the local cloud calls this once
 * per notifier (receipts, alerts), since both live in one process there.
 */
export function buildNotifierDeps(
  env: Record<string, string | undefined> = process.env,
): NotifierDeps {
  const config = readNotifierConfig(env);
  const options = sdkClientOptions({ endpoint: config.endpoint, region: config.region });
  const logger = createLogger('notifier');
  logger.appendKeys({ notifierKinds: [...config.kinds].join(',') });
  return {
    idempotency: new DynamoDbIdempotencyStore(
      new DynamoDBClient({ ...options, maxAttempts: 3 }),
      config.tableName,
      systemClock,
      { recordTtlSeconds: config.idempotencyTtlSeconds },
    ),
    channel: channelFor(config, options),
    clock: systemClock,
    logger,
    metrics: createMetrics('notifier'),
    settings: {
      kinds: config.kinds,
      largeWithdrawalThreshold: config.largeWithdrawalThreshold,
      inProgressMs: config.inProgressSeconds * 1000,
      concurrency: config.batchConcurrency,
    },
  };
}

let deps: NotifierDeps | undefined;

/* Each Lambda instance builds its clients once, on first use, and reuses them across invocations. */
export function notifierDeps(): NotifierDeps {
  deps ??= buildNotifierDeps();
  return deps;
}

/** The SQS handler for an environment: what the Lambda entry runs, for a process hosting several notifiers. */
export function createSqsHandler(
  env: Record<string, string | undefined>,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return makeSqsHandler(buildNotifierDeps(env));
}
