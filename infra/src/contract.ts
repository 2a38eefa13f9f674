/**
 * Environment variable names, as each service's `config.ts` reads them. The
 * publication path itself (event source, stream filter, rule pattern, filter
 * policies) comes from `@atm-ledger/contracts`, which the local cloud builds
 * from too.
 */
export const ENV = {
  ledgerStreamName: 'LEDGER_STREAM_NAME',
  ledgerTableName: 'LEDGER_TABLE_NAME',
  ledgerPoisonQueueUrl: 'LEDGER_POISON_QUEUE_URL',
  ledgerBatchConcurrency: 'LEDGER_BATCH_CONCURRENCY',
  ledgerReversalWindowSeconds: 'LEDGER_REVERSAL_WINDOW_SECONDS',
  notifierTableName: 'NOTIFIER_TABLE_NAME',
  notifierKinds: 'NOTIFIER_KINDS',
  notifierChannel: 'NOTIFIER_CHANNEL',
  notifierJsonlPath: 'NOTIFIER_JSONL_PATH',
  notifierSesFrom: 'NOTIFIER_SES_FROM',
  notifierSesConfigurationSet: 'NOTIFIER_SES_CONFIGURATION_SET',
  notifierSmsSenderId: 'NOTIFIER_SMS_SENDER_ID',
  notifierContactsJson: 'NOTIFIER_CONTACTS_JSON',
} as const;
