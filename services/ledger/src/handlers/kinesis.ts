import { readLedgerStreamConfig } from '../config.js';
import { createLedgerStreamHandler } from '../wiring.js';

/** Lambda entry point: Kinesis event source mapping with ReportBatchItemFailures. */
export const handler = createLedgerStreamHandler(readLedgerStreamConfig(process.env));
