import { loadConfig } from '@atm-ledger/runtime';
import * as z from 'zod';

const IngestConfigSchema = z.object({
  AWS_REGION: z.string().min(1),
  /** Kinesis stream of accepted ATM transactions. */
  LEDGER_STREAM_NAME: z.string().min(1),
  /** The ledger table, where ingest notes which ids it accepted (so reads can say PENDING). */
  LEDGER_TABLE_NAME: z.string().min(1),
  /** Emulator endpoint on the local cloud; unset in AWS. */
  LEDGER_AWS_ENDPOINT: z.url().optional(),
});

export interface IngestConfig {
  readonly region: string;
  readonly streamName: string;
  readonly tableName: string;
  readonly endpoint: string | undefined;
}

export function readIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const c = loadConfig(IngestConfigSchema, env);
  return {
    region: c.AWS_REGION,
    streamName: c.LEDGER_STREAM_NAME,
    tableName: c.LEDGER_TABLE_NAME,
    endpoint: c.LEDGER_AWS_ENDPOINT,
  };
}
