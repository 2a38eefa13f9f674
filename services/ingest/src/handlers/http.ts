import { readIngestConfig } from '../config.js';
import { createIngestHandler } from '../wiring.js';

/** Lambda entry point: ingest's HTTP routes (API Gateway HTTP API, payload v2). */
export const handler = createIngestHandler(readIngestConfig(process.env));
