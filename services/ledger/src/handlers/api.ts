import { readLedgerApiConfig } from '../config.js';
import { createLedgerApiHandler } from '../wiring.js';

/** Lambda entry point: the ledger's HTTP API routes (API Gateway HTTP API, payload v2). */
export const handler = createLedgerApiHandler(readLedgerApiConfig(process.env));
