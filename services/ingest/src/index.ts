export { DynamoAcceptanceLog } from './adapters/dynamoAcceptanceLog.js';
export { streamHealth, tableHealth } from './adapters/healthChecks.js';
export { KinesisTransactionPublisher } from './adapters/kinesisPublisher.js';
export { InMemoryAcceptanceLog } from './adapters/memoryAcceptanceLog.js';
export {
  type AcceptOutcome,
  acceptTransaction,
  conflictingFields,
} from './application/acceptTransaction.js';
export { health } from './application/health.js';
export { type IngestConfig, readIngestConfig } from './config.js';
export { type IngestDeps, makeHttpHandler } from './handlers/httpHandler.js';
export * from './ports.js';
export { createIngestHandler } from './wiring.js';
