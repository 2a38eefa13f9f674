import {
  type Clock,
  createLogger,
  type Logger,
  sdkClientOptions,
  systemClock,
} from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbLedgerStore } from './adapters/dynamodb/ledgerStore.js';
import { SqsPoisonRecordSink } from './adapters/sqsPoisonSink.js';
import { type LedgerApiConfig, readLedgerApiConfig, readLedgerStreamConfig } from './config.js';
import type { LedgerPolicy } from './domain/index.js';
import type { LedgerStore, PoisonRecordSink } from './ports.js';

export interface LedgerDeps {
  readonly store: LedgerStore;
  readonly clock: Clock;
  readonly logger: Logger;
}
export interface LedgerStreamDeps extends LedgerDeps {
  readonly poison: PoisonRecordSink;
  readonly batchConcurrency: number;
  readonly policy: LedgerPolicy;
}
export interface LedgerTimersDeps {
  readonly store: DynamoDbLedgerStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

function baseDeps(config: LedgerApiConfig) {
  const options = sdkClientOptions({ endpoint: config.endpoint, region: config.region });
  return {
    options,
    store: new DynamoDbLedgerStore(
      new DynamoDBClient({ ...options, maxAttempts: 3 }),
      config.tableName,
    ),
    clock: systemClock,
    logger: createLogger('ledger'),
  };
}

/*
 * Each Lambda instance builds its clients once, on first use, and reuses them
 * for every invocation so connections stay warm between events.
 */
let api: LedgerDeps | undefined;
let stream: LedgerStreamDeps | undefined;
let timers: LedgerTimersDeps | undefined;

export function ledgerApiDeps(): LedgerDeps {
  api ??= baseDeps(readLedgerApiConfig());
  return api;
}

export function ledgerStreamDeps(): LedgerStreamDeps {
  if (stream !== undefined) return stream;
  const config = readLedgerStreamConfig();
  const base = baseDeps(config);
  stream = {
    ...base,
    poison: new SqsPoisonRecordSink(new SQSClient(base.options), config.poisonQueueUrl),
    batchConcurrency: config.batchConcurrency,
    policy: config.policy,
  };
  return stream;
}

export function ledgerTimersDeps(): LedgerTimersDeps {
  timers ??= baseDeps(readLedgerApiConfig());
  return timers;
}
