import { isConfigurationError } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { readNotifierConfig } from '../src/config.js';

const base = {
  AWS_REGION: 'us-east-1',
  NOTIFIER_TABLE_NAME: 'notifier',
  NOTIFIER_KINDS: 'RECEIPT',
  NOTIFIER_CHANNEL: 'jsonl',
  NOTIFIER_JSONL_PATH: 'notifications.jsonl',
};

describe('readNotifierConfig', () => {
  it('reads a receipts notifier with defaults for the tunables', () => {
    // Act
    const config = readNotifierConfig(base);

    // Assess
    expect(config).toEqual({
      region: 'us-east-1',
      endpoint: undefined,
      tableName: 'notifier',
      kinds: new Set(['RECEIPT']),
      channel: { kind: 'jsonl', path: 'notifications.jsonl' },
      largeWithdrawalThreshold: 50_000,
      idempotencyTtlSeconds: 15 * 24 * 3600,
      inProgressSeconds: 60,
      batchConcurrency: 10,
    });
  });

  it('reads an alerts notifier by SMS with contacts and a threshold', () => {
    // Act
    const config = readNotifierConfig({
      ...base,
      NOTIFIER_KINDS: 'LOW_BALANCE, LARGE_WITHDRAWAL,WITHDRAWAL_REJECTED',
      NOTIFIER_CHANNEL: 'sms',
      NOTIFIER_CONTACTS_JSON: '{"A":{"phone":"+15555550100"}}',
      NOTIFIER_LARGE_WITHDRAWAL_THRESHOLD: '20000',
    });

    // Assess
    expect(config.kinds).toEqual(
      new Set(['LOW_BALANCE', 'LARGE_WITHDRAWAL', 'WITHDRAWAL_REJECTED']),
    );
    expect(config.channel).toEqual({
      kind: 'sms',
      senderId: undefined,
      contacts: { A: { phone: '+15555550100' } },
    });
    expect(config.largeWithdrawalThreshold).toBe(20_000);
  });

  it('names every missing or invalid variable at once', () => {
    // Act
    const error = (() => {
      try {
        readNotifierConfig({
          AWS_REGION: 'us-east-1',
          NOTIFIER_KINDS: 'RECEIPT,POSTCARD',
          NOTIFIER_CHANNEL: 'ses',
          NOTIFIER_CONTACTS_JSON: '{oops',
        });
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(isConfigurationError(error)).toBe(true);
    if (!isConfigurationError(error)) return;
    expect([...error.variables].sort()).toEqual(
      [
        'NOTIFIER_CONTACTS_JSON',
        'NOTIFIER_KINDS',
        'NOTIFIER_SES_FROM',
        'NOTIFIER_TABLE_NAME',
      ].sort(),
    );
  });
});

describe('readNotifierConfig: channel', () => {
  it('names NOTIFIER_CHANNEL when it is not one of jsonl, ses, sms', () => {
    // Act
    const error = (() => {
      try {
        readNotifierConfig({ ...base, NOTIFIER_CHANNEL: 'pigeon' });
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(isConfigurationError(error) && error.variables).toEqual(['NOTIFIER_CHANNEL']);
  });
});
