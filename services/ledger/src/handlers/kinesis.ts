import { createMetrics } from '@atm-ledger/runtime';
import { ledgerStreamDeps } from '../wiring.js';
import { makeKinesisHandler } from './kinesisHandler.js';

const deps = ledgerStreamDeps();

/** Lambda entry point: Kinesis event source mapping with ReportBatchItemFailures. */
export const handler = makeKinesisHandler({
  ...deps,
  concurrency: deps.batchConcurrency,
  metrics: createMetrics('ledger'),
});
