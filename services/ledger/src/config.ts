import {
  DEFAULT_HOLD_TTL_SECONDS,
  DEFAULT_REVERSAL_WINDOW_SECONDS,
  FUNCTION_ENV as ENV,
  MAX_HOLD_TTL_SECONDS,
  MAX_REVERSAL_WINDOW_SECONDS,
} from '@atm-ledger/contracts';
import { type AwsEndpoint, AwsEndpointSetting, loadConfig } from '@atm-ledger/runtime';
import * as z from 'zod';
import type { LedgerPolicy } from './domain/index.js';

const common = {
  AWS_REGION: z.string().min(1),
  /** The ledger's DynamoDB table. */
  [ENV.ledgerTableName]: z.string().min(1),
  /** Emulator endpoint on the local cloud; unset in AWS. */
  [ENV.ledgerAwsEndpoint]: AwsEndpointSetting.optional(),
  /**
   * How long an approved authorization holds its amount before it expires, if
   * not completed or released: a week, as card networks let completions come late.
   */
  [ENV.ledgerHoldTtlSeconds]: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_HOLD_TTL_SECONDS)
    .default(DEFAULT_HOLD_TTL_SECONDS),
};

const ApiConfigSchema = z.object(common);
const StreamConfigSchema = z.object({
  ...common,
  /** SQS queue for Kinesis records that can never be posted (poison), with their reason. */
  [ENV.ledgerPoisonQueueUrl]: z.url(),
  /** Records of different accounts in one batch posted at once; one account's stay in order. */
  [ENV.ledgerBatchConcurrency]: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * How long before a reversal its original may have occurred, and how long an
   * early reversal waits for it: one day, as ATM networks settle reversals.
   */
  [ENV.ledgerReversalWindowSeconds]: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_REVERSAL_WINDOW_SECONDS)
    .default(DEFAULT_REVERSAL_WINDOW_SECONDS),
});

export interface LedgerApiConfig {
  readonly region: string;
  readonly tableName: string;
  readonly endpoint: AwsEndpoint | undefined;
  readonly holdTtlSeconds: number;
}
export interface LedgerStreamConfig extends LedgerApiConfig {
  readonly poisonQueueUrl: string;
  readonly batchConcurrency: number;
  readonly policy: LedgerPolicy;
}

/** Settings of the ledger's HTTP API function. */
export function readLedgerApiConfig(env: Record<string, string | undefined>): LedgerApiConfig {
  const c = loadConfig(ApiConfigSchema, env);
  return {
    region: c.AWS_REGION,
    tableName: c[ENV.ledgerTableName],
    endpoint: c[ENV.ledgerAwsEndpoint],
    holdTtlSeconds: c[ENV.ledgerHoldTtlSeconds],
  };
}

/** Settings of the ledger's Kinesis consumer function. */
export function readLedgerStreamConfig(
  env: Record<string, string | undefined>,
): LedgerStreamConfig {
  const c = loadConfig(StreamConfigSchema, env);
  return {
    region: c.AWS_REGION,
    tableName: c[ENV.ledgerTableName],
    endpoint: c[ENV.ledgerAwsEndpoint],
    holdTtlSeconds: c[ENV.ledgerHoldTtlSeconds],
    poisonQueueUrl: c[ENV.ledgerPoisonQueueUrl],
    batchConcurrency: c[ENV.ledgerBatchConcurrency],
    policy: {
      reversalWindowSeconds: c[ENV.ledgerReversalWindowSeconds],
      holdTtlSeconds: c[ENV.ledgerHoldTtlSeconds],
    },
  };
}
