import { createLedgerPublishHandler } from '../wiring.js';

/** Lambda entry point: the enrichment of the DynamoDB Streams → EventBridge pipe. */
export const handler = createLedgerPublishHandler();
