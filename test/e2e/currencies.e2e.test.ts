import { randomUUID } from 'node:crypto';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';

interface Notification {
  readonly kind: string;
  readonly transactionId: string;
  readonly message: string;
}

/**
 * What a customer reads is scaled by the currency's ISO 4217 exponent, not by
 * a display convention: the API takes minor units, the receipt shows HUF
 * with 2 decimals (where `Intl` shows none), JPY with none and BHD with 3.
 */
describe('local cloud: receipts in the currency of the account', () => {
  let cloud: LocalCloud;
  let api: ReturnType<typeof apiClient>;
  const run = randomUUID().slice(0, 8);
  const occurredAt = new Date().toISOString();

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `e2c-${run}`,
      token: 'e2e',
    });
    api = apiClient(cloud.apiUrl, cloud.token);
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  /** Opens an account in `currency`, deposits `amount` minor units, and returns its receipt. */
  async function depositReceipt(currency: string, amount: number): Promise<Notification> {
    const accountId = `${currency}-${run}`;
    const transactionId = `dep-${currency}-${run}`;
    expect((await api.post('/v1/accounts', { accountId, currency })).status).toBe(201);
    const accepted = await api.post('/v1/transactions', {
      transactionId,
      type: 'DEPOSIT',
      accountId,
      amount,
      currency,
      atmId: 'atm-7',
      occurredAt,
    });
    expect(accepted.status).toBe(202);
    const { value } = await eventually(
      async () => {
        const { body } = await api.get(`/local/notifications?accountId=${accountId}`);
        return ((body.items ?? []) as Notification[]).find(
          (n) => n.kind === 'RECEIPT' && n.transactionId === transactionId,
        );
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `the ${currency} receipt` },
    );
    return value;
  }

  it.each([
    ['HUF', 150_000, '1,500.00 HUF'],
    ['JPY', 150_000, '150,000 JPY'],
    ['BHD', 1_500, '1.500 BHD'],
  ])('shows a %s deposit of %i minor units as %s', async (currency, amount, shown) => {
    // Act
    const receipt = await depositReceipt(currency, amount);

    // Assess
    expect(receipt.message).toBe(
      `Deposit of ${shown} to your account ending ${run.slice(-4)}. Balance: ${shown}.`,
    );
  });
});
