import { readNotifierConfig } from '../config.js';
import { createNotifierHandler } from '../wiring.js';

/** Lambda entry point: SQS event source mapping with ReportBatchItemFailures. */
export const handler = createNotifierHandler(readNotifierConfig(process.env));
