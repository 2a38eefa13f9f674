/**
 * The environment variables the functions read, by name. Each service's
 * `config.ts` validates them under these keys; infra sets them on the Lambda
 * functions. Spelling a name here once means a rename cannot leave a
 * deployment setting a variable nobody reads.
 */
export const FUNCTION_ENV = {
  /** Emulator endpoint on the local cloud; unset in AWS. */
  ledgerAwsEndpoint: 'LEDGER_AWS_ENDPOINT',
  ledgerStreamName: 'LEDGER_STREAM_NAME',
  ledgerTableName: 'LEDGER_TABLE_NAME',
  ledgerPoisonQueueUrl: 'LEDGER_POISON_QUEUE_URL',
  ledgerBatchConcurrency: 'LEDGER_BATCH_CONCURRENCY',
  ledgerReversalWindowSeconds: 'LEDGER_REVERSAL_WINDOW_SECONDS',
  ledgerHoldTtlSeconds: 'LEDGER_HOLD_TTL_SECONDS',
  notifierTableName: 'NOTIFIER_TABLE_NAME',
  notifierKinds: 'NOTIFIER_KINDS',
  notifierChannel: 'NOTIFIER_CHANNEL',
  notifierJsonlPath: 'NOTIFIER_JSONL_PATH',
  notifierSesFrom: 'NOTIFIER_SES_FROM',
  notifierSesConfigurationSet: 'NOTIFIER_SES_CONFIGURATION_SET',
  notifierSmsSenderId: 'NOTIFIER_SMS_SENDER_ID',
  notifierContactsJson: 'NOTIFIER_CONTACTS_JSON',
  notifierLargeWithdrawalThreshold: 'NOTIFIER_LARGE_WITHDRAWAL_THRESHOLD',
  notifierIdempotencyTtlSeconds: 'NOTIFIER_IDEMPOTENCY_TTL_SECONDS',
  notifierInProgressSeconds: 'NOTIFIER_IN_PROGRESS_SECONDS',
  notifierBatchConcurrency: 'NOTIFIER_BATCH_CONCURRENCY',
} as const;

/**
 * How long an approved authorization holds its amount, unless completed or
 * released first (`LEDGER_HOLD_TTL_SECONDS`): a week, as card networks let
 * completions come late. The ledger's config and infra default to it.
 */
export const DEFAULT_HOLD_TTL_SECONDS = 604_800;

/**
 * How far back a reversal's original may be, and how long an early reversal
 * waits for it (`LEDGER_REVERSAL_WINDOW_SECONDS`): a day, as ATM networks
 * settle reversals. The ledger's config defaults to it; infra and the local
 * cloud set it.
 */
export const DEFAULT_REVERSAL_WINDOW_SECONDS = 86_400;

/** The longest reversal window `LEDGER_REVERSAL_WINDOW_SECONDS` accepts: a year. */
export const MAX_REVERSAL_WINDOW_SECONDS = 31_536_000;

/** The longest hold `LEDGER_HOLD_TTL_SECONDS` accepts: a year. */
export const MAX_HOLD_TTL_SECONDS = 31_536_000;
