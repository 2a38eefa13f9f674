import { ledgerApiDeps } from '../wiring.js';
import { makeApiHandler } from './apiHandler.js';

/** Lambda entry point: the ledger's HTTP API routes (API Gateway HTTP API, payload v2). */
export const handler = makeApiHandler(ledgerApiDeps());
