import { isConfigurationError } from '@atm-ledger/runtime';
import { describe, expect, it } from 'vitest';
import { readLedgerApiConfig, readLedgerStreamConfig } from '../src/config.js';

const api = { AWS_REGION: 'us-east-1', LEDGER_TABLE_NAME: 'ledger' };
const stream = { ...api, LEDGER_POISON_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/poison' };

describe('readLedgerApiConfig', () => {
  it('holds an approved authorization for a week unless LEDGER_HOLD_TTL_SECONDS says otherwise', () => {
    // Act
    const byDefault = readLedgerApiConfig(api);
    const set = readLedgerApiConfig({ ...api, LEDGER_HOLD_TTL_SECONDS: '60' });

    // Assess
    expect(byDefault.holdTtlSeconds).toBe(604_800);
    expect(set.holdTtlSeconds).toBe(60);
  });

  it.each(['0', '1.5', 'soon', '31536001'])(
    'rejects LEDGER_HOLD_TTL_SECONDS=%s, naming the variable',
    (value) => {
      // Act
      const read = () => readLedgerApiConfig({ ...api, LEDGER_HOLD_TTL_SECONDS: value });

      // Assess
      expect(read).toThrow(/LEDGER_HOLD_TTL_SECONDS/);
      try {
        read();
      } catch (error) {
        expect(isConfigurationError(error)).toBe(true);
      }
    },
  );
});

describe('readLedgerStreamConfig', () => {
  it('gives the posting policy the same hold TTL as the API', () => {
    // Act
    const config = readLedgerStreamConfig({ ...stream, LEDGER_HOLD_TTL_SECONDS: '120' });

    // Assess
    expect(config.holdTtlSeconds).toBe(120);
    expect(config.policy).toEqual({ reversalWindowSeconds: 86_400, holdTtlSeconds: 120 });
  });
});
