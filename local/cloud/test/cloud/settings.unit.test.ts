import { describe, expect, it } from 'vitest';
import { functionSettings } from '../../src/cloud.js';

describe('functionSettings', () => {
  it('passes the ledger tunables set in the shell to the functions, as a deployment sets them', () => {
    const env = {
      LEDGER_REVERSAL_WINDOW_SECONDS: '60',
      LEDGER_HOLD_TTL_SECONDS: '3',
      LEDGER_BATCH_CONCURRENCY: '4',
    };
    expect(functionSettings(env)).toEqual(env);
  });

  it('keeps everything else of the shell out: resource names are the local cloud’s own', () => {
    expect(
      functionSettings({
        LEDGER_TABLE_NAME: 'someone-elses-table',
        AWS_REGION: 'eu-west-1',
        HOME: '/root',
        LEDGER_HOLD_TTL_SECONDS: '',
      }),
    ).toEqual({});
  });
});
