import { notifierDeps } from '../wiring.js';
import { makeSqsHandler } from './sqsHandler.js';

/** Lambda entry point: SQS event source mapping with ReportBatchItemFailures. */
export const handler = makeSqsHandler(notifierDeps());
