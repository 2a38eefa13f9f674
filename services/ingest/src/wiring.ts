import { createLogger, sdkClientOptions, systemClock } from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoAcceptanceLog } from './adapters/dynamoAcceptanceLog.js';
import { streamHealth, tableHealth } from './adapters/healthChecks.js';
import { KinesisTransactionPublisher } from './adapters/kinesisPublisher.js';
import { readIngestConfig } from './config.js';
import type { IngestDeps } from './handlers/httpHandler.js';

let deps: IngestDeps | undefined;

/** Clients built once per Lambda instance and reused across invocations. */
export function ingestDeps(): IngestDeps {
  if (deps !== undefined) return deps;
  const config = readIngestConfig();
  const options = sdkClientOptions({ endpoint: config.endpoint, region: config.region });
  const kinesis = new KinesisClient(options);
  const dynamodb = new DynamoDBClient(options);
  deps = {
    publisher: new KinesisTransactionPublisher(kinesis, config.streamName),
    acceptance: new DynamoAcceptanceLog(dynamodb, config.tableName),
    health: [streamHealth(kinesis, config.streamName), tableHealth(dynamodb, config.tableName)],
    clock: systemClock,
    logger: createLogger('ingest'),
  };
  return deps;
}
