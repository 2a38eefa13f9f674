import {
  createLogger,
  type FunctionRuntime,
  functionRuntime,
  type HandlerOptions,
} from '@atm-ledger/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbLedgerStore } from './adapters/dynamodb/ledgerStore.js';
import { SqsPoisonRecordSink } from './adapters/sqsPoisonSink.js';
import { AccountCache } from './application/accountCache.js';
import type { LedgerApiConfig, LedgerStreamConfig } from './config.js';
import { makeApiHandler } from './handlers/apiHandler.js';
import { makeKinesisHandler } from './handlers/kinesisHandler.js';
import { makePublishHandler } from './handlers/publishHandler.js';
import { makeTimersHandler } from './handlers/timersHandler.js';

/*
 * The ledger's functions, built from their configuration. Each builds its
 * clients once, when it is created (a Lambda instance's init, outside the
 * handler), and reuses them for every invocation so connections stay warm.
 * A Lambda entry passes only its environment's configuration; the local cloud
 * passes its options too (its clock, its fault-injecting request handler).
 */

function store(config: LedgerApiConfig, runtime: FunctionRuntime) {
  const client = new DynamoDBClient({ ...runtime.clientOptions('dynamodb'), maxAttempts: 3 });
  return new DynamoDbLedgerStore(client, config.tableName);
}

const runtimeOf = (config: LedgerApiConfig, options: HandlerOptions) =>
  functionRuntime('ledger', { endpoint: config.endpoint, region: config.region }, options);

/** The ledger's HTTP API: accounts, authorizations and reads. */
export function createLedgerApiHandler(config: LedgerApiConfig, options: HandlerOptions = {}) {
  const runtime = runtimeOf(config, options);
  return makeApiHandler({
    ...runtime,
    store: store(config, runtime),
    policy: { holdTtlSeconds: config.holdTtlSeconds },
    cache: new AccountCache(),
  });
}

/** The Kinesis consumer that posts each transaction. */
export function createLedgerStreamHandler(
  config: LedgerStreamConfig,
  options: HandlerOptions = {},
) {
  const runtime = runtimeOf(config, options);
  return makeKinesisHandler({
    ...runtime,
    store: store(config, runtime),
    poison: new SqsPoisonRecordSink(
      new SQSClient(runtime.clientOptions('sqs')),
      config.poisonQueueUrl,
    ),
    concurrency: config.batchConcurrency,
    policy: config.policy,
  });
}

/** The events pipe's enrichment. It calls no service: it reads only the records it is given. */
export function createLedgerPublishHandler(options: Pick<HandlerOptions, 'logLevel'> = {}) {
  return makePublishHandler({ logger: createLogger('ledger', options.logLevel) });
}

/** The timer sweep, run on a schedule. */
export function createLedgerTimersHandler(config: LedgerApiConfig, options: HandlerOptions = {}) {
  const runtime = runtimeOf(config, options);
  return makeTimersHandler({ ...runtime, store: store(config, runtime) });
}
