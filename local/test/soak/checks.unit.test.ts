import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { checkTrialBalance, ledgerSnapshot } from '../../src/soak/checks.js';

const leg = (account: string, debit: number, credit: number, currency: string) => ({
  M: {
    account: { S: account },
    debit: { N: String(debit) },
    credit: { N: String(credit) },
    currency: { S: currency },
  },
});

const transaction = (
  id: string,
  legs: ReturnType<typeof leg>[],
): Record<string, AttributeValue> => ({
  entity: { S: 'TRANSACTION' },
  sk: { S: 'TX' },
  transactionId: { S: id },
  status: { S: 'POSTED' },
  legs: { L: legs },
});

describe('checkTrialBalance', () => {
  it("shows the totals at each currency's ISO 4217 exponent, ours and the API's", async () => {
    // Prepare
    const snapshot = ledgerSnapshot([
      transaction('d1', [leg('ATM_CASH:a', 38_515_000, 0, 'USD'), leg('A', 0, 38_515_000, 'USD')]),
      transaction('d2', [leg('ATM_CASH:a', 150_000, 0, 'JPY'), leg('J', 0, 150_000, 'JPY')]),
    ]);
    const api = {
      request: async () => ({
        status: 200,
        ms: 1,
        body: {
          currencies: {
            USD: { debits: 38_515_000, credits: 38_515_000, balanced: true },
            JPY: { debits: 150_000, credits: 150_000, balanced: true },
          },
        },
      }),
    };

    // Act
    const check = await checkTrialBalance(snapshot, api);

    // Assess
    expect(check.ok).toBe(true);
    expect(check.detail).toBe(
      'legs debits/credits: 385,150.00 USD / 385,150.00 USD, 150,000 JPY / 150,000 JPY; ' +
        'GET /v1/ledger/trial-balance: 200 385,150.00 USD / 385,150.00 USD balanced=true, 150,000 JPY / 150,000 JPY balanced=true',
    );
  });
});
