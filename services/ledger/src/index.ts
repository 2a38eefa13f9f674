export {
  ACCEPTANCE_TTL_SECONDS,
  type Acceptance,
  acceptancePut,
  itemToAcceptance,
  keys as ledgerKeys,
  TIMER_SHARDS,
  type TimerRef,
  TOTALS_SHARDS,
  timerShard,
  timerSubject,
  totalsShard,
} from './adapters/dynamodb/items.js';
export { classifyCancellation, DynamoDbLedgerStore } from './adapters/dynamodb/ledgerStore.js';
export { pkSkTableInput } from './adapters/dynamodb/table.js';
export { InMemoryLedgerStore } from './adapters/memory/ledgerStore.js';
export { SqsPoisonRecordSink } from './adapters/sqsPoisonSink.js';
export { AccountCache } from './application/accountCache.js';
export { type AuditReport, audit, type TotalsDrift } from './application/audit.js';
export { type AuthorizeDeps, type AuthorizeOutcome, authorize } from './application/authorize.js';
export {
  type ConsumeDeps,
  consumeRecord,
  OVERSIZED_PREFIX_BASE64_CHARS,
  type PoisonSource,
} from './application/consumeRecord.js';
export { decodeRecord, MAX_RECORD_BYTES } from './application/decodeRecord.js';
export { openAccount } from './application/openAccount.js';
export {
  defaultRetryPolicy,
  type PostOutcome,
  postTransaction,
  type RetryPolicy,
} from './application/postTransaction.js';
export * as queries from './application/queries.js';
export { toAccountView, toTransactionView } from './application/queries.js';
export { type AccountDrift, type RebuildReport, rebuild } from './application/rebuild.js';
export { type SweepDeps, type SweepReport, sweepTimers } from './application/sweepTimers.js';
export {
  type LedgerApiConfig,
  type LedgerStreamConfig,
  readLedgerApiConfig,
  readLedgerStreamConfig,
} from './config.js';
export * from './domain/index.js';
export { makeApiHandler } from './handlers/apiHandler.js';
export { type KinesisHandlerDeps, makeKinesisHandler } from './handlers/kinesisHandler.js';
export { makePublishHandler, type PublishHandlerDeps } from './handlers/publishHandler.js';
export { makeTimersHandler, type TimersHandlerDeps } from './handlers/timersHandler.js';
export * from './ports.js';
export {
  eventsToPublish,
  isUnpublishableRecordError,
  UnpublishableRecordError,
} from './publication/journal.js';
export {
  createLedgerApiHandler,
  createLedgerPublishHandler,
  createLedgerStreamHandler,
  createLedgerTimersHandler,
} from './wiring.js';
