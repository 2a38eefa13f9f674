import { FUNCTION_ENV as ENV } from '@atm-ledger/contracts';
import { type AwsEndpoint, AwsEndpointSetting, loadConfig } from '@atm-ledger/runtime';
import * as z from 'zod';

const IngestConfigSchema = z.object({
  AWS_REGION: z.string().min(1),
  /** Kinesis stream of accepted ATM transactions. */
  [ENV.ledgerStreamName]: z.string().min(1),
  /** The ledger table, where ingest notes which ids it accepted (so reads can say PENDING). */
  [ENV.ledgerTableName]: z.string().min(1),
  /** Emulator endpoint on the local cloud; unset in AWS. */
  [ENV.ledgerAwsEndpoint]: AwsEndpointSetting.optional(),
});

export interface IngestConfig {
  readonly region: string;
  readonly streamName: string;
  readonly tableName: string;
  readonly endpoint: AwsEndpoint | undefined;
}

export function readIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const c = loadConfig(IngestConfigSchema, env);
  return {
    region: c.AWS_REGION,
    streamName: c[ENV.ledgerStreamName],
    tableName: c[ENV.ledgerTableName],
    endpoint: c[ENV.ledgerAwsEndpoint],
  };
}
