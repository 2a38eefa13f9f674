import { createLogger } from '@atm-ledger/runtime';
import { makePublishHandler } from './publishHandler.js';

/**
 * Lambda entry point: the enrichment of the DynamoDB Streams → EventBridge
 * pipe. Needs no configuration: it reads only the records it is given.
 */
export const handler = makePublishHandler({ logger: createLogger('ledger') });
