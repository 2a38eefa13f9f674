import { functionRuntime, type HandlerOptions } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoAcceptanceLog } from './adapters/dynamoAcceptanceLog.js';
import { streamHealth, tableHealth } from './adapters/healthChecks.js';
import { KinesisTransactionPublisher } from './adapters/kinesisPublisher.js';
import type { IngestConfig } from './config.js';
import { makeHttpHandler } from './handlers/httpHandler.js';

/**
 * Ingest's HTTP function, built from its configuration. Its clients are built
 * once, when it is created (a Lambda instance's init), and reused for every
 * invocation. The local cloud passes its own options (clock, request handler).
 */
export function createIngestHandler(config: IngestConfig, options: HandlerOptions = {}) {
  const runtime = functionRuntime(
    'ingest',
    { endpoint: config.endpoint, region: config.region },
    options,
  );
  const kinesis = new KinesisClient(runtime.clientOptions('kinesis'));
  const dynamodb = new DynamoDBClient(runtime.clientOptions('dynamodb'));
  return makeHttpHandler({
    ...runtime,
    publisher: new KinesisTransactionPublisher(kinesis, config.streamName),
    acceptance: new DynamoAcceptanceLog(dynamodb, config.tableName),
    health: [streamHealth(kinesis, config.streamName), tableHealth(dynamodb, config.tableName)],
  });
}
