import { createMetrics } from '@atm-ledger/runtime';
import { ingestDeps } from '../wiring.js';
import { makeHttpHandler } from './httpHandler.js';

/** Lambda entry point: ingest's HTTP routes (API Gateway HTTP API, payload v2). */
export const handler = makeHttpHandler({ ...ingestDeps(), metrics: createMetrics('ingest') });
