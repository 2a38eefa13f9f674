import { loadConfig } from '@atm-ledger/runtime';
import * as z from 'zod';
import type { LedgerPolicy } from './domain/index.js';

const common = {
  AWS_REGION: z.string().min(1),
  /** The ledger's DynamoDB table. */
  LEDGER_TABLE_NAME: z.string().min(1),
  /** Emulator endpoint on the local cloud; unset in AWS. */
  LEDGER_AWS_ENDPOINT: z.url().optional(),
  /**
   * How long an approved authorization holds its amount before it expires, if
   * not completed or released: a week, as card networks let completions come late.
   */
  LEDGER_HOLD_TTL_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(604_800),
};

const ApiConfigSchema = z.object(common);
const StreamConfigSchema = z.object({
  ...common,
  /** SQS queue for Kinesis records that can never be posted (poison), with their reason. */
  LEDGER_POISON_QUEUE_URL: z.url(),
  /** Records of different accounts in one batch posted at once; one account's stay in order. */
  LEDGER_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * How long before a reversal its original may have occurred, and how long an
   * early reversal waits for it: one day, as ATM networks settle reversals.
   */
  LEDGER_REVERSAL_WINDOW_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(86_400),
});

export interface LedgerApiConfig {
  readonly region: string;
  readonly tableName: string;
  readonly endpoint: string | undefined;
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
    tableName: c.LEDGER_TABLE_NAME,
    endpoint: c.LEDGER_AWS_ENDPOINT,
    holdTtlSeconds: c.LEDGER_HOLD_TTL_SECONDS,
  };
}

/** Settings of the ledger's Kinesis consumer function. */
export function readLedgerStreamConfig(
  env: Record<string, string | undefined>,
): LedgerStreamConfig {
  const c = loadConfig(StreamConfigSchema, env);
  return {
    region: c.AWS_REGION,
    tableName: c.LEDGER_TABLE_NAME,
    endpoint: c.LEDGER_AWS_ENDPOINT,
    holdTtlSeconds: c.LEDGER_HOLD_TTL_SECONDS,
    poisonQueueUrl: c.LEDGER_POISON_QUEUE_URL,
    batchConcurrency: c.LEDGER_BATCH_CONCURRENCY,
    policy: {
      reversalWindowSeconds: c.LEDGER_REVERSAL_WINDOW_SECONDS,
      holdTtlSeconds: c.LEDGER_HOLD_TTL_SECONDS,
    },
  };
}
