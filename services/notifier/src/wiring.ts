import { type FunctionRuntime, functionRuntime, type HandlerOptions } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbIdempotencyStore } from './adapters/dynamodb/idempotencyStore.js';
import { JsonlFileChannel } from './adapters/jsonlChannel.js';
import { SesEmailChannel } from './adapters/sesEmailChannel.js';
import { SnsSmsChannel } from './adapters/snsSmsChannel.js';
import { StaticContactDirectory } from './adapters/staticContactDirectory.js';
import type { NotifierConfig } from './config.js';
import { makeSqsHandler } from './handlers/sqsHandler.js';
import type { NotificationChannel } from './ports.js';

function channelFor(config: NotifierConfig, runtime: FunctionRuntime): NotificationChannel {
  const channel = config.channel;
  switch (channel.kind) {
    case 'jsonl':
      return new JsonlFileChannel(channel.path);
    case 'ses':
      return new SesEmailChannel(
        new SESv2Client(runtime.clientOptions('sesv2')),
        new StaticContactDirectory(channel.contacts),
        { from: channel.from, configurationSet: channel.configurationSet },
      );
    case 'sms':
      return new SnsSmsChannel(
        new SNSClient(runtime.clientOptions('sns')),
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
 * A notifier's SQS function, built from its configuration: clients once, when
 * it is created, reused for every invocation. The same code is deployed twice
 * (receipts, alerts), each with its own kinds; the local cloud builds both in
 * one process, with its own options.
 */
export function createNotifierHandler(config: NotifierConfig, options: HandlerOptions = {}) {
  const runtime = functionRuntime(
    'notifier',
    { endpoint: config.endpoint, region: config.region },
    options,
  );
  runtime.logger.appendKeys({ notifierKinds: [...config.kinds].join(',') });
  return makeSqsHandler({
    ...runtime,
    idempotency: new DynamoDbIdempotencyStore(
      new DynamoDBClient({ ...runtime.clientOptions('dynamodb'), maxAttempts: 3 }),
      config.tableName,
      runtime.clock,
      { recordTtlSeconds: config.idempotencyTtlSeconds },
    ),
    channel: channelFor(config, runtime),
    settings: {
      kinds: config.kinds,
      largeWithdrawalThreshold: config.largeWithdrawalThreshold,
      inProgressMs: config.inProgressSeconds * 1000,
      concurrency: config.batchConcurrency,
    },
  });
}
