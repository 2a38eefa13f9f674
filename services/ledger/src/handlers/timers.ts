import { readLedgerApiConfig } from '../config.js';
import { createLedgerTimersHandler } from '../wiring.js';

/** Lambda entry point: the timer sweep, on an EventBridge Scheduler schedule. */
export const handler = createLedgerTimersHandler(readLedgerApiConfig(process.env));
