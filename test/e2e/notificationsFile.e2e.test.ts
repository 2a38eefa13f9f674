import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { type LocalCloud, startLocalCloud } from '@atm-ledger/local-cloud';
import { describe, expect, inject, it } from 'vitest';
import { apiClient, eventually } from '../support/api.js';

/**
 * The local notification channel's file outlives a cloud that keeps it (what
 * `npm start` does, for whoever reads the receipts afterwards) and is gone
 * after one started with `discardNotificationsOnStop` (the benchmarks, the
 * load test, the fuzzer), so repeated runs leave nothing behind.
 */
describe('local cloud: the notifications file when the cloud stops', () => {
  /** Starts a cloud, deposits once, waits for the receipt in the file, stops it; returns the file's path. */
  async function depositAndStop(options: { discardNotificationsOnStop?: boolean }) {
    const run = randomUUID().slice(0, 8);
    const cloud: LocalCloud = await startLocalCloud({
      port: 0,
      awsEndpoint: inject('awsEndpoint'),
      prefix: `e2e-file-${run}`,
      token: 'e2e-token',
      ...options,
    });
    try {
      const api = apiClient(cloud.apiUrl, cloud.token);
      expect(
        (await api.post('/v1/accounts', { accountId: `A-${run}`, currency: 'USD' })).status,
      ).toBe(201);
      const deposit = await api.post('/v1/transactions', {
        transactionId: `dep-${run}`,
        type: 'DEPOSIT',
        accountId: `A-${run}`,
        amount: 10_000,
        currency: 'USD',
        atmId: 'atm-1',
        occurredAt: new Date().toISOString(),
      });
      expect(deposit.status).toBe(202);
      await eventually(
        async () =>
          existsSync(cloud.notificationsPath) &&
          readFileSync(cloud.notificationsPath, 'utf8').includes(`dep-${run}`)
            ? true
            : undefined,
        { timeoutMs: 10_000, what: 'the receipt in the notifications file' },
      );
    } finally {
      await cloud.stop();
    }
    return cloud.notificationsPath;
  }

  it('keeps the file by default', async () => {
    // Act
    const path = await depositAndStop({});

    // Assess
    try {
      expect(existsSync(path)).toBe(true);
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('deletes it when asked to discard notifications on stop', async () => {
    // Act
    const path = await depositAndStop({ discardNotificationsOnStop: true });

    // Assess
    expect(existsSync(path)).toBe(false);
  });
});
